"""The clerks' own workbooks read as they are: title rows, their column names, merged section
rows, group headings A., B., C. apart from items a), b), comma decimals, bonus and deduction
parts, no step column (said in the preview) — and errors that name the row and the column of
the clerk's file, never ours."""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from scoring import excel
from scoring.models import ScoringTable

SAMPLES = Path(excel.__file__).parent.parent / "samples"
PROVINCE = SAMPLES / "bang-cham-diem-cum-tinh.xlsx"
AGENCIES = SAMPLES / "bang-cham-diem-khoi-co-quan.xlsx"
DEFAULT_STEP = "Bước chấm: 0,5 (mặc định, tệp không có cột này)."

S, B, D = "score", "bonus", "deduction"
# (code, kind, max points, parent's code or None): the tree each sample must give.
PROVINCE_TREE = [
    ("I", S, "20", None), ("1", S, "8", "I"), ("1.1", S, "5", "1"), ("1.2", S, "3", "1"),
    ("2", S, "6", "I"), ("a", S, "3", "2"), ("b", S, "3", "2"), ("3", S, "6", "I"),
    ("II", S, "30", None), ("1", S, "10", "II"), ("2", S, "7.5", "II"), ("3", S, "12.5", "II"),
    ("a", S, "7.5", "3"), ("b", S, "5", "3"),
    ("III", S, "25", None), ("1", S, "10", "III"), ("2", S, "8", "III"), ("3", S, "7", "III"),
    ("IV", S, "10", None), ("1", S, "5", "IV"), ("2", S, "5", "IV"),
    ("V", S, "15", None), ("1", S, "8", "V"), ("2", S, "7", "V"),
    ("B", B, "5", None), ("1", B, "3", "B"), ("2", B, "2", "B"), ("3", B, "2", "B"),
    ("C", D, "10", None), ("1", D, "2", "C"), ("2", D, "3", "C"), ("3", D, "5", "C"),
]  # fmt: skip
AGENCIES_TREE = [
    ("I", S, "50", None), ("1", S, "20", "I"), ("2", S, "15", "I"), ("a", S, "7.5", "2"),
    ("b", S, "7.5", "2"), ("3", S, "15", "I"), ("a", S, "10", "3"), ("b", S, "5", "3"),
    ("II", S, "30", None), ("1", S, "10", "II"), ("2", S, "10", "II"), ("3", S, "10", "II"),
    ("III", S, "20", None), ("1", S, "10", "III"), ("2", S, "5", "III"), ("3", S, "5", "III"),
    ("IV", B, "5", None), ("1", B, "3", "IV"), ("2", B, "2", "IV"),
    ("V", D, "5", None), ("1", D, "2", "V"), ("2", D, "3", "V"),
]  # fmt: skip


def tree_of(table: ScoringTable) -> list[tuple]:
    return [
        (
            node.criterion.code,
            node.criterion.kind,
            node.criterion.max_points,
            node.criterion.parent.code if node.criterion.parent_id else None,
        )
        for node in table.tree().rows
    ]


def expected(tree: list[tuple]) -> list[tuple]:
    return [(code, kind, Decimal(points), parent) for code, kind, points, parent in tree]


@pytest.fixture
def year_2025(world):
    later = world.cluster.years.create(year=2025)
    later.memberships.create(unit=world.leader, role="leader")
    return later


def import_through_the_page(client, year, data: bytes):
    """Upload, check the preview, save: what a user does. Returns the preview's response."""
    url = reverse("scoring:table_import", args=[year.pk])
    preview = client.post(url, {"file": SimpleUploadedFile("bang.xlsx", data)})
    assert preview.status_code == 200
    assert not ScoringTable.objects.filter(cluster_year=year).exists()  # nothing saved yet
    if preview.context.get("payload"):
        assert client.post(url, {"payload": preview.context["payload"]}).status_code == 302
    return preview


@pytest.mark.parametrize(
    ("sample", "tree", "count"), [(PROVINCE, PROVINCE_TREE, 32), (AGENCIES, AGENCIES_TREE, 22)]
)
def test_each_clerks_sample_imports_to_its_tree(client_as, year_2025, sample, tree, count):
    preview = import_through_the_page(client_as("leader_clerk"), year_2025, sample.read_bytes())
    html = preview.content.decode()
    assert f"Tệp đọc được {count} tiêu chí" in html
    assert list(preview.context["preview"].problems) == []
    # What the file does not give is said, with the value used.
    assert DEFAULT_STEP in html
    assert html.count('data-testid="default-step"') == count
    assert "Loại: đọc theo tiêu đề các phần" in html
    table = ScoringTable.objects.get(cluster_year=year_2025)
    assert tree_of(table) == expected(tree)
    assert table.tree().problems == []
    assert set(table.criteria.values_list("step", flat=True)) == {Decimal("0.5")}


def test_the_provincial_sample_is_read_as_a_clerk_wrote_it(client_as, year_2025):
    preview = import_through_the_page(client_as("staff"), year_2025, PROVINCE.read_bytes())
    notes = preview.context["notes"]
    assert notes[0] == (
        "Các cột đã đọc: A “TT” → mã; B “Nội dung tiêu chí” → nội dung; "
        "C “Điểm chuẩn” → điểm tối đa; F “Ghi chú” → hướng dẫn chấm."
    )
    assert "Các cột không đọc (không thuộc bảng chấm điểm): D “Điểm tự chấm”; " in notes[1]
    assert any(n.startswith("Dòng 9: “A. CÁC TIÊU CHÍ CHẤM ĐIỂM” là tiêu đề nhóm") for n in notes)
    assert any("dưới bảng" in n and "dòng 46" in n for n in notes)  # the note under the table
    table = ScoringTable.objects.get(cluster_year=year_2025)
    section = table.criteria.get(code="I", parent=None)
    assert section.text == "CÔNG TÁC XÂY DỰNG ĐẢNG, CHÍNH QUYỀN VÀ HỆ THỐNG CHÍNH TRỊ (20 điểm)"
    # Guidance lines "- …" under a criterion are its guidance; "Ghi chú" is guidance too.
    assert table.criteria.get(code="1.2").guidance == (
        "- Đạt 100% chỉ tiêu trở lên: 3 điểm\n- Đạt từ 80% đến dưới 100% chỉ tiêu: 1,5 điểm"
    )
    assert table.criteria.get(code="1", kind="deduction").guidance == "Trừ 0,5 điểm/lần"


def test_the_agencies_sample_is_found_behind_a_sheet_of_instructions(world):
    parsed = excel.parse_workbook(AGENCIES.read_bytes())
    assert parsed.errors == []
    assert parsed.notes[0] == "Trang tính đã đọc: “Biểu điểm”."
    assert parsed.rows[1].guidance.startswith("Hoàn thành 100%: 20 điểm")


def workbook(rows: list[list], *, header: list | None = None, above: int = 0) -> bytes:
    book = Workbook()
    sheet = book.active
    for _ in range(above):
        sheet.append(["BẢNG CHẤM ĐIỂM THI ĐUA NĂM 2025"])
    sheet.append(header or ["TT", "Nội dung tiêu chí", "Điểm chuẩn", "Ghi chú"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def errors_of(data: bytes) -> list[str]:
    return [str(error) for error in excel.parse_workbook(data).errors]


GROUPS = [
    ["A.", "PHẦN CHẤM ĐIỂM", 10, None],
    ["I.", "Kinh tế", None, None],
    ["1", "Thu ngân sách", "2,5", None],
    ["2", "Sản xuất", "7,5", None],
    ["B.", "ĐIỂM THƯỞNG", 3, None],
    ["1", "Mô hình mới", 3, None],
    ["C.", "ĐIỂM TRỪ", 2, None],
    ["1", "Chậm báo cáo", "-2", None],
]


@pytest.mark.parametrize(
    "header",
    [
        ["TT", "Nội dung tiêu chí", "Điểm chuẩn", "Ghi chú"],
        # The second case: the clerk renames the headers to ours, with no step.
        ["Mã", "Nội dung", "Điểm tối đa", "Hướng dẫn chấm"],
    ],
)
def test_group_headings_b_and_c_are_not_items_b_and_c(world, header):
    parsed = excel.parse_workbook(workbook(GROUPS, header=header, above=2))
    assert parsed.errors == []
    assert [(r.code, r.kind, r.max_points, r.parent_index) for r in parsed.rows] == [
        ("I", "score", Decimal("10"), None),
        ("1", "score", Decimal("2.5"), 0),
        ("2", "score", Decimal("7.5"), 0),
        ("B", "bonus", Decimal("3"), None),
        ("1", "bonus", Decimal("3"), 3),
        ("C", "deduction", Decimal("2"), None),
        ("1", "deduction", Decimal("2"), 5),
    ]
    assert "Bước chấm: 0,5 (mặc định, tệp không có cột này)." in parsed.notes
    assert parsed.step_defaults == set(range(7))


def test_group_headings_inside_a_section_are_its_parts(world):
    rows = [
        ["I.", "Phần một", None, None],
        ["A.", "Nhóm chuyên môn", None, None],
        ["1", "Tiêu chí", 4, None],
        ["a)", "Ý a", 2, None],
        ["b)", "Ý b", 2, None],
        ["B.", "Nhóm đoàn thể", 6, None],
        ["1", "Tiêu chí", 6, None],
        ["II.", "Phần hai", 5, None],
        ["A.", "Nhóm", 5, None],
        ["1", "Tiêu chí", 5, None],
    ]
    parsed = excel.parse_workbook(workbook(rows))
    assert parsed.errors == []
    assert [(r.code, r.max_points, r.parent_index) for r in parsed.rows] == [
        ("I", Decimal(10), None), ("A", Decimal(4), 0), ("1", Decimal(4), 1),
        ("a", Decimal(2), 2), ("b", Decimal(2), 2), ("B", Decimal(6), 0), ("1", Decimal(6), 5),
        ("II", Decimal(5), None), ("A", Decimal(5), 7), ("1", Decimal(5), 8),
    ]  # fmt: skip


def test_bonus_and_deduction_parts_after_the_sections(world):
    rows = [
        ["I", "Kinh tế", 10, None],
        ["1", "Thu ngân sách", 10, None],
        ["II", "Điểm cộng (tối đa 5 điểm)", None, None],
        ["1", "Mô hình", 3, None],
        ["2", "Sáng kiến", 3, None],
        ["B.", "Các tiêu chí trừ điểm", 4, None],
        ["1", "Vi phạm", "-4", None],
    ]
    parsed = excel.parse_workbook(workbook(rows))
    assert parsed.errors == []
    assert [(r.code, r.kind, r.max_points, r.parent_index) for r in parsed.rows] == [
        ("I", "score", Decimal(10), None),
        ("1", "score", Decimal(10), 0),
        ("II", "bonus", Decimal(5), None),  # its cap, read from its heading
        ("1", "bonus", Decimal(3), 2),
        ("2", "bonus", Decimal(3), 2),
        ("B", "deduction", Decimal(4), None),
        ("1", "deduction", Decimal(4), 5),
    ]


def test_errors_name_the_row_and_the_column_of_the_clerks_file(world):
    rows = [
        ["I.", "Kinh tế", None, None],
        ["1", "Thu ngân sách", "năm", None],  # row 5, points in column C
        ["2", "", 2, None],
        ["3", "Sản xuất", None, None],  # a criterion without points
        [None, "Một dòng không có mã", None, None],
        ["4", "Môi trường", 2, None],
        ["D.", "Nhóm lạc chỗ", 1, None],
    ]
    assert errors_of(workbook(rows, above=3)) == [
        'Dòng 6, cột C: "năm" không phải là số điểm.',
        "Dòng 7, cột B: nội dung đang để trống.",
        "Dòng 8, cột C: điểm tối đa đang để trống.",
        "Dòng 9, cột A: mã đang để trống.",
        "Dòng 11, cột A: “D.” được hiểu là tiêu đề nhóm (A., B., C.… theo thứ tự), nhưng không "
        "đứng sau tiêu đề nhóm nào. Các ý trong một tiêu chí viết là a), b) hoặc a., b.",
    ]


def test_an_item_beside_the_sections_of_a_group_is_named(world):
    rows = [["A.", "PHẦN CHẤM ĐIỂM", None, None], ["1", "Lạc chỗ", 2, None],
            ["I.", "Kinh tế", None, None], ["1", "Thu ngân sách", 2, None]]  # fmt: skip
    assert errors_of(workbook(rows)) == [
        "Dòng 3, cột A: 1 nằm ngay dưới tiêu đề nhóm A., cạnh các phần của nhóm; "
        "hãy đặt nó vào một phần (I, II…)."
    ]


def test_a_sheet_without_a_header_names_the_columns_it_needs(world):
    data = workbook([["I", "Kinh tế", 10]], header=["Số", "Việc", "Điểm tự chấm"])
    assert errors_of(data) == [
        "Không thấy dòng tiêu đề trong 15 dòng đầu của trang tính: cần một cột mã (Mã, TT, "
        "STT), một cột nội dung (Nội dung, Nội dung tiêu chí, Tiêu chí) và một cột điểm "
        "(Điểm tối đa, Điểm chuẩn, Thang điểm)."
    ]
    data = workbook([["I", "Kinh tế", 10]], header=["STT", "Tiêu chí", "Điểm tự chấm"], above=4)
    assert errors_of(data) == [
        "Dòng 5: dòng tiêu đề không có cột điểm (Điểm tối đa, Điểm chuẩn, Thang điểm)."
    ]


def test_a_step_column_left_empty_on_some_rows_is_marked(client_as, year_2025):
    header = ["STT", "Tiêu chí", "Thang điểm", "Bước chấm"]
    rows = [["I", "Phần", 100, None], ["1", "Một", 50, "0,25"], ["2", "Hai", 50, None]]
    parsed = excel.parse_workbook(workbook(rows, header=header))
    assert parsed.errors == []
    assert [r.step for r in parsed.rows] == [Decimal("0.5"), Decimal("0.25"), Decimal("0.5")]
    assert parsed.step_defaults == {0, 2}
    preview = import_through_the_page(client_as("staff"), year_2025, workbook(rows, header=header))
    html = preview.content.decode()
    assert "Bước chấm: 0,5 (mặc định) ở những dòng để trống ô này" in html
    assert html.count('data-testid="default-step"') == 2


def test_the_column_numbers_under_the_header_and_the_rows_under_the_table_are_not_read(world):
    rows = [
        ["(1)", "(2)", "(3)", "(4)"],
        ["I.", "Kinh tế", 10, None],
        ["1", "Thu ngân sách", 10, None],
        [None, "Tổng cộng", "=C3", None],
        [None, None, None, None],
        ["Ghi chú: gửi trước ngày 15/12.", None, None, None],
        [None, "CỤM TRƯỞNG", None, None],
    ]
    parsed = excel.parse_workbook(workbook(rows))
    assert parsed.errors == [] and [r.code for r in parsed.rows] == ["I", "1"]
    assert parsed.notes[-1] == "Không đọc, ở dưới bảng (chữ ký, ghi chú…): dòng 7–8."


def test_a_section_merged_across_the_row_from_the_content_column(world):
    rows = [[None, "I. KINH TẾ", None, None], [None, "1. Thu ngân sách", 4, None],
            ["", "a) Đạt dự toán", 4, None]]  # fmt: skip
    parsed = excel.parse_workbook(workbook(rows))
    assert parsed.errors == []
    assert [(r.code, r.text, r.parent_index) for r in parsed.rows] == [
        ("I", "KINH TẾ", None), ("1", "Thu ngân sách", 0), ("a", "Đạt dự toán", 1),
    ]  # fmt: skip


def test_a_code_column_without_a_header_and_a_group_that_does_not_add_up(world):
    rows = [["A.", "PHẦN CHẤM ĐIỂM", 100, None], ["I.", "Kinh tế", 90, None],
            ["1", "Thu ngân sách", 90, None]]  # fmt: skip
    parsed = excel.parse_workbook(workbook(rows, header=[None, "Nội dung", "Điểm chuẩn"]))
    assert parsed.errors == []
    assert (
        parsed.notes[0]
        == "Các cột đã đọc: A → mã; B “Nội dung” → nội dung; C “Điểm chuẩn” → điểm tối đa."
    )
    assert (
        "Dòng 2: “A. PHẦN CHẤM ĐIỂM” là tiêu đề nhóm, không phải tiêu chí: các phần bên dưới là "
        "các phần của bảng. Số điểm 100 của nhóm khác tổng điểm các phần của nó (90)."
    ) in parsed.notes
