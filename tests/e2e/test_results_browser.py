"""Staff record the award vote, finalise the demo year's results and download the minutes."""

import io
import unicodedata

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from clusters.models import ClusterYear
from scoring.models import Score

STAFF, PASSWORD = "canbo.thainguyen", "pw-e2e-123"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@pytest.fixture
def demo_year():
    call_command("load_demo", stdout=io.StringIO())
    staff = get_user_model().objects.get(username=STAFF)
    staff.set_password(PASSWORD)
    staff.save()
    year = ClusterYear.objects.get(year=2024)
    # Đồng Liên scored 100 on every score criterion, the others 0.
    for score in Score.objects.filter(
        sheet__table__cluster_year=year, sheet__unit__name=nfc("xã Đồng Liên")
    ).select_related("criterion"):  # noqa: E501
        if score.criterion.kind == "score":
            score.self_value = score.criterion.max_points
            score.save()
    return year


def test_staff_finalise_record_the_vote_and_download_the_minutes(
    page: Page, live_server, demo_year
):
    page.goto(live_server.url + "/dang-nhap/")
    page.fill("input[name=username]", STAFF)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(live_server.url + "/")

    page.goto(live_server.url + f"/nam/{demo_year.pk}/ket-qua/")
    expect(page.locator("[data-testid=results] tbody tr").first).to_contain_text(
        nfc("xã Đồng Liên")
    )
    # The vote is held before the results are final: a final year's votes are final too.
    page.get_by_role("link", name=nfc("Bình xét")).first.click()
    page.select_option("#ballot-award", label=nfc("Cờ thi đua của Ủy ban nhân dân tỉnh (1)"))
    page.get_by_role("button", name=nfc("Mở phiếu bầu")).click()
    # The nominees: the top three (one seat, three nominees by default) are proposed.
    expect(page.locator("[data-testid=nominees] input:checked")).to_have_count(3)
    page.get_by_role("button", name=nfc("Mở phiếu bầu")).click()
    for name, value in (("voters_present", "11"), ("ballots_issued", "11"),
                        ("valid_ballots", "10")):  # fmt: skip
        page.fill(f"input[name={name}]", value)
    votes = page.locator("input[name^=votes-]")
    expect(votes).to_have_count(3)
    votes.nth(0).fill("9")  # the first in rank order: Đồng Liên
    page.get_by_role("button", name=nfc("Lưu kết quả kiểm phiếu")).click()
    expect(page.locator("[data-testid=outcome]")).to_contain_text(nfc("xã Đồng Liên (9)"))
    page.get_by_role("button", name=nfc("Đóng phiếu bầu")).click()
    page.locator("dialog[data-confirm]").get_by_role(
        "button", name=nfc("Đồng ý đóng phiếu")
    ).click()
    expect(page.locator("[data-testid=ballot-status]")).to_contain_text(nfc("Đã khóa sổ"))

    page.goto(live_server.url + f"/nam/{demo_year.pk}/ket-qua/")
    page.get_by_role("button", name=nfc("Chốt kết quả")).click()
    dialog = page.locator("dialog[data-confirm]")  # asks first, naming the units not submitted
    expect(dialog).to_contain_text(nfc("Chưa bao giờ gửi phiếu"))
    dialog.get_by_label(nfc("ghi “không nộp” và xếp cuối")).check()
    dialog.get_by_role("button", name=nfc("Đồng ý chốt")).click()
    expect(page.locator("[data-testid=results-status]")).to_have_text(nfc("chính thức"))

    page.goto(live_server.url + f"/nam/{demo_year.pk}/binh-xet/")
    link = page.get_by_role("link", name=nfc("Biên bản họp bình xét (PDF)"))
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = nfc(" ".join(" ".join(p.extract_text().split())
                        for p in PdfReader(io.BytesIO(response.body())).pages))  # fmt: skip
    assert nfc("BIÊN BẢN") in text and nfc("kết quả chính thức") in text
    assert nfc("xã Đồng Liên 9 Trúng cử") in text
