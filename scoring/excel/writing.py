"""Workbooks a clerk can trust, written with XlsxWriter (openpyxl can only read them back).

Two promises, kept here for every workbook we give out:

- Every formula carries its value. A workbook opened by Excel is recalculated, but a phone's
  preview, a mail viewer or openpyxl show the value saved with the formula, and one saved
  without it reads as an empty cell. The caller passes the value the page shows (the same
  numbers, the same rounding), so every reader sees the same total.
- Every text is a text. Whatever a user typed — a criterion, a unit's name, an imported note —
  is written as a string, never as a formula, even when it starts with "=", "+", "-" or "@";
  those get Excel's quote prefix too (the hidden apostrophe), so that editing the cell in Excel
  keeps it a text instead of running it (`=HYPERLINK(…)`, `=cmd|' /C calc'!A0`).
"""

from __future__ import annotations

import io
from decimal import Decimal

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

# A cell typed with one of these first is read by a spreadsheet as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")

Style = bool | int | str


def cell_number(value: Decimal | int | float) -> int | float:
    """A number as a cell holds it: an int when whole (Excel shows "5", not "5.0")."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class Book:
    """One workbook in memory; ``close()`` gives its bytes. Cells are written only through
    ``text``, ``number`` and ``formula``: nothing here ever guesses a cell's type from a string
    (XlsxWriter's ``write()`` would, so its guessing is switched off as well)."""

    def __init__(self) -> None:
        self._buffer = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(
            self._buffer,
            {
                "in_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        self._formats: dict[tuple[tuple[str, Style], ...], Format] = {}

    def sheet(self, name: str) -> Worksheet:
        return self.workbook.add_worksheet(name)

    def style(self, **properties: Style) -> Format:
        """A cell format, shared by every cell with the same properties."""
        key = tuple(sorted(properties.items()))
        if key not in self._formats:
            self._formats[key] = self.workbook.add_format(dict(properties))
        return self._formats[key]

    def text(self, sheet: Worksheet, row: int, col: int, value: str, **style: Style) -> None:
        """A text cell (zero-based row and column), whatever the text looks like; an empty
        text leaves the cell empty (only its style is written)."""
        if not value:
            sheet.write_blank(row, col, None, self.style(**style))
            return
        if value.startswith(FORMULA_STARTS):
            style = {**style, "quote_prefix": True}
        sheet.write_string(row, col, value, self.style(**style))

    def merged_text(
        self, sheet: Worksheet, first: tuple[int, int], last: tuple[int, int], value: str,
        **style: Style,
    ) -> None:  # fmt: skip
        """A text across merged cells (``merge_range`` would guess the type: it is given
        nothing, then the text is written into its first cell)."""
        fmt = self.style(**style)
        sheet.merge_range(first[0], first[1], last[0], last[1], "", fmt)
        self.text(sheet, first[0], first[1], value, **style)

    def number(
        self, sheet: Worksheet, row: int, col: int, value: Decimal | int | float, **style: Style
    ) -> None:
        sheet.write_number(row, col, cell_number(value), self.style(**style))

    def formula(
        self,
        sheet: Worksheet,
        row: int,
        col: int,
        formula: str,
        value: Decimal | int | float,
        **style: Style,
    ) -> None:
        """A formula of our own making, saved with ``value``: what the page shows for it."""
        sheet.write_formula(row, col, formula, self.style(**style), cell_number(value))

    def close(self) -> bytes:
        self.workbook.close()
        return self._buffer.getvalue()
