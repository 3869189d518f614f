"""The summary score table as a spreadsheet."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter


def summary_workbook(context: dict) -> bytes:
    """Numbers as numbers; each total a formula of its row (score sections + bonus − deductions,
    bonus and deductions already within their caps); the percentage a formula too, rounded by
    Excel's ROUND (half away from zero), the rule results.ranking.percent_of follows; the header
    row frozen."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Tổng hợp"
    roots = context["score_roots"]
    headers = [
        "Hạng", "Đơn vị", *[f"{r.code}. {r.text}" for r in roots],
        "Điểm thưởng", "Điểm trừ", "Tổng điểm", "Tỷ lệ (%)", "Xếp loại", "Đã thẩm định",
    ]  # fmt: skip
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    first_section = 3
    bonus_col = first_section + len(roots)
    deduction_col = bonus_col + 1
    total_col = deduction_col + 1
    nominal = float(context["table"].nominal_total)
    for row_number, row in enumerate(context["rows"], start=2):
        result = row["result"]
        values = [result.rank, result.sheet.unit.name]
        values += [float(value or 0) for value in row["sections"]]
        values += [float(result.totals.bonus), float(result.totals.deduction)]
        start, end = get_column_letter(first_section), get_column_letter(bonus_col)
        deduction = get_column_letter(deduction_col)
        values.append(f"=SUM({start}{row_number}:{end}{row_number})-{deduction}{row_number}")
        values.append(f"=ROUND({get_column_letter(total_col)}{row_number}*100/{nominal},2)")
        values += [result.tier, "Có" if result.is_reviewed else "Chưa"]
        sheet.append(values)
        for column in range(first_section, total_col + 2):
            sheet.cell(row=row_number, column=column).number_format = "0.##"
    sheet.freeze_panes = "C2"
    sheet.column_dimensions["B"].width = 28
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
