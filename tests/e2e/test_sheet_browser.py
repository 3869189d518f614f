"""A member clerk scores and submits on a phone; the leader clerk reviews one criterion with a
reason; the history shows both."""

import datetime
import io
import unicodedata

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from clusters.models import ClusterYear
from scoring.models import Evidence, Score, ScoreSheet

PASSWORD = "pw-e2e-123"  # noqa: S105 - a test password
MEMBER, LEADER = "vanthu.phuctriu", "vanthu.donglien"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@pytest.fixture
def member_sheet():
    """The demo round of Thái Nguyên 2024, deadlines moved ahead, and Phúc Trìu's sheet filled
    except for criterion 1.1 (entered in the browser)."""
    call_command("load_demo", stdout=io.StringIO())
    for username in (MEMBER, LEADER):
        user = get_user_model().objects.get(username=username)
        user.set_password(PASSWORD)
        user.save()
    year = ClusterYear.objects.get(year=2024)
    year.self_score_deadline = datetime.date.today() + datetime.timedelta(days=7)
    year.review_deadline = datetime.date.today() + datetime.timedelta(days=14)
    year.save()
    sheet = ScoreSheet.objects.get(table__cluster_year=year, unit__name=nfc("xã Phúc Trìu"))
    for score in Score.objects.filter(sheet=sheet).select_related("criterion"):
        if score.criterion.code == "1.1":
            target = score
        elif score.criterion.kind == "score":
            score.self_value = score.criterion.max_points
            score.save()
        if score.criterion.evidence_required:
            evidence = Evidence(score=score, original_name="mc.pdf",
                                content_type="application/pdf", size=8)  # fmt: skip
            evidence.file.save("mc.pdf", ContentFile(b"%PDF-1.4"), save=False)
            evidence.save()
    return sheet, target


def log_in(page: Page, live_server, username: str) -> None:
    page.goto(live_server.url + "/dang-nhap/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(live_server.url + "/")


def test_member_scores_on_a_phone_leader_reviews_history_shows_both(
    browser: Browser, live_server, member_sheet
):
    sheet, target = member_sheet
    url = live_server.url + f"/phieu/{sheet.pk}/"

    phone = browser.new_context(viewport={"width": 360, "height": 740})
    page = phone.new_page()
    log_in(page, live_server, MEMBER)
    page.goto(url)
    row = page.locator(f"#score-{target.pk}")
    field = row.locator(f"input[name=self-{target.pk}]")
    assert field.bounding_box()["height"] >= 40  # large enough for a finger
    field.fill("2,5")
    field.blur()  # "change": the field saves by itself
    expect(page.locator(f"#score-{target.pk}")).to_contain_text(nfc("đã lưu"))
    expect(page.locator("[data-testid=sheet-totals]")).to_contain_text("99,5")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name=nfc("Gửi phiếu")).click()
    expect(page.locator(".alert-success")).to_contain_text(nfc("Đã gửi phiếu"))
    expect(page.locator("[data-testid=sheet-status]")).to_have_text(nfc("Đã gửi"))
    phone.close()

    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    log_in(page, live_server, LEADER)
    expect(page.locator("[data-testid=awaiting-review]")).to_contain_text(
        nfc("1 phiếu chờ thẩm định")
    )
    page.goto(url)
    row = page.locator(f"#score-{target.pk}")
    row.locator(f"input[name=reason-{target.pk}]").fill(nfc("Đảng bộ xếp loại hoàn thành tốt"))
    reviewed = row.locator(f"input[name=reviewed-{target.pk}]")
    reviewed.fill("2")
    reviewed.blur()
    expect(page.locator(f"#score-{target.pk}")).to_contain_text(nfc("đã lưu"))
    page.reload()
    history = page.locator("[data-testid=history]")
    expect(history).to_contain_text(nfc("điểm tự chấm: — → 2,5"))
    expect(history).to_contain_text(nfc("điểm thẩm định: — → 2 — Đảng bộ xếp loại hoàn thành tốt"))
    expect(history).to_contain_text(nfc("Công chức VP-TK xã Phúc Trìu"))
    expect(history).to_contain_text(nfc("Công chức VP-TK xã Đồng Liên"))
    desk.close()
