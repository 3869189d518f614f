"""The scoring table in Excel, in the layout clerks already use.

Sheet "Bảng chấm điểm": a title row, then the header row

    Mã | Nội dung | Hướng dẫn chấm | Loại | Điểm tối đa | Bước điểm | Yêu cầu minh chứng

then one row per criterion in print order. The tree comes from the codes, as on paper:
Roman numerals (I, II…) are sections; numbers (1, 2…) are criteria of the current section;
dotted numbers (1.1, 2.3.1…) sit under the criterion they extend; letters (a, b…) under the
last numbered criterion. "Loại" is Điểm, Thưởng or Trừ; "Yêu cầu minh chứng" is Có or empty.
A parent's max points may be a formula: it is taken as the sum of its parts. Rows whose code
is empty and whose content starts with "Tổng" are totals and are skipped.

Sheet "Cài đặt" (optional): the table's title, nominal total, bonus and deduction caps,
tie-break order and legal bases, one per row as "name | value".
"""

from . import reading, rows
from .export import export_table
from .layout import (
    HEADERS,
    MAX_BYTES,
    MAX_CELL_CHARS,
    MAX_POINTS,
    MAX_ROWS,
    MAX_STEP,
    MAX_UNPACKED_BYTES,
    SETTINGS_SHEET,
    SHEET,
)
from .reading import Parsed, ParseError, data_to_rows, parse_workbook, rows_to_data

__all__ = [
    "HEADERS", "MAX_BYTES", "MAX_CELL_CHARS", "MAX_POINTS", "MAX_ROWS", "MAX_STEP",
    "MAX_UNPACKED_BYTES", "SETTINGS_SHEET", "SHEET", "ParseError", "Parsed", "data_to_rows",
    "export_table", "parse_workbook", "reading", "rows", "rows_to_data",
]  # fmt: skip
