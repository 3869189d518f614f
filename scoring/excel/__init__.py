"""The scoring table in Excel: our own layout out, our own and the clerks' layouts in.

Export (export.py; results/excel.py for the summary), written with XlsxWriter (writing.py):
every formula is saved with its value and every text is written as a text, never as a formula.
Sheet "Bảng chấm điểm": a title row, then the header row

    Mã | Nội dung | Hướng dẫn chấm | Loại | Điểm tối đa | Bước điểm | Yêu cầu minh chứng

then one row per criterion in print order; a parent's max is =SUM() of its parts. Sheet
"Cài đặt": the table's title, nominal total, bonus and deduction caps, tie-break order, tier
bands and legal bases, one per row as "name | value".

Import (reading.py → headers.py → rows.py → outline.py) reads that layout and the clerks' own:
the header row anywhere in the first 15 rows under a title block, its columns by their usual
names (TT/STT, Nội dung tiêu chí/Tiêu chí, Điểm chuẩn/Điểm tối đa/Thang điểm, Ghi chú/Hướng
dẫn…; columns such as "Điểm tự chấm" are not read), sections merged across the row ("I. Kinh
tế"), group headings A., B., C., criteria 1, 1.1 and items a), comma decimals, bonus and
deduction parts known by their headings ("Điểm thưởng", "Điểm cộng", "Điểm trừ"), guidance lines
"- …" under a criterion. What the file does not give (the step, the kind) is said in the
preview with the value used. Every error names its row and column; nothing is saved here.
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
