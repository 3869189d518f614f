"""Uploaded workbooks are read within bounds (core/xlsx.py): a crafted file of huge rows, a zip
bomb, a row numbered past the end, XML that is not well-formed or brings a DTD are refused with
a message, quickly, before openpyxl reads a row whole; normal files still import. The times
asserted are functional bounds with a wide margin (the attack took 5 to 16 s), not benchmarks."""

from __future__ import annotations

import io
import random
import time
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from clusters.models import Reorganisation
from clusters.reform import read_file
from core import xlsx
from scoring import excel
from scoring.demo import SAMPLE_XLSX
from tests.clusters import test_reform

reform = test_reform.reform  # the fixture: a province over city A, and a city C

SHEET_PART = "xl/worksheets/sheet1.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
FAST = 3.0  # seconds: the attack took 5 s on this box and 16 s under load


def with_sheet(sheet_xml: bytes, *, extra: dict[str, bytes] | None = None) -> bytes:
    """A workbook made by openpyxl whose first sheet's XML is replaced by the one given."""
    book = Workbook()
    book.active.append(["STT", "Tiêu chí", "Điểm"])
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in source.infolist():
            data = sheet_xml if item.filename == SHEET_PART else source.read(item)
            target.writestr(item.filename, data, compress_type=zipfile.ZIP_DEFLATED)
        for name, data in (extra or {}).items():
            target.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def worksheet(rows: str, dimension: str = "") -> bytes:
    head = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}">'
        f"{head}<sheetData>{rows}</sheetData></worksheet>"
    ).encode()


def the_attack() -> bytes:
    """The file found by attack: 115 KB, 60 rows of 16,384 inline-string cells, its dimension
    declaring them."""
    cells = '<c t="inlineStr"><is><t>x</t></is></c>' * 16_384
    rows = "".join(f'<row r="{r}">{cells}</row>' for r in range(1, 61))
    return with_sheet(worksheet(rows, "A1:XFD60"))


def the_attack_packed_loosely(dimension: str = "A1:C3") -> bytes:
    """The same kind of rows made of random numbers, so that the zip's ratio looks like a normal
    workbook's, and a dimension that lies."""
    draw = random.Random(15)
    rows = "".join(
        f'<row r="{r}">'
        + "".join(
            f'<c r="{get_column_letter(c)}{r}"><v>{draw.randrange(10**9)}</v></c>'
            for c in range(1, 16_385)
        )
        + "</row>"
        for r in range(1, 13)
    )
    return with_sheet(worksheet(rows, dimension))


def messages(parsed: excel.Parsed) -> list[str]:
    return [str(error) for error in parsed.errors]


def timed(function, *args):
    start = time.monotonic()
    result = function(*args)
    return result, time.monotonic() - start


# --- The crafted workbooks ---------------------------------------------------------------------


def test_the_attack_is_refused_quickly_with_a_message(world):
    data = the_attack()
    assert len(data) < 200_000
    parsed, seconds = timed(excel.parse_workbook, data)
    assert messages(parsed) == [
        "Tệp Excel quá lớn: một thành phần khi giải nén lớn gấp hơn 100 lần khi nén, như một "
        "quả bom nén (zip bomb)."
    ]
    assert seconds < FAST


def test_its_rows_are_refused_at_the_65th_cell_when_the_zip_looks_normal(world):
    data = the_attack_packed_loosely()
    archive = zipfile.ZipFile(io.BytesIO(data))
    sheet = archive.getinfo(SHEET_PART)
    assert sheet.file_size > 5 * 1024 * 1024 and sheet.file_size < 20 * sheet.compress_size
    assert len(data) < excel.MAX_BYTES
    parsed, seconds = timed(excel.parse_workbook, data)
    assert messages(parsed) == ["Tệp Excel quá lớn: dòng 1 có hơn 64 ô; mỗi dòng được tối đa 64 ô."]
    assert seconds < FAST


def test_the_attack_without_the_zip_checks_is_refused_by_the_count_of_cells():
    limits = xlsx.Limits(max_ratio=10**9)
    start = time.monotonic()
    with pytest.raises(ValidationError) as refusal:
        xlsx.open_workbook(the_attack(), limits)
    assert time.monotonic() - start < FAST
    assert refusal.value.messages == [
        "Tệp Excel quá lớn: dòng 1 có hơn 64 ô; mỗi dòng được tối đa 64 ô."
    ]


@pytest.mark.parametrize("encoding", ["utf-16-be", "utf-16"])
def test_a_sheet_in_utf16_is_counted_too(encoding):
    """A parser takes "<" in UTF-16, with or without a byte-order mark, for XML: so does the
    count (a part is judged by its bytes, not by its name)."""
    cells = "<c><v>1</v></c>" * 100
    sheet = (
        f'<?xml version="1.0" encoding="UTF-16"?><worksheet xmlns="{MAIN}"><sheetData>'
        f'<row r="1">{cells}</row></sheetData></worksheet>'
    ).encode(encoding)
    with pytest.raises(ValidationError) as refusal:
        xlsx.open_workbook(with_sheet(sheet))
    assert refusal.value.messages == [
        "Tệp Excel quá lớn: dòng 1 có hơn 64 ô; mỗi dòng được tối đa 64 ô."
    ]


def test_a_row_numbered_past_the_end_is_refused_before_openpyxl_pads_up_to_it(world):
    # openpyxl yields an empty row for every row number skipped: a million here.
    data = with_sheet(worksheet('<row r="1"><c t="inlineStr"><is><t>STT</t></is></c></row>'
                                '<row r="1000000"><c><v>1</v></c></row>'))  # fmt: skip
    parsed, seconds = timed(excel.parse_workbook, data)
    assert messages(parsed) == [
        "Tệp Excel quá lớn: một trang tính có hơn 10.000 dòng; tối đa là 10.000 dòng."
    ]
    assert seconds < FAST


def test_a_dimension_past_the_last_row_is_refused_before_the_rows_are_read():
    data = with_sheet(worksheet('<row r="1"><c><v>1</v></c></row>', "A1:C1048576"))
    with pytest.raises(ValidationError) as refusal:
        xlsx.open_workbook(data, xlsx.Limits(max_rows=100))
    assert refusal.value.messages == [
        "Tệp Excel quá lớn: một trang tính có hơn 100 dòng; tối đa là 100 dòng."
    ]


def test_too_many_elements_in_all_are_refused():
    rows = "".join(f'<row r="{r}"><c><v>1</v></c></row>' for r in range(1, 201))
    with pytest.raises(ValidationError) as refusal:
        xlsx.open_workbook(with_sheet(worksheet(rows)), xlsx.Limits(max_elements=300))
    assert refusal.value.messages == ["Tệp Excel quá lớn: tệp có hơn 300 phần tử dữ liệu."]


# --- Zip bombs ---------------------------------------------------------------------------------


def test_a_zip_bomb_under_the_unpacked_limit_is_refused_by_its_ratio(world):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        target.writestr(SHEET_PART, b"<a>" + b" " * (30 * 1024 * 1024) + b"</a>")
    assert len(out.getvalue()) < 100_000
    parsed, seconds = timed(excel.parse_workbook, out.getvalue())
    assert messages(parsed) == [
        "Tệp Excel quá lớn: một thành phần khi giải nén lớn gấp hơn 100 lần khi nén, như một "
        "quả bom nén (zip bomb)."
    ]
    assert seconds < FAST


def test_a_zip_bomb_is_refused_by_its_unpacked_size():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        target.writestr(SHEET_PART, b"0" * (3 * 1024 * 1024))
    with pytest.raises(ValidationError) as refusal:
        xlsx.open_workbook(out.getvalue(), xlsx.Limits(max_unpacked_bytes=1024 * 1024))
    assert refusal.value.messages == ["Tệp Excel quá lớn: khi giải nén, tệp lớn hơn 1 MB."]


def test_a_zip_of_too_many_entries_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for number in range(501):
            target.writestr(f"xl/media/{number}.bin", b"x")
    with pytest.raises(ValidationError) as refusal:
        xlsx.open_workbook(out.getvalue())
    assert refusal.value.messages == ["Tệp Excel quá lớn: tệp nén có hơn 500 thành phần."]


# --- Damaged XML -------------------------------------------------------------------------------

DAMAGED = "Tệp không phải là tệp Excel (.xlsx) hoặc đã bị hỏng."


@pytest.mark.parametrize(
    "sheet",
    [
        worksheet('<row r="1"><c><v>1</v></c></row>')[:-40],  # cut off in a tag
        worksheet('<row r="1"><c><v>1</v></row>'),  # a tag not closed
        worksheet('<row r="abc"><c><v>1</v></c></row>'),  # a row number that is not a number
        # Entity expansion ("billion laughs"): no part of a workbook has a DTD.
        b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
        + worksheet("<row><c><v>&b;</v></c></row>").split(b"?>", 1)[1],
    ],
    ids=["cut-off", "unclosed", "row-number", "dtd"],
)
def test_xml_that_is_not_well_formed_is_a_message_not_a_crash(world, sheet):
    data = with_sheet(sheet)
    assert messages(excel.parse_workbook(data)) == [DAMAGED]
    assert read_file(data, "bang.xlsx").errors == [DAMAGED]


def test_a_damaged_part_that_is_not_a_sheet_is_a_message_too(world):
    data = with_sheet(worksheet('<row r="1"><c><v>1</v></c></row>'),
                      extra={"xl/other.xml": b"<a><b></a>"})  # fmt: skip
    assert messages(excel.parse_workbook(data)) == [DAMAGED]


# --- The time budget ---------------------------------------------------------------------------


def test_the_time_budget_is_a_setting_and_stops_the_reading(world, settings, monkeypatch):
    settings.XLSX_READ_SECONDS = 5.0
    now = iter(range(0, 10_000, 2))  # every look at the clock: two seconds later
    monkeypatch.setattr(xlsx, "monotonic", lambda: next(now))
    parsed = excel.parse_workbook(SAMPLE_XLSX.read_bytes())
    assert messages(parsed) == ["Tệp Excel quá lớn: đọc tệp mất hơn 5 giây."]


def test_the_time_budget_is_checked_between_rows(world):
    """Past the checks before openpyxl, the budget runs out while the rows are read."""
    book = xlsx.open_workbook(SAMPLE_XLSX.read_bytes(), xlsx.Limits(seconds=2.5))
    book.clock.deadline = time.monotonic() - 1  # as if the seconds had gone by
    with book, pytest.raises(ValidationError) as refusal:
        list(book.rows(book.worksheets[0], max_col=10))
    assert refusal.value.messages == ["Tệp Excel quá lớn: đọc tệp mất hơn 2,5 giây."]


# --- Normal files ------------------------------------------------------------------------------


def test_a_normal_workbook_is_read_as_before(world):
    parsed, seconds = timed(excel.parse_workbook, SAMPLE_XLSX.read_bytes())
    assert parsed.errors == [] and len(parsed.rows) == 49
    assert seconds < FAST


def test_a_wide_formatted_row_within_the_limit_is_read(world):
    cells = "".join(f'<c r="{get_column_letter(c)}2" s="0"/>' for c in range(1, 65))
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Mã</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>Nội dung</t></is></c>'
        '<c r="C1" t="inlineStr"><is><t>Điểm</t></is></c></row>'
        f'<row r="2">{cells}</row>'
        '<row r="3"><c r="A3" t="inlineStr"><is><t>1</t></is></c>'
        '<c r="B3" t="inlineStr"><is><t>Tiêu chí</t></is></c><c r="C3"><v>5</v></c></row>'
    )
    parsed = excel.parse_workbook(with_sheet(worksheet(rows, "A1:BL3")))
    assert parsed.errors == []
    assert [(row.code, row.max_points) for row in parsed.rows] == [("1", 5)]


# --- Through the pages -------------------------------------------------------------------------


def test_the_import_page_shows_the_message_and_keeps_the_old_table(client_as, world):
    table = world.table
    fields = ("pk", "code", "text", "max_points", "position")
    before = list(table.criteria.order_by("pk").values_list(*fields))
    url = reverse("scoring:table_import", args=[world.cluster_year.pk])
    client = client_as("staff")
    for data, message in [
        (the_attack(), "Tệp Excel quá lớn: một thành phần khi giải nén lớn gấp hơn 100 lần"),
        (the_attack_packed_loosely(), "Tệp Excel quá lớn: dòng 1 có hơn 64 ô"),
        (with_sheet(worksheet("<row><c><v>1</v></row>")), DAMAGED),
    ]:
        start = time.monotonic()
        response = client.post(url, {"file": SimpleUploadedFile("bang.xlsx", data)})
        assert time.monotonic() - start < FAST
        assert response.status_code == 200
        assert message in response.content.decode()
        assert "payload" not in response.context  # no preview, nothing to confirm
    table.refresh_from_db()
    assert list(table.criteria.order_by("pk").values_list(*fields)) == before


def test_the_reorganisation_page_shows_the_message_and_saves_nothing(client, world, reform):
    province, _city_c, _phuc_ha, staff = reform
    client.force_login(staff)
    start = time.monotonic()
    response = client.post(
        reverse("clusters:reorganisation_create"),
        {
            "authority": province.pk,
            "title": "Sắp xếp",
            "file": SimpleUploadedFile("bang.xlsx", the_attack_packed_loosely()),
        },
    )
    assert time.monotonic() - start < FAST
    assert response.status_code == 200
    assert "Tệp Excel quá lớn: dòng 1 có hơn 64 ô" in response.content.decode()
    assert not Reorganisation.objects.exists()
