"""What the reading of a workbook produces (rows, settings, errors with their place) and how
one cell is read."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from core.numbers import parse_decimal

from ..services import Row


@dataclass
class ParseError:
    row: int | None
    column: str | None
    message: str
    sheet: str | None = None

    def __str__(self) -> str:
        if self.sheet and self.row:
            return _("Sheet “%(sheet)s”, row %(row)d, column %(column)s: %(message)s") % {
                "sheet": self.sheet,
                "row": self.row,
                "column": self.column or "A",
                "message": self.message,
            }
        if self.row and self.column:
            return _("Row %(row)d, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        if self.row:
            return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}
        return self.message


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    errors: list[ParseError] = field(default_factory=list)
    formula_rows: set[int] = field(default_factory=set)  # row indexes whose max is a sum
    source_rows: list[int] = field(default_factory=list)  # the Excel row of each parsed row


def text_of(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def number_of(value) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(value)
    is_number = isinstance(value, int | float)
    number = Decimal(str(value)) if is_number else parse_decimal(text_of(value))
    if not number.is_finite():
        raise ValueError(value)
    return number


def points_error(number: Decimal, limit: Decimal) -> str | None:
    """Why a number of points cannot be stored: 2 decimals, below the field's limit."""
    if number != number.quantize(Decimal("0.01")):
        return _("at most 2 decimals (e.g. 0,25).")
    if number < 0 or number > limit:
        return _("the number must be between 0 and %(limit)s.") % {
            "limit": str(limit).replace(".", ",")
        }
    return None
