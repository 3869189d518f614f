"""The summary score table as a spreadsheet."""

from __future__ import annotations

from typing import Any

from xlsxwriter.utility import xl_col_to_name

from scoring.excel.writing import Book

BOLD = {"bold": True}


def summary_workbook(context: dict[str, Any]) -> bytes:
    """The ranked rows of ``results.documents.summary_context``, the numbers of the results page
    and the summary PDF: numbers as numbers; each total a formula of its row (score sections +
    bonus − deductions, bonus and deductions already within their caps) and the percentage a
    formula too, rounded by Excel's ROUND (half away from zero, the rule of
    ``results.ranking.percent_of``). Each formula is saved with the value the ranking computed
    (``result.total``, ``result.percent``), so a reader that does not recalculate shows the
    page's numbers; every name and heading is written as text. The header row is frozen."""
    book = Book()
    sheet = book.sheet("Tổng hợp")
    roots = context["score_roots"]
    headers = [
        "Hạng", "Đơn vị", *[f"{r.code}. {r.text}" for r in roots],
        "Điểm thưởng", "Điểm trừ", "Tổng điểm", "Tỷ lệ (%)", "Xếp loại", "Đã thẩm định",
    ]  # fmt: skip
    for column, header in enumerate(headers):
        book.text(sheet, 0, column, header, **BOLD)
    first_section = 2  # zero-based: column C
    bonus_col = first_section + len(roots)
    deduction_col = bonus_col + 1
    total_col = deduction_col + 1
    start, end = xl_col_to_name(first_section), xl_col_to_name(bonus_col)
    deduction, total = xl_col_to_name(deduction_col), xl_col_to_name(total_col)
    nominal = context["table"].nominal_total
    for line, row in enumerate(context["rows"], start=1):
        result = row["result"]
        number = line + 1  # the row's number in formulas
        book.number(sheet, line, 0, result.rank)
        book.text(sheet, line, 1, result.sheet.unit.name)
        for offset, value in enumerate(row["sections"]):
            book.number(sheet, line, first_section + offset, value or 0)
        book.number(sheet, line, bonus_col, result.totals.bonus)
        book.number(sheet, line, deduction_col, result.totals.deduction)
        book.formula(
            sheet, line, total_col,
            f"=SUM({start}{number}:{end}{number})-{deduction}{number}", result.total,
        )  # fmt: skip
        book.formula(
            sheet, line, total_col + 1,
            f"=ROUND({total}{number}*100/{nominal.normalize():f},2)", result.percent,
        )  # fmt: skip
        book.text(sheet, line, total_col + 2, result.tier)
        book.text(sheet, line, total_col + 3, "Có" if result.is_reviewed else "Chưa")
    sheet.freeze_panes(1, 2)
    sheet.set_column(1, 1, 28)
    return book.close()
