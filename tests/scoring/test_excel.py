"""Excel out and in: the documented layout, a lossless round trip, and every bad file
answered with its row and column, importing nothing."""

import io
import re
import unicodedata
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from scoring import excel, services
from scoring.demo import SAMPLE_XLSX, demo_rows
from scoring.models import Criterion, ScoringTable


def settings_of(table: ScoringTable) -> tuple:
    return (table.title, table.legal_bases, table.nominal_total, table.bonus_cap,
            table.deduction_cap, table.tie_break)  # fmt: skip


def test_export_has_the_documented_layout(demo_table):
    workbook = load_workbook(io.BytesIO(excel.export_table(demo_table)))
    sheet = workbook[excel.SHEET]
    assert [c.value for c in sheet[3]] == excel.HEADERS
    assert sheet["A4"].value == "I" and sheet["A4"].font.b
    assert sheet["E4"].value.startswith("=SUM(")  # a section's max is the sum of its parts
    assert sheet["D4"].value == "Điểm"
    totals = [row for row in sheet.iter_rows(values_only=True) if row[1] == "Tổng điểm chuẩn"]
    assert totals and str(totals[0][4]).startswith("=SUM(")
    assert workbook[excel.SETTINGS_SHEET]["A2"].value == "Tổng điểm chuẩn"


def test_export_then_import_gives_an_identical_table(demo_table, world):
    demo_table.tie_break = ["section:II", "fewer_deductions"]
    demo_table.save()
    parsed = excel.parse_workbook(excel.export_table(demo_table))
    assert parsed.errors == []
    later = world.cluster.years.create(year=2025)
    rows, settings = excel.data_to_rows(excel.rows_to_data(parsed))
    imported = services.import_rows(later, rows, settings)
    assert services.rows_of(imported) == services.rows_of(demo_table)
    assert settings_of(imported) == settings_of(demo_table)
    assert imported.tree().problems == []


def test_the_sample_file_imports_into_the_demo_table(world):
    parsed = excel.parse_workbook(SAMPLE_XLSX.read_bytes())
    assert parsed.errors == []
    assert parsed.rows == demo_rows()
    assert parsed.settings["nominal_total"] == Decimal("100")


def sheet_bytes(rows: list[list], *, header_at: int = 1, extra=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = excel.SHEET
    for _ in range(header_at - 1):
        sheet.append(["BẢNG CHẤM ĐIỂM"])
    sheet.append(excel.HEADERS)
    for row in rows:
        sheet.append(row)
    if extra:
        extra(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GOOD = [
    ["I", "Kinh tế", "", "Điểm", "=SUM(E3:E4)", 0.5, ""],
    ["1", "Thu ngân sách", "Đạt dự toán: 6", "Điểm", "6", "0,5", "Có"],
    ["2", "Sản xuất", "", "Điểm", "4", 0.5, ""],
]


def test_clerk_habits_are_understood(world):
    nfd = unicodedata.normalize("NFD", "Phát triển kinh tế")
    rows = [
        ["", "", "", "", "", "", ""],  # empty row
        ["I.", nfd, "", "điểm", "=SUM(E4,E6)", 0.5, ""],
        ["1", "Thu ngân sách", "", "Điểm", "2,5", "0,5", "x"],
        [None, None, None, None, None, None, None],
        ["2", "Sản xuất", "", "Điểm", 7.5, 0.5, "không"],
        ["", "Tổng cộng", "", "", "=E3", "", ""],
    ]

    def merge(sheet):
        sheet.merge_cells("H1:I1")

    parsed = excel.parse_workbook(sheet_bytes(rows, header_at=2, extra=merge))
    assert parsed.errors == []
    assert [r.code for r in parsed.rows] == ["I", "1", "2"]
    assert parsed.rows[0].text == "Phát triển kinh tế"  # NFC whatever was typed
    assert parsed.rows[0].max_points == Decimal("10")  # the formula is the sum of its parts
    assert parsed.rows[1].max_points == Decimal("2.5") and parsed.rows[1].evidence_required
    assert not parsed.rows[2].evidence_required


def errors_of(rows: list[list], **kwargs) -> list[str]:
    return [str(e) for e in excel.parse_workbook(sheet_bytes(rows, **kwargs)).errors]


def test_text_in_a_number_column(world):
    rows = [GOOD[0], ["1", "Thu ngân sách", "", "Điểm", "sáu", 0.5, ""], GOOD[2]]
    assert errors_of(rows) == ['Dòng 3, cột E: "sáu" không phải là số điểm.']


def test_missing_parent_and_duplicate_codes(world):
    rows = [
        ["1", "Không có phần", "", "Điểm", 5, 0.5, ""],
        GOOD[0],
        ["3.1", "Thiếu tiêu chí 3", "", "Điểm", 1, 0.5, ""],
        ["1", "A", "", "Điểm", 5, 0.5, ""],
        ["1", "B", "", "Điểm", 5, 0.5, ""],
    ]
    assert errors_of(rows) == [
        "Dòng 4, cột A: 3.1 không có mục cha ở phía trên (thiếu phần hoặc tiêu chí).",
        "Dòng 6, cột A: mã 1 xuất hiện hai lần ở cùng cấp.",
    ]
    # A letter before any criterion or section has no parent either.
    assert errors_of([["a", "Mục a", "", "Điểm", 1, 0.5, ""]]) == [
        "Dòng 2, cột A: a không có mục cha ở phía trên (thiếu phần hoặc tiêu chí)."
    ]


def test_every_error_is_reported_not_just_the_first(world):
    rows = [
        ["I", "", "", "Cộng trừ", "x", "-1", "có lẽ"],
    ]
    assert errors_of(rows) == [
        "Dòng 2, cột B: nội dung đang để trống.",
        'Dòng 2, cột D: loại phải là "Điểm", "Thưởng" hoặc "Trừ".',
        'Dòng 2, cột E: "x" không phải là số điểm.',
        'Dòng 2, cột F: "-1" không phải là bước điểm (ví dụ 0,25; 0,5; 1).',
        'Dòng 2, cột G: ghi "Có" hoặc để trống.',
    ]


def test_columns_are_found_by_their_names_in_any_order(world):
    workbook = Workbook()
    workbook.active.append(["Mã", "Nội dung", "Điểm", "Loại"])
    workbook.active.append(["I", "Phần", "=SUM(C3)", "Điểm"])
    workbook.active.append(["1", "Tiêu chí", "2,5", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = excel.parse_workbook(buffer.getvalue())
    assert parsed.errors == []
    assert [(r.code, r.max_points, r.kind) for r in parsed.rows] == [
        ("I", Decimal("2.5"), "score"),
        ("1", Decimal("2.5"), "score"),
    ]


def test_not_an_excel_file(world):
    errors = [str(e) for e in excel.parse_workbook(b"%PDF-1.4 not excel").errors]
    assert errors == ["Tệp không phải là tệp Excel (.xlsx) hoặc đã bị hỏng."]


def test_a_huge_file_is_refused_with_a_message(world):
    rows = [["1", "Tiêu chí " + "x" * 30, "", "Điểm", 1, 0.5, ""] for _ in range(100_000)]
    data = sheet_bytes([GOOD[0], *rows])
    assert len(data) > excel.MAX_BYTES
    errors = [str(e) for e in excel.parse_workbook(data).errors]
    assert len(errors) == 1 and "Tệp quá lớn" in errors[0]


def test_too_many_rows_in_a_small_file_are_refused(world, monkeypatch):
    monkeypatch.setattr(excel.reading, "MAX_ROWS", 10)
    rows = [[str(i), "Tiêu chí", "", "Điểm", 1, 0.5, ""] for i in range(1, 40)]
    errors = errors_of([GOOD[0], *rows])
    assert errors == ["Trang tính có hơn 10 dòng; bảng chấm điểm không thể dài như vậy."]


def test_nothing_is_imported_when_any_row_is_wrong(client_as, world):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    later = world.cluster.years.create(year=2025)
    later.memberships.create(unit=world.leader, role="leader")
    bad = sheet_bytes([GOOD[0], ["1", "Thu ngân sách", "", "Điểm", "sáu", 0.5, ""]])
    response = client_as("leader_clerk").post(
        reverse("scoring:table_import", args=[later.pk]),
        {"file": SimpleUploadedFile("bang.xlsx", bad)},
    )
    html = response.content.decode()
    assert "Chưa nhập gì" in html and "Dòng 3, cột E" in html
    assert not ScoringTable.objects.filter(cluster_year=later).exists()


@pytest.mark.parametrize("persona", ["staff", "leader_clerk"])
def test_import_previews_then_saves(client_as, world, persona):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    later = world.cluster.years.create(year=2025)
    later.memberships.create(unit=world.leader, role="leader")
    client = client_as(persona)
    url = reverse("scoring:table_import", args=[later.pk])
    preview = client.post(url, {"file": SimpleUploadedFile("mau.xlsx", SAMPLE_XLSX.read_bytes())})
    html = preview.content.decode()
    assert "Tệp đọc được 49 tiêu chí" in html
    assert not ScoringTable.objects.filter(cluster_year=later).exists()  # nothing saved yet
    payload = preview.context["payload"]
    response = client.post(url, {"payload": payload})
    assert response.status_code == 302
    table = ScoringTable.objects.get(cluster_year=later)
    assert table.criteria.count() == 49 and table.tree().problems == []
    # A tampered payload is refused, and a preview made for one year cannot fill another.
    table.delete()
    client.post(url, {"payload": payload[:-2] + "xx"})
    assert not ScoringTable.objects.filter(cluster_year=later).exists()
    other = world.cluster.years.create(year=2026)
    other.memberships.create(unit=world.leader, role="leader")
    client.post(reverse("scoring:table_import", args=[other.pk]), {"payload": payload})
    assert not ScoringTable.objects.filter(cluster_year=other).exists()


def raw_sheet_xlsx(cell_xml: str) -> bytes:
    """A workbook whose first data row's max cell is the given raw XML (for damaged files)."""
    good = sheet_bytes([GOOD[1]])
    source = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<c r="E2"[^>]*>.*?</c>', cell_xml.encode(), data)
            target.writestr(info, data)
    return out.getvalue()


@pytest.mark.parametrize(
    "cell",
    ['<c r="E2" t="n"><v>NaN</v></c>', '<c r="E2" t="n"><v>1E400</v></c>'],
)
def test_numbers_that_are_not_numbers_are_errors_not_crashes(world, cell):
    errors = [str(e) for e in excel.parse_workbook(raw_sheet_xlsx(cell)).errors]
    assert errors and ("không phải là số điểm" in errors[0] or "hỏng" in errors[0])


def test_a_damaged_sheet_is_reported_not_raised(world):
    good = sheet_bytes([GOOD[1]])
    source = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # truncated XML
            target.writestr(info, data)
    errors = [str(e) for e in excel.parse_workbook(out.getvalue()).errors]
    assert errors == ["Tệp không phải là tệp Excel (.xlsx) hoặc đã bị hỏng."]


def test_a_zip_bomb_is_refused_before_it_is_unpacked(world):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        target.writestr("xl/worksheets/sheet1.xml", b"0" * (excel.MAX_UNPACKED_BYTES + 1))
    data = out.getvalue()
    assert len(data) < excel.MAX_BYTES
    errors = [str(e) for e in excel.parse_workbook(data).errors]
    assert errors == ["Tệp khi giải nén lớn hơn nhiều so với một bảng chấm điểm."]


def test_points_the_database_cannot_hold_are_explained(world):
    rows = [["I", "Phần", "", "Điểm", 1000000, 0.5, ""], ["II", "Phần", "", "Điểm", 1, 0.125, ""]]
    assert errors_of(rows) == [
        "Dòng 2, cột E: số phải từ 0 đến 99999,99.",
        'Dòng 3, cột F: "0.125" không phải là bước điểm (ví dụ 0,25; 0,5; 1).',
    ]


def test_merged_cells_inside_the_data_read_as_empty_cells(world):
    def merge(sheet):
        sheet.merge_cells("C2:C3")  # guidance merged over two rows

    rows = [["I", "Phần", "Hướng dẫn chung", "Điểm", "=SUM(E3)", 0.5, ""],
            ["1", "Tiêu chí", None, "Điểm", 2, 0.5, ""]]  # fmt: skip
    parsed = excel.parse_workbook(sheet_bytes(rows, extra=merge))
    assert parsed.errors == [] and parsed.rows[1].guidance == ""


def test_a_capital_letter_item_is_not_taken_for_a_section(world):
    rows = [
        ["I", "Phần một", "", "Điểm", "=SUM(E3)", 0.5, ""],
        ["1", "Tiêu chí", "", "Điểm", "=SUM(E4,E5)", 0.5, ""],
        ["a", "Ý a", "", "Điểm", 1, 0.5, ""],
        ["C", "Ý c viết hoa", "", "Điểm", 1, 0.5, ""],
    ]
    parsed = excel.parse_workbook(sheet_bytes(rows))
    assert parsed.errors == []
    assert [(r.code, r.parent_index) for r in parsed.rows] == [
        ("I", None),
        ("1", 0),
        ("a", 1),
        ("c", 1),
    ]


def test_tables_without_sections_and_letters_under_a_section(world):
    rows = [["1", "Tiêu chí một", "", "Điểm", 60, 0.5, ""],
            ["2", "Tiêu chí hai", "", "Điểm", 40, 0.5, ""]]  # fmt: skip
    parsed = excel.parse_workbook(sheet_bytes(rows))
    assert parsed.errors == [] and [r.parent_index for r in parsed.rows] == [None, None]
    rows = [["I", "Phần", "", "Điểm", "=SUM(E3,E4)", 0.5, ""],
            ["a", "Ý a", "", "Điểm", 1, 0.5, ""], ["b", "Ý b", "", "Điểm", 1, 0.5, ""]]  # fmt: skip
    parsed = excel.parse_workbook(sheet_bytes(rows))
    assert parsed.errors == [] and [r.parent_index for r in parsed.rows] == [None, 0, 0]


def test_round_trip_keeps_tier_bands_tie_break_words_and_a_draft_that_does_not_add_up(
    demo_table, world
):
    demo_table.cluster_year.tier_bands = [{"name": "Xuất sắc", "min_percent": "92.5"}]
    demo_table.tie_break = ["section:III", "more_bonus"]
    demo_table.legal_bases = ""
    demo_table.save()
    Criterion.objects.filter(table=demo_table, code="1.1").update(max_points=Decimal("2.5"))
    data = excel.export_table(demo_table)
    settings_sheet = load_workbook(io.BytesIO(data))[excel.SETTINGS_SHEET]
    assert "phần III; nhiều điểm thưởng hơn" in [c.value for c in settings_sheet["B"]]
    later = world.cluster.years.create(year=2025)
    later_table = services.create_table(later)
    later_table.legal_bases = "Căn cứ cũ"
    later_table.save()
    parsed = excel.parse_workbook(data)
    assert parsed.errors == []
    rows, settings = excel.data_to_rows(excel.rows_to_data(parsed))
    imported = services.import_rows(later, rows, settings)
    assert services.rows_of(imported) == services.rows_of(demo_table)
    later.refresh_from_db()
    assert later.tier_bands == demo_table.cluster_year.tier_bands
    assert imported.tie_break == ["section:III", "more_bonus"]
    assert imported.legal_bases == ""  # an empty cell clears the old text


def test_settings_sheet_errors_name_the_sheet(world):
    def settings(sheet):
        other = sheet.parent.create_sheet(excel.SETTINGS_SHEET)
        other.append(["Tổng điểm chuẩn", "một trăm"])

    parsed = excel.parse_workbook(sheet_bytes([GOOD[1]], extra=settings))
    assert [str(e) for e in parsed.errors] == [
        "Trang “Cài đặt”, dòng 1, cột B: Tổng điểm chuẩn phải là một số."
    ]


@pytest.mark.parametrize(
    ("persona", "changes_the_year"), [("staff", True), ("leader_clerk", False)]
)
def test_tier_bands_in_a_workbook_set_the_years_bands_only_for_staff(
    client_as, demo_table, world, persona, changes_the_year
):
    """The bands are a setting of the year, which only staff change (its settings page); an
    import by the leader unit's clerk brings the table and leaves the year's bands alone."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    demo_table.cluster_year.tier_bands = [{"name": "Xuất sắc", "min_percent": "92.5"}]
    data = excel.export_table(demo_table)
    later = world.cluster.years.create(year=2025)
    later.memberships.create(unit=world.leader, role="leader")
    before = later.tier_bands
    client = client_as(persona)
    url = reverse("scoring:table_import", args=[later.pk])
    preview = client.post(url, {"file": SimpleUploadedFile("bang.xlsx", data)})
    assert client.post(url, {"payload": preview.context["payload"]}).status_code == 302
    later.refresh_from_db()
    assert ScoringTable.objects.filter(cluster_year=later).exists()
    if changes_the_year:
        assert later.tier_bands == [{"name": "Xuất sắc", "min_percent": "92.5"}]
        record = later.history.latest("history_date")
        assert record.history_change_reason == "Nhập mức xếp loại cùng bảng chấm điểm"
        assert record.history_user == world.users["staff"]
    else:
        assert later.tier_bands == before
