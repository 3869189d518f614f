"""The leader unit's clerk prepares this year's covenant in a real browser: copy last year's,
edit a clause inline (htmx), adopt it, download the PDF."""

import io
import unicodedata

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from clusters.models import ClusterYear, Unit
from clusters.services import start_next_year
from pledges.models import Pledge

CLERK = "vanthu.donglien"
PASSWORD = "pw-e2e-123"  # noqa: S105 - a test password
CLUSTER_NAME = "Cụm thi đua các xã thuộc thành phố Thái Nguyên"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@pytest.fixture
def next_year():
    """The demo data, and 2025 started from 2024 with xã Đồng Liên still leading."""
    call_command("load_demo", stdout=io.StringIO())
    clerk = get_user_model().objects.get(username=CLERK)
    clerk.set_password(PASSWORD)
    clerk.save()
    previous = ClusterYear.objects.get(cluster__name=nfc(CLUSTER_NAME), year=2024)
    year, _notes = start_next_year(
        previous,
        year=2025,
        leader=Unit.objects.get(name=nfc("xã Đồng Liên")),
        deputy=Unit.objects.get(name=nfc("xã Phúc Trìu")),
    )
    return year


def test_leader_clerk_copies_edits_adopts_and_downloads_the_covenant(
    page: Page, live_server, next_year
):
    page.goto(live_server.url + "/dang-nhap/")
    page.fill("input[name=username]", CLERK)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(live_server.url + "/")

    page.goto(live_server.url + f"/nam/{next_year.pk}/giao-uoc/")
    page.get_by_role("button", name=nfc("Sao chép từ bản giao ước năm 2024")).click()
    expect(page.locator(".alert-success")).to_contain_text(
        nfc("Đã tạo dự thảo từ bản giao ước năm 2024")
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(nfc("Giao ước thi đua năm 2025"))

    # Edit the first clause in place: the form comes in without a page load.
    first = page.locator("[data-testid=clauses] > li").first
    first.get_by_role("link", name=nfc("Sửa")).click()
    textarea = first.locator("textarea")
    expect(textarea).to_be_visible()
    textarea.fill(nfc("Mục tiêu chung năm 2025"))
    first.get_by_role("button", name=nfc("Lưu")).click()
    expect(page.locator("[data-testid=clauses] > li").first).to_contain_text(
        nfc("Mục tiêu chung năm 2025")
    )

    # Date it, then adopt it.
    page.get_by_role("link", name=nfc("Sửa")).first.click()
    page.fill("input[name=date]", "20/03/2025")
    page.fill("input[name=number]", nfc("01/GƯ-CTĐ"))
    page.get_by_role("button", name=nfc("Lưu")).click()
    page.get_by_role("button", name=nfc("Đánh dấu đã thông qua")).click()
    expect(page.locator("[data-testid=pledge-status]")).to_have_text(nfc("Đã thông qua"))
    assert Pledge.objects.get(cluster_year=next_year).status == "adopted"

    # The PDF, fetched with the clerk's session.
    pdf_link = page.get_by_role("link", name=nfc("Tải PDF: Bản giao ước thi đua"))
    response = page.request.get(live_server.url + pdf_link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    text = nfc(" ".join(" ".join(p.extract_text().split()) for p in reader.pages))
    assert nfc("GIAO ƯỚC THI ĐUA NĂM 2025") in text
    assert nfc("MỤC TIÊU CHUNG NĂM 2025") in text
    assert nfc("Đồng Liên, ngày 20 tháng 3 năm 2025") in text
    assert nfc("UBND XÃ ĐỒNG LIÊN") in text
