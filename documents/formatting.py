"""Vietnamese formatting for official documents (Decree 30/2020/NĐ-CP), independent of the UI
language."""

from __future__ import annotations

import datetime
import functools
from decimal import ROUND_HALF_UP, Decimal


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
    """Document numbers below 10 take a leading zero: "05"."""
    text = str(number).strip()
    return text.zfill(2) if text.isdigit() and len(text) < 2 else text


def vn_clock(value: datetime.datetime | None) -> str:
    """ "08 giờ 30 phút, ngày 20 tháng 3 năm 2024" in the project's time zone."""
    if not isinstance(value, datetime.datetime):
        return "…… giờ …… phút, ngày …… tháng …… năm ……"
    from django.utils import timezone

    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{local.hour:02d} giờ {local.minute:02d} phút, {vn_date(local.date())}"
