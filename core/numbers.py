"""Numbers as people here type and read them: "95,5" with a decimal comma."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import formats

_GROUPED_COMMA_DECIMAL = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")  # 1.234,5
_GROUPED_POINT_DECIMAL = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")  # 1,234.5


def parse_decimal(text: str) -> Decimal:
    """Parse a number as people type it here, whatever the UI language.

    "95,5" and "95.5" are both 95.5: one separator is always the decimal separator (scores and
    percentages are small numbers, so "2,5" must never become 25). Grouped thousands are
    accepted only when unambiguous ("1.234,5" or "1,234.5"). Raises ValueError otherwise.
    """
    value = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    if not value:
        raise ValueError("empty")
    if "," in value and "." in value:
        if _GROUPED_COMMA_DECIMAL.match(value):
            value = value.replace(".", "").replace(",", ".")
        elif _GROUPED_POINT_DECIMAL.match(value):
            value = value.replace(",", "")
        else:
            raise ValueError(value)
    elif value.count(",") == 1:
        value = value.replace(",", ".")
    elif value.count(",") > 1 or value.count(".") > 1:
        raise ValueError(value)
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", value):
        raise ValueError(value)
    try:
        return Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above guards
        raise ValueError(value) from exc


def format_decimal(value: Decimal | None) -> str:
    """A decimal without trailing zeros, with the active language's decimal separator."""
    if value is None:
        return ""
    normalized = value.normalize()
    if normalized == normalized.to_integral():
        normalized = normalized.quantize(Decimal(1))
    text = format(normalized, "f")
    return text.replace(".", formats.get_format("DECIMAL_SEPARATOR"))


def round_half_up(value: Decimal, places: int = 2) -> Decimal:
    """The one rounding rule of the project: half away from zero, as Excel's ROUND() and
    people on paper round (92,345 -> 92,35). Python's default (half to even) would make the
    page and the spreadsheet disagree on the same number."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
