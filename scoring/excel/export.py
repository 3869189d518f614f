"""The scoring table written as a workbook in our layout (see scoring/excel), with XlsxWriter:
each sum a formula saved with its value, each text a text (scoring/excel/writing.py)."""

from __future__ import annotations

from decimal import Decimal

from ..models import Criterion, ScoringTable, tie_break_to_words
from ..services import rows_of
from .layout import HEADERS, KIND_LABELS, SETTING_LABELS, SETTINGS_SHEET, SHEET
from .writing import Book, Style

TOTAL_LABELS = {
    Criterion.Kind.SCORE: "Tổng điểm chuẩn",
    Criterion.Kind.BONUS: "Tổng điểm thưởng",
    Criterion.Kind.DEDUCTION: "Tổng điểm trừ",
}
WIDTHS = (7, 60, 45, 9, 11, 10, 12)
POINTS = 4  # the column of the max points (E), zero-based
HEADER_ROW = 2  # zero-based: the title, an empty row, then the header


def export_table(table: ScoringTable) -> bytes:
    book = Book()
    sheet = book.sheet(SHEET)
    book.merged_text(
        sheet, (0, 0), (0, len(HEADERS) - 1), table.title.upper(),
        bold=True, font_size=13, align="center",
    )  # fmt: skip
    for column, header in enumerate(HEADERS):
        book.text(
            sheet, HEADER_ROW, column, header,
            bold=True, align="center", valign="vcenter", text_wrap=True,
        )  # fmt: skip
    rows = rows_of(table)
    first = HEADER_ROW + 1
    children: dict[int, list[int]] = {}
    for index, row in enumerate(rows):
        if row.parent_index is not None:
            children.setdefault(row.parent_index, []).append(index)
    for index, row in enumerate(rows):
        line = first + index
        bold = row.parent_index is None
        top: dict[str, Style] = {"valign": "top", "bold": bold}
        book.text(sheet, line, 0, row.code, **top)
        book.text(sheet, line, 1, row.text, **top, text_wrap=True)
        book.text(sheet, line, 2, row.guidance, **top, text_wrap=True)
        book.text(sheet, line, 3, KIND_LABELS[Criterion.Kind(row.kind)], **top)
        parts = children.get(index)
        if parts and sum((rows[c].max_points for c in parts), Decimal(0)) == row.max_points:
            # A parent's max is the sum of its parts (a draft that does not add up yet keeps
            # its own number, so that the file gives back exactly the same table).
            cells = ",".join(f"E{first + child + 1}" for child in parts)
            book.formula(sheet, line, POINTS, f"=SUM({cells})", row.max_points, **top)
        else:
            book.number(sheet, line, POINTS, row.max_points, **top)
        book.number(sheet, line, 5, row.step, **top)
        book.text(sheet, line, 6, "Có" if row.evidence_required else "", **top)
    total_line = first + len(rows) + 1
    for offset, kind in enumerate(Criterion.Kind.values):
        roots = [i for i, row in enumerate(rows) if row.parent_index is None and row.kind == kind]
        # The value saved with the formula is what it sums: the roots' maxima of this kind,
        # which is also the table page's total of that kind (TableTree.totals).
        total = sum((rows[i].max_points for i in roots), Decimal(0))
        book.text(sheet, total_line + offset, 1, TOTAL_LABELS[Criterion.Kind(kind)], bold=True)
        if roots:
            cells = ",".join(f"E{first + i + 1}" for i in roots)
            book.formula(sheet, total_line + offset, POINTS, f"=SUM({cells})", total, bold=True)
        else:
            book.number(sheet, total_line + offset, POINTS, 0, bold=True)
    for column, width in enumerate(WIDTHS):
        sheet.set_column(column, column, width)
    sheet.freeze_panes(first, 0)

    settings = book.sheet(SETTINGS_SHEET)
    numbers = {
        "nominal_total": table.nominal_total,
        "bonus_cap": table.bonus_cap,
        "deduction_cap": table.deduction_cap,
    }
    texts = {
        "title": table.title,
        "tie_break": "; ".join(tie_break_to_words(table.tie_break)),
        "tier_bands": "; ".join(
            f"{band['name']}: {str(band['min_percent']).replace('.', ',')}"
            for band in table.cluster_year.tier_bands
        ),
        "legal_bases": table.legal_bases,
    }
    for line, (key, label) in enumerate(SETTING_LABELS.items()):
        book.text(settings, line, 0, label, bold=True)
        if key in numbers:
            book.number(settings, line, 1, numbers[key])
        else:
            book.text(settings, line, 1, texts[key], text_wrap=True)
    settings.set_column(0, 0, 28)
    settings.set_column(1, 1, 80)
    return book.close()
