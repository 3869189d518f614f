"""What the reading of a workbook produces (rows, settings, errors with their place) and how
one cell is read."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.numbers import parse_decimal
from core.text import fold

from ..services import Row
from .layout import POINTS_TEXT


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
    settings: dict[str, Any] = field(default_factory=dict)
    errors: list[ParseError] = field(default_factory=list)
    source_rows: list[int] = field(default_factory=list)  # the Excel row of each parsed row
    # What the preview tells before saving: the columns read, what the file does not say and
    # the value used instead (a step of 0,5 "mặc định"), headings that are not criteria.
    notes: list[str] = field(default_factory=list)
    step_defaults: set[int] = field(default_factory=set)  # rows whose step the file lacks

    def sort_errors(self) -> None:
        """The criteria sheet's errors in the order of the sheet: row, then column."""

        def key(error: ParseError) -> tuple[bool, int, int, str]:
            column = error.column or ""
            return (error.sheet is not None, error.row or 0, len(column), column)

        self.errors.sort(key=key)


def text_of(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def column_letter(index: int) -> str:
    """The letter of a zero-based column: 0 -> "A", 26 -> "AA"."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def number_of(value: object) -> Decimal:
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


def points_of(value: object) -> Decimal:
    """Points as clerks type them: a number, "2,5", "5 điểm", "tối đa 5", "-2"."""
    if isinstance(value, int | float | Decimal) or value is None:
        return number_of(value)
    match = POINTS_TEXT.match(fold(text_of(value)))
    if match is None:
        raise ValueError(value)
    return number_of(match["number"].replace(" ", ""))
