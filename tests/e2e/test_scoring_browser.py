"""Staff build this year's scoring table in a real browser, publish it and print the blank form:
once by importing the sample Excel file, once from scratch in the editor (htmx)."""

import io
import unicodedata

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from clusters.models import ClusterYear, Unit
from clusters.services import start_next_year
from scoring.demo import SAMPLE_XLSX
from scoring.models import ScoringTable

STAFF = "canbo.thainguyen"
PASSWORD = "pw-e2e-123"  # noqa: S105 - a test password


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@pytest.fixture
def year_2025():
    call_command("load_demo", stdout=io.StringIO())
    staff = get_user_model().objects.get(username=STAFF)
    staff.set_password(PASSWORD)
    staff.save()
    previous = ClusterYear.objects.get(year=2024)
    year, _notes = start_next_year(
        previous, year=2025, leader=Unit.objects.get(name=nfc("xã Tân Cương")), deputy=None
    )
    return year


def log_in(page: Page, live_server) -> None:
    page.goto(live_server.url + "/dang-nhap/")
    page.fill("input[name=username]", STAFF)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(live_server.url + "/")


def publish_and_print(page: Page, live_server) -> str:
    page.get_by_role("button", name=nfc("Công bố")).click()
    expect(page.locator("[data-testid=table-status]")).to_have_text(nfc("Đã công bố"))
    link = page.get_by_role("link", name=nfc("Tải PDF: Phiếu chấm điểm (để trống)"))
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    return nfc(" ".join(" ".join(p.extract_text().split()) for p in reader.pages))


def test_staff_imports_the_sample_publishes_and_prints_the_blank_form(
    page: Page, live_server, year_2025
):
    log_in(page, live_server)
    page.goto(live_server.url + f"/nam/{year_2025.pk}/bang-diem/")
    page.get_by_role("link", name=nfc("Nhập từ Excel")).first.click()
    page.set_input_files("input[type=file]", str(SAMPLE_XLSX))
    page.get_by_role("button", name=nfc("Đọc tệp")).click()
    expect(page.locator(".alert-info")).to_contain_text(nfc("Tệp đọc được 49 tiêu chí"))
    page.get_by_role("button", name=nfc("Lưu bảng đã nhập")).click()
    expect(page.locator("[data-testid=problems]")).to_have_text(nfc("Bảng đã đúng mọi quy tắc."))
    text = publish_and_print(page, live_server)
    assert nfc("PHIẾU TỰ CHẤM ĐIỂM THI ĐUA NĂM 2025") in text
    assert nfc("Xây dựng Đảng, chính quyền và hệ thống chính trị") in text
    assert nfc("Điểm tự chấm") in text
    assert ScoringTable.objects.get(cluster_year=year_2025).criteria.count() == 49


def test_staff_builds_a_table_from_scratch_with_live_totals(page: Page, live_server, year_2025):
    log_in(page, live_server)
    page.goto(live_server.url + f"/nam/{year_2025.pk}/bang-diem/")
    page.get_by_role("button", name=nfc("Tạo bảng trống")).click()

    def add(code: str, text: str, points: str, under: str | None = None) -> None:
        details = page.locator("#tree details")
        if not details.get_attribute("open"):
            details.locator("summary").click()
        if under:
            page.select_option("#criterion-parent", label=under)
        page.fill("input[name=new-code]", code)
        page.fill("textarea[name=new-text]", text)
        page.fill("input[name=new-max_points]", points)
        page.fill("input[name=new-step]", "0,5")
        page.locator("#tree form:has(input[name=new-code]) [type=submit]").click()
        expect(page.locator("[data-testid=criteria]")).to_contain_text(nfc(text))

    expect(page.locator("[data-testid=problems]")).to_contain_text(
        nfc("Bảng chưa có tiêu chí nào.")
    )
    add("I", "Phát triển kinh tế - xã hội", "100")
    # A section scored directly is valid on its own.
    expect(page.locator("[data-testid=problems]")).to_have_text(nfc("Bảng đã đúng mọi quy tắc."))
    add("1", "Thu ngân sách", "62,5", under=nfc("I Phát triển kinh tế - xã hội"))
    expect(page.locator("[data-testid=problems]")).to_contain_text(
        nfc("tổng điểm tối đa 100 khác tổng các phần 62,5")
    )
    add("2", "An sinh xã hội", "37,5", under=nfc("I Phát triển kinh tế - xã hội"))
    expect(page.locator("[data-testid=problems]")).to_have_text(nfc("Bảng đã đúng mọi quy tắc."))
    expect(page.locator("[data-testid=totals]")).to_contain_text("100 / 100")
    text = publish_and_print(page, live_server)
    assert nfc("Thu ngân sách") in text and "62,5" in text
