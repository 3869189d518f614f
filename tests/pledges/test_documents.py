"""The printed covenant, minutes and attendance sheet, read back from the PDF."""

import unicodedata
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from documents.rendering import render_pdf
from pledges.documents import DOCUMENTS, document_context, load_for_print
from pledges.models import Attendee, Ceremony
from tests.pledges.conftest import COMMUNES, HEADS

A4 = (595.28, 841.89)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def read(pdf: bytes) -> list[str]:
    reader = PdfReader(BytesIO(pdf))
    for page in reader.pages:
        size = (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2))
        assert size == A4
    # Whitespace collapsed: justified lines may break a phrase anywhere.
    return [" ".join(nfc(page.extract_text()).split()) for page in reader.pages]


TOP_MARGIN_Y = A4[1] - 20 * 72 / 25.4  # text above this line is in the 20 mm top margin


def top_margin_texts(pdf: bytes) -> list[list[str]]:
    """Per page, the texts printed in the top margin (where page numbers go)."""
    result = []
    for page in PdfReader(BytesIO(pdf)).pages:
        found = []

        def visit(text, cm, tm, font, size, found=found):
            y = cm[5] + cm[3] * tm[5]
            if text.strip() and y > TOP_MARGIN_Y:
                found.append(text.strip())

        page.extract_text(visitor_text=visit)
        result.append(found)
    return result


def covenant_pdf(pledge) -> bytes:
    kind = DOCUMENTS["giao-uoc"]
    return render_pdf(kind.template, document_context(load_for_print(pledge.cluster_year_id)))


@pytest.mark.parametrize(("members", "max_pages"), [(4, 3), (10, 4), (11, 4), (15, 5)])
def test_covenant_prints_every_member_with_exact_diacritics(covenant_of, members, max_pages):
    pledge = covenant_of(members)
    pages = read(covenant_pdf(pledge))
    text = "\n".join(pages)
    assert 2 <= len(pages) <= max_pages, len(pages)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in pages[0]
    assert "Độc lập - Tự do - Hạnh phúc" in pages[0]
    assert "Thái Nguyên, ngày 20 tháng 3 năm 2024" in pages[0]
    assert "Số: 01/GƯ-CTĐ" in pages[0]
    assert "GIAO ƯỚC THI ĐUA NĂM 2024" in pages[0]
    assert "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;" in text
    for commune, head in zip(COMMUNES[:members], HEADS[:members], strict=True):
        assert nfc(f"UBND XÃ {commune.upper()}") in text
        assert nfc(head) in text


@pytest.mark.parametrize("members", [10, 15])
def test_no_signature_block_is_split_across_pages(covenant_of, members):
    pledge = covenant_of(members)
    pages = read(covenant_pdf(pledge))
    for signatory in pledge.signatories.all():
        unit_pages = {i for i, page in enumerate(pages) if nfc(signatory.unit_line) in page}
        name_pages = {i for i, page in enumerate(pages) if nfc(signatory.signer_name) in page}
        assert unit_pages and unit_pages == name_pages, (
            signatory.unit_line,
            unit_pages,
            name_pages,
        )


def test_pages_are_numbered_in_the_top_margin_from_the_second(covenant_of):
    margins = top_margin_texts(covenant_pdf(covenant_of(15)))
    assert len(margins) >= 3
    assert margins[0] == []
    assert margins[1:] == [[str(number)] for number in range(2, len(margins) + 1)]


def test_rendering_queries_do_not_grow_with_members(covenant_of):
    counts = []
    for members in (4, 15):
        pledge = covenant_of(members)
        ceremony = Ceremony.objects.create(pledge=pledge, venue="Hội trường")
        Attendee.objects.create(
            ceremony=ceremony,
            kind="witness",
            name="Trần Văn Bình",
            title="Phó Chủ tịch HĐND",
            organisation="HĐND thành phố",
        )
        with CaptureQueriesContext(connection) as queries:
            for kind in DOCUMENTS.values():
                render_pdf(kind.template, document_context(load_for_print(pledge.cluster_year_id)))
        counts.append(len(queries))
    # per document: the covenant with its year, cluster and authority; clauses; signatories
    # with units; the conference; its attendees with units
    assert counts == [15, 15]


def test_witness_block_prints_under_the_signatures(covenant_of):
    pledge = covenant_of(4)
    ceremony = Ceremony.objects.create(pledge=pledge)
    Attendee.objects.create(
        ceremony=ceremony,
        kind="witness",
        name="Trần Văn Bình",
        title="Phó Chủ tịch HĐND thành phố",
        organisation="HĐND thành phố",
    )
    text = "\n".join(read(covenant_pdf(pledge)))
    assert "CHỨNG KIẾN" in text and "Trần Văn Bình" in text
    assert text.index("Trần Văn Bình") > text.index(nfc(HEADS[3]))


def test_minutes_and_attendance_sheet(covenant_of):
    pledge = covenant_of(11)
    ceremony = Ceremony.objects.create(
        pledge=pledge,
        venue="Hội trường UBND xã Đồng Liên",
        chair_name="Nguyễn Văn Đức",
        adopted_documents="Quy chế hoạt động của Cụm thi đua\nBảng chấm điểm thi đua năm 2024",
    )
    Attendee.objects.create(
        ceremony=ceremony,
        kind="guest",
        name="Lê Thị Mai",
        title="Trưởng phòng Nội vụ",
        organisation="UBND thành phố",
    )
    context = document_context(load_for_print(pledge.cluster_year_id))
    minutes = "\n".join(read(render_pdf(DOCUMENTS["bien-ban"].template, context)))
    assert "BIÊN BẢN" in minutes and "Hội trường UBND xã Đồng Liên" in minutes
    assert "Quy chế hoạt động của Cụm thi đua" in minutes
    assert "Đại diện 11 đơn vị thành viên Cụm đã ký kết" in minutes
    assert "Lê Thị Mai" in minutes and "xã Cao Ngạn" in minutes
    attendance = "\n".join(read(render_pdf(DOCUMENTS["diem-danh"].template, context)))
    assert "DANH SÁCH ĐẠI BIỂU" in attendance and "Ký tên" in attendance
    assert "Lê Thị Mai" in attendance


def test_pdf_is_vietnamese_whatever_the_ui_language(client_as, world):
    client = client_as("viewer")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    world.pledge.date = __import__("datetime").date(2024, 2, 5)
    world.pledge.save()
    response = client.get(
        reverse("pledges:pledge_document_pdf", args=[world.cluster_year.pk, "giao-uoc"])
    )
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="giao-uoc-thi-dua-2024.pdf"' in response["Content-Disposition"]
    text = "\n".join(read(response.content))
    assert "A, ngày 05 tháng 02 năm 2024" in text
    preview = client.get(
        reverse("pledges:pledge_document", args=[world.cluster_year.pk, "giao-uoc"])
    )
    html = preview.content.decode()
    assert "Download PDF" in html  # the page follows the UI language
    assert "ngày 05 tháng 02 năm 2024" in html  # the document stays Vietnamese


def test_unknown_document_is_404(client_as, world):
    url = reverse("pledges:pledge_document", args=[world.cluster_year.pk, "khong-co"])
    assert client_as("staff").get(url).status_code == 404


@pytest.mark.parametrize("members", [4, 6, 8, 10, 12, 15])
def test_signatures_never_start_a_page_without_covenant_text(covenant_of, members):
    pledge = covenant_of(members)
    pages = read(covenant_pdf(pledge))
    first_signatory = pledge.signatories.order_by("position").first()
    page = next(p for p in pages if nfc(first_signatory.unit_line) in p)
    closing = nfc(pledge.closing_paragraphs()[-1])
    assert " ".join(closing.split()[:6]) in page


def test_a_signed_covenant_reprints_the_names_it_was_signed_with(covenant_of):
    pledge = covenant_of(4)
    pledge.signatories.update(registered_title="Cờ thi đua của UBND tỉnh")
    pledge.adopt()
    pledge.sign()
    leader = pledge.signatories.order_by("position").first().unit
    leader.name = "phường Đồng Liên"
    leader.save()
    cluster = pledge.cluster_year.cluster
    cluster.name = "Cụm thi đua các phường"
    cluster.save()
    text = "\n".join(read(covenant_pdf(pledge)))
    assert "xã Đồng Liên" in text and "phường Đồng Liên" not in text
    assert "Cụm thi đua các xã thuộc thành phố Thái Nguyên" in text
