"""The year's bundle: every document of the year in the order they are filed, an outline entry
for each (one per unit's sheet, the leader's first), the bundle's own title, subject and
language, each document's own page numbers, and still an archival, tagged PDF."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from documents.models import GeneratedFile
from results.models import Ballot
from tests.documents.year import full_year

MM = 72 / 25.4  # points

TITLE = "Hồ sơ thi đua năm 2024 — Cụm thi đua các xã thành phố A"
SUBJECT = (
    "Giao ước, chấm điểm, xếp hạng và bình xét thi đua năm 2024 của Cụm thi đua các xã "
    "thành phố A (Ủy ban nhân dân thành phố A)"
)
# The outline of the whole year (level, entry) in the order the documents are filed, and a
# line of each document's first page, to know it is there.
EVERYTHING = [
    (0, "Bản giao ước thi đua", "GIAO ƯỚC THI ĐUA NĂM 2024"),
    (0, "Biên bản hội nghị ký kết giao ước thi đua", "BIÊN BẢN"),
    (0, "Danh sách đại biểu dự hội nghị", "DANH SÁCH"),
    (0, "Bảng chấm điểm thi đua", "BẢNG CHẤM ĐIỂM THI ĐUA NĂM 2024"),
    (0, "Phiếu chấm điểm", "UBND XÃ ĐỒNG LIÊN"),
    (1, "xã Đồng Liên", "UBND XÃ ĐỒNG LIÊN"),  # the leader first, then the member order
    (1, "xã Tân Cương", "UBND XÃ TÂN CƯƠNG"),
    (1, "phường Huống Thượng", "UBND PHƯỜNG HUỐNG THƯỢNG"),
    (0, "Bảng tổng hợp điểm thi đua", "BẢNG TỔNG HỢP"),
    (0, "Biên bản kiểm phiếu", "KIỂM PHIẾU"),
    (0, "Biên bản họp bình xét", "BIÊN BẢN"),
    (0, "Tờ trình đề nghị khen thưởng", "TỜ TRÌNH"),
]


@pytest.fixture
def year(world):
    return full_year(world)


def bundle_of(client, world) -> bytes:
    """Ask for the bundle on its page (the tests' immediate backend makes it in the request, as
    a worker would) and download it."""
    page = reverse("results:year_bundle", args=[world.cluster_year.pk])
    assert client.post(page).status_code == 302
    response = client.get(reverse("results:year_bundle_pdf", args=[world.cluster_year.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    return response.getvalue()


def outline_of(reader: PdfReader) -> list[tuple[int, str, int]]:
    """(level, title, first page index) of every outline entry, in order."""
    entries = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                entries.append((level, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return entries


def flat(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


def number_in_top_margin(page) -> str | None:
    """The text printed in the top margin, centred (the page number), or None."""
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    found = []

    def visit(text, cm, tm, font, size):
        x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
        y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
        if text.strip() and y > height - 20 * MM:
            assert abs(x - width / 2) < 0.1 * width, f"{text!r} not centred"
            found.append(text.strip())

    page.extract_text(visitor_text=visit)
    return " ".join(found) or None


def documents_of(reader: PdfReader) -> list[range]:
    """The page ranges of the bundle's documents, from the outline's leaves."""
    entries = outline_of(reader)
    starts = [page for level, _title, page in entries if (level, _title) != (0, "Phiếu chấm điểm")]
    ends = [*starts[1:], len(reader.pages)]
    return [range(start, end) for start, end in zip(starts, ends, strict=True)]


def test_the_bundle_files_every_document_in_order_with_an_outline_entry_each(
    client_as, world, year
):
    reader = PdfReader(io.BytesIO(bundle_of(client_as("viewer"), world)))
    entries = outline_of(reader)
    assert [(level, title) for level, title, _page in entries] == [
        (level, title) for level, title, _line in EVERYTHING
    ]
    starts = [page for _level, _title, page in entries]
    assert starts == sorted(starts) and starts[0] == 0
    for (_level, title, page), (_, _, line) in zip(entries, EVERYTHING, strict=True):
        assert line in flat(reader.pages[page].extract_text()), title
    assert reader.trailer["/Root"]["/PageMode"] == "/UseOutlines"


def test_the_bundle_has_its_own_title_subject_and_language_and_stays_archival(
    client_as, world, year
):
    reader = PdfReader(io.BytesIO(bundle_of(client_as("staff"), world)))
    catalog = reader.trailer["/Root"]
    assert reader.metadata.title == TITLE  # not the covenant's
    assert reader.metadata.subject == SUBJECT
    assert catalog["/Lang"] == "vi"
    xmp = reader.xmp_metadata
    assert xmp.dc_title == {"x-default": TITLE} and xmp.dc_description == {"x-default": SUBJECT}
    assert xmp.dc_language == ["vi"]
    assert (xmp.pdfaid_part, xmp.pdfaid_conformance) == ("3", "B")
    assert xmp.pdf_producer == reader.metadata.producer  # PDF/A: information = XMP
    assert [str(i["/S"]) for i in catalog["/OutputIntents"]] == ["/GTS_PDFA1"]
    assert reader.pdf_header == "%PDF-1.7" and reader.trailer["/ID"]

    # One structure tree: the bundle a Document, each document a Part titled as in the outline.
    assert bool(catalog["/MarkInfo"]["/Marked"])
    tree = catalog["/StructTreeRoot"]
    (document,) = [element.get_object() for element in tree["/K"]]
    assert document["/S"] == "/Document"
    parts = [part.get_object() for part in document["/K"]]
    assert {str(part["/S"]) for part in parts} == {"/Part"}
    leaves = [title for _level, title, _line in EVERYTHING if title != "Phiếu chấm điểm"]
    assert [part["/T"] for part in parts] == leaves
    # Each page finds its marked content under its own key of the one parent tree.
    keys = [page["/StructParents"] for page in reader.pages]
    assert keys == list(range(len(reader.pages)))
    numbers = tree["/ParentTree"]["/Nums"]
    assert list(numbers[0::2]) == keys

    # Each document has its own subsets of the project's faces: no two with the same name.
    subsets: dict[str, set[bytes]] = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            data = descriptor["/FontFile2"].get_object().get_data()
            subsets.setdefault(str(descriptor["/FontName"]), set()).add(data)
    assert all(len(files) == 1 for files in subsets.values())
    assert len(subsets) > 4  # more than the four faces of one document


def test_each_document_keeps_its_own_page_numbers_from_its_second_page(client_as, world, year):
    reader = PdfReader(io.BytesIO(bundle_of(client_as("staff"), world)))
    documents = documents_of(reader)
    assert len(documents) == len(EVERYTHING) - 1
    assert any(len(pages) > 1 for pages in documents)
    for pages in documents:
        printed = [number_in_top_margin(reader.pages[index]) for index in pages]
        assert printed == [None, *(str(n) for n in range(2, len(pages) + 1))], pages


@pytest.mark.parametrize("processes", [1, 2], ids=["in-process", "forked"])
def test_the_forked_workers_make_the_same_file_as_one_process(
    client_as, world, year, settings, processes
):
    settings.PDF_BUNDLE_PROCESSES = 1
    alone = bundle_of(client_as("staff"), world)
    GeneratedFile.objects.all().delete()  # made again, not served from storage
    settings.PDF_BUNDLE_PROCESSES = processes
    assert bundle_of(client_as("staff"), world) == alone  # the same bytes, outline, numbers


def test_a_member_before_the_results_gets_the_covenant_the_table_and_its_own_sheet(
    client_as, world, year
):
    reader = PdfReader(io.BytesIO(bundle_of(client_as("member_clerk"), world)))
    assert [(level, title) for level, title, _page in outline_of(reader)] == [
        (0, "Bản giao ước thi đua"),
        (0, "Biên bản hội nghị ký kết giao ước thi đua"),
        (0, "Danh sách đại biểu dự hội nghị"),
        (0, "Bảng chấm điểm thi đua"),
        (0, "Phiếu chấm điểm"),
        (1, "phường Huống Thượng"),
    ]
    assert reader.metadata.title == TITLE
    text = flat(" ".join(page.extract_text() for page in reader.pages))
    assert "BẢNG TỔNG HỢP" not in text and "KIỂM PHIẾU" not in text  # nor the other sheets


def test_without_a_ballot_there_is_no_vote_count_and_no_proposal(client_as, world, year):
    Ballot.objects.all().delete()
    reader = PdfReader(io.BytesIO(bundle_of(client_as("staff"), world)))
    titles = [title for _level, title, _page in outline_of(reader)]
    assert titles[-2:] == ["Bảng tổng hợp điểm thi đua", "Biên bản họp bình xét"]
