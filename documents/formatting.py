"""Vietnamese formatting for official documents (Decree 30/2020/NĐ-CP), independent of the UI
language."""

from __future__ import annotations

import datetime
import functools
import re
from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"
DOTS = "……"  # a blank the văn thư fills in by hand (dots: spaces would collapse)


def decree_day(day: int) -> str:
    """Days 1–9 take a leading zero: 05."""
    return f"{day:02d}"


def decree_month(month: int) -> str:
    """Only January and February take a leading zero (01, 02); 3–12 are written plainly."""
    return f"{month:02d}" if month <= 2 else str(month)


def vn_date(value: datetime.date | None, *, year: int | None = None) -> str:
    """ "ngày 20 tháng 3 năm 2024"; blanks to fill by hand when there is no date yet."""
    if value is None:  # dots, not spaces (which collapse): room to write the date by hand
        return f"ngày …… tháng …… năm {year or '……'}"
    return f"ngày {decree_day(value.day)} tháng {decree_month(value.month)} năm {value.year}"


def date_line(place: str, value: datetime.date | None, *, year: int | None = None) -> str:
    """ "Thái Nguyên, ngày 20 tháng 3 năm 2024" (the italic line under the national motto)."""
    return f"{place}, {vn_date(value, year=year)}" if place else vn_date(value, year=year)


def vn_negated(value, decimals: int | None = None) -> str:
    """A deduction printed as the amount it takes away: 2.5 -> "-2,5", and 0 -> "0" (never
    "-0", which a minus typed before the number gave)."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    return vn_number(-number, decimals)


def vn_number(value, decimals: int | None = None) -> str:
    """1234.5 -> "1.234,5" (dot for thousands, comma for decimals); trailing zeros dropped
    unless ``decimals`` is given."""
    if value is None or value == "":
        return ""
    if type(value) is int or (type(value) is Decimal and value.is_finite()):
        return _cached_number(value, decimals)  # the amounts of a page repeat: format each once
    return _vn_number(value, decimals)


@functools.lru_cache(maxsize=4096, typed=True)
def _cached_number(value: Decimal | int, decimals: int | None) -> str:
    return _vn_number(value, decimals)


def _vn_number(value, decimals: int | None) -> str:
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return str(value)  # not a number (e.g. a note in a history line): shown as it is
    if not number.is_finite() or abs(number.adjusted()) > 30:
        return str(value)  # "Infinity", "NaN", "1e999999999": text, not an amount
    if number.is_zero():
        number = abs(number)  # "-0" reads 0 (and shares 0's cache entry)
    if decimals is not None:
        # Half away from zero, the project's one rule (core.numbers.round_half_up, Excel's ROUND).
        number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        text = f"{number:,.{decimals}f}"
    else:
        normalized = number.normalize()
        if normalized == normalized.to_integral():
            normalized = normalized.quantize(Decimal(1))
        exponent = normalized.as_tuple().exponent
        places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        text = f"{normalized:,.{places}f}"
    return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


ROMAN = [
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
]  # fmt: skip


def roman(number: int) -> str:
    result = []
    for value, letters in ROMAN:
        count, number = divmod(number, value)
        result.append(letters * count)
    return "".join(result)


def doc_number(number: int | str) -> str:
    """Document numbers below 10 take a leading zero: "05", "05/BB-CTĐ"."""
    text = str(number).strip()
    return re.sub(r"^(\d)(?=/|$)", r"0\1", text)


def number_line(number: int | str | None) -> str:
    """The "Số:" line under the issuing body: "Số: 05/BB-CTĐ", or a dotted blank for the
    văn thư while the document has no number yet."""
    text = doc_number(number) if number not in (None, "") else f"{DOTS}/{DOTS}"
    return f"Số: {text}"


# Names of administrative units follow one of these words ("xã Đồng Liên", "THÀNH PHỐ THÁI
# NGUYÊN"); the longest first, so that "thị xã" is not read as "xã".
ADMINISTRATIVE_WORDS = ("thành phố", "thị xã", "thị trấn", "đặc khu", "xã", "phường", "huyện",
                        "quận", "tỉnh")  # fmt: skip
# Capitalised words that follow such a word without being part of a name ("CÁC XÃ THUỘC …",
# "XÃ HỘI").
NOT_A_NAME = frozenset({"thuộc", "trực", "và", "của", "các", "trên", "hội", "phụ", "cụm", "khối",
                        "thi", "đua", "ubnd", "hđnd"})  # fmt: skip
_PUNCTUATION = ",;:.)"


def _administrative_word(words: list[str], index: int) -> int:
    """How many words an administrative word takes at ``index`` (0: none there)."""
    for keyword in ADMINISTRATIVE_WORDS:
        parts = keyword.split()
        found = [word.lower() for word in words[index : index + len(parts)]]
        if found and found[-1].rstrip(_PUNCTUATION) == parts[-1] and found[:-1] == parts[:-1]:
            return len(parts)
    return 0


def _name_word(word: str) -> bool:
    bare = word.rstrip(_PUNCTUATION)
    return (
        bool(bare) and (bare[0].isupper() or bare[0].isdigit()) and bare.lower() not in NOT_A_NAME
    )


def keep_names(text: str) -> str:
    """Names of places kept whole on a line: the words of "Thái Nguyên" or "NGUYỄN THỊ MINH
    KHAI", and of "thành phố", are joined by no-break spaces, so that a body's name breaks
    only before the kind or between the kind and the name ("UBND THÀNH PHỐ / THÁI NGUYÊN",
    never "UBND THÀNH PHỐ THÁI / NGUYÊN"). The kind is not held to the name: in a narrow
    table cell a long kind and name together would run past the cell."""
    if not text:
        return text
    parts = re.split(r"(\s+)", str(text))
    words, spaces = parts[0::2], parts[1::2]
    glue = [False] * len(spaces)  # glue[i]: the space after words[i]
    index = 0
    while index < len(words):
        size = _administrative_word(words, index)
        if not size or any("\n" in spaces[i] for i in range(index, index + size - 1)):
            index += 1
            continue
        for i in range(index, index + size - 1):
            glue[i] = True
        end = index + size - 1  # the kind's last word
        name_end = end
        while (
            name_end + 1 < len(words)
            and name_end - end < 4
            and not words[name_end].endswith(tuple(_PUNCTUATION))
            and "\n" not in spaces[name_end]
            and _name_word(words[name_end + 1])
            and not _administrative_word(words, name_end + 1)
        ):
            name_end += 1
        for i in range(end + 1, name_end):
            glue[i] = True
        index = name_end + 1
    out = [words[0]]
    for i, space in enumerate(spaces):
        out.append(NBSP if glue[i] else space)
        out.append(words[i + 1])
    return "".join(out)


def place_of(name: str) -> str:
    """The place of a unit for its date line: "xã Đồng Liên" -> "Đồng Liên"."""
    words = name.split()
    size = _administrative_word(words, 0) if words else 0
    return " ".join(words[size:]) or name


def vn_clock(value: datetime.datetime | None) -> str:
    """ "08 giờ 30 phút, ngày 20 tháng 3 năm 2024" in the project's time zone."""
    if not isinstance(value, datetime.datetime):
        return "…… giờ …… phút, ngày …… tháng …… năm ……"
    from django.utils import timezone

    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{local.hour:02d} giờ {local.minute:02d} phút, {vn_date(local.date())}"
