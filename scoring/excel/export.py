"""The scoring table written as a workbook in the clerks' layout (see scoring/excel)."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ..models import Criterion, ScoringTable, tie_break_to_words
from ..services import rows_of
from .layout import HEADERS, KIND_LABELS, SETTING_LABELS, SETTINGS_SHEET, SHEET


def export_table(table: ScoringTable) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheet["A1"] = table.title.upper()
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.merge_cells("A1:G1")
    sheet["A1"].alignment = Alignment(horizontal="center")
    header_row = 3
    for column, header in enumerate(HEADERS, start=1):
        cell = sheet.cell(row=header_row, column=column, value=header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    rows = rows_of(table)
    first = header_row + 1
    children: dict[int, list[int]] = {}
    for index, row in enumerate(rows):
        if row.parent_index is not None:
            children.setdefault(row.parent_index, []).append(index)
    for index, row in enumerate(rows):
        excel_row = first + index
        bold = row.parent_index is None
        values = [
            row.code,
            row.text,
            row.guidance,
            KIND_LABELS[row.kind],
            None,
            float(row.step),
            "Có" if row.evidence_required else "",
        ]
        parts = children.get(index)
        if parts and sum((rows[c].max_points for c in parts), Decimal(0)) == row.max_points:
            # A parent's max is the sum of its parts (a draft that does not add up yet keeps
            # its own number, so that the file gives back exactly the same table).
            values[4] = f"=SUM({','.join(f'E{first + child}' for child in parts)})"
        else:
            values[4] = float(row.max_points)
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=excel_row, column=column, value=value)
            cell.alignment = Alignment(vertical="top", wrap_text=column in (2, 3))
            if bold:
                cell.font = Font(bold=True)
        sheet.cell(row=excel_row, column=5).number_format = "0.##"
        sheet.cell(row=excel_row, column=6).number_format = "0.##"
    total_row = first + len(rows) + 1
    for offset, kind in enumerate(Criterion.Kind.values):
        roots = [
            first + i for i, row in enumerate(rows) if row.parent_index is None and row.kind == kind
        ]
        label = {
            Criterion.Kind.SCORE: "Tổng điểm chuẩn",
            Criterion.Kind.BONUS: "Tổng điểm thưởng",
            Criterion.Kind.DEDUCTION: "Tổng điểm trừ",
        }[kind]
        sheet.cell(row=total_row + offset, column=2, value=label).font = Font(bold=True)
        formula = f"=SUM({','.join(f'E{r}' for r in roots)})" if roots else 0
        cell = sheet.cell(row=total_row + offset, column=5, value=formula)
        cell.font = Font(bold=True)
        cell.number_format = "0.##"
    for column, width in zip("ABCDEFG", (7, 60, 45, 9, 11, 10, 12), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = sheet.cell(row=first, column=1)

    settings_sheet = workbook.create_sheet(SETTINGS_SHEET)
    values = {
        "title": table.title,
        "nominal_total": float(table.nominal_total),
        "bonus_cap": float(table.bonus_cap),
        "deduction_cap": float(table.deduction_cap),
        "tie_break": "; ".join(tie_break_to_words(table.tie_break)),
        "tier_bands": "; ".join(
            f"{band['name']}: {str(band['min_percent']).replace('.', ',')}"
            for band in table.cluster_year.tier_bands
        ),
        "legal_bases": table.legal_bases,
    }
    for row_number, (key, label) in enumerate(SETTING_LABELS.items(), start=1):
        settings_sheet.cell(row=row_number, column=1, value=label).font = Font(bold=True)
        settings_sheet.cell(row=row_number, column=2, value=values[key])
    settings_sheet.column_dimensions["A"].width = 28
    settings_sheet.column_dimensions["B"].width = 80
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Import --------------------------------------------------------------------------------
