"""A member clerk scores and submits on a phone; the leader clerk reviews one criterion with a
reason; the history shows both."""

import datetime
import io
import os
import unicodedata

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from clusters.models import ClusterYear
from scoring.models import Evidence, Score, ScoreSheet

SHOTS = os.environ.get("E2E_SCREENSHOTS", "")  # a folder: screenshots to look at, if set
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
    dialog = page.locator("dialog[data-confirm]")  # asks first, saying what follows
    expect(dialog).to_contain_text(nfc("không thể sửa điểm"))
    dialog.get_by_role("link", name=nfc("Hủy")).click()  # cancel: nothing happens
    expect(dialog).to_have_count(0)
    expect(page.locator("[data-testid=sheet-status]")).not_to_have_text(nfc("Đã gửi"))
    page.get_by_role("button", name=nfc("Gửi phiếu")).click()
    page.locator("dialog[data-confirm]").get_by_role("button", name=nfc("Đồng ý gửi")).click()
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
    row.locator(f"[name=reason-{target.pk}]").fill(nfc("Đảng bộ xếp loại hoàn thành tốt"))
    reviewed = row.locator(f"input[name=reviewed-{target.pk}]")
    reviewed.fill("2")
    reviewed.blur()  # nothing is saved, nor refused, before the row's button
    row.get_by_role("button", name=nfc("Lưu thẩm định")).click()
    expect(page.locator(f"#score-{target.pk}")).to_contain_text(nfc("đã lưu"))
    page.reload()
    history = page.locator("[data-testid=history]")
    expect(history).to_contain_text(nfc("điểm tự chấm: — → 2,5"))
    expect(history).to_contain_text(nfc("điểm thẩm định: — → 2 — Đảng bộ xếp loại hoàn thành tốt"))
    expect(history).to_contain_text(nfc("Công chức VP-TK xã Phúc Trìu"))
    expect(history).to_contain_text(nfc("Công chức VP-TK xã Đồng Liên"))
    # The criterion's own panel is read when opened.
    row = page.locator(f"#score-{target.pk}")
    row.locator("summary").click()
    panel = row.locator("[data-testid=criterion-history]")
    expect(panel).to_contain_text(nfc("điểm thẩm định: — → 2"))
    expect(panel).to_contain_text(nfc("điểm tự chấm: — → 2,5"))
    if SHOTS:
        row.screenshot(path=f"{SHOTS}/sheet-criterion-panel-1280.png")
    desk.close()


def test_the_reviewer_reopens_a_reviewed_sheet_after_confirming(
    browser: Browser, live_server, member_sheet
):
    sheet, _target = member_sheet
    ScoreSheet.objects.filter(pk=sheet.pk).update(status=ScoreSheet.Status.REVIEWED)
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    log_in(page, live_server, LEADER)
    page.goto(live_server.url + f"/phieu/{sheet.pk}/")
    page.get_by_label(nfc("Lý do mở lại thẩm định")).fill(nfc("Đơn vị bổ sung minh chứng"))
    page.get_by_role("button", name=nfc("Mở lại thẩm định")).click()
    dialog = page.locator("dialog[data-confirm]")
    expect(dialog).to_contain_text(nfc("trở lại trạng thái “đã gửi”"))
    dialog.get_by_role("button", name=nfc("Đồng ý mở lại")).click()
    expect(page.locator(".alert-success")).to_contain_text(nfc("Đã mở lại thẩm định"))
    expect(page.locator("[data-testid=sheet-status]")).to_have_text(nfc("Đã gửi"))
    desk.close()


def test_two_pages_of_one_sheet_cannot_overwrite_each_other_silently(
    browser: Browser, live_server, member_sheet
):
    sheet, target = member_sheet
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    first, second = desk.new_page(), desk.new_page()
    log_in(first, live_server, MEMBER)
    url = live_server.url + f"/phieu/{sheet.pk}/"
    first.goto(url)
    second.goto(url)
    field = first.locator(f"input[name=self-{target.pk}]")
    field.fill("2,5")
    field.blur()
    expect(first.locator(f"#score-{target.pk}")).to_contain_text(nfc("đã lưu"))
    stale = second.locator(f"input[name=self-{target.pk}]")
    stale.fill("1")
    stale.blur()
    row = second.locator(f"#score-{target.pk}")
    expect(row.locator("[data-testid=save-error]")).to_contain_text(nfc("hiện là 2,5"))
    stale.fill("0,5")  # the stale page tries again: still refused, nothing overwritten
    stale.blur()
    expect(row.locator("[data-testid=save-error]")).to_contain_text(nfc("hiện là 2,5"))
    second.wait_for_timeout(1500)  # no late "đã lưu" replaces the refusal
    expect(row.locator("[data-testid=save-error]")).to_be_visible()
    assert Score.objects.get(pk=target.pk).self_value == 2.5
    row.locator("[data-testid=take-current]").click()  # take the current value: the page again
    expect(second.locator(f"input[name=self-{target.pk}]")).to_have_value("2,5")
    desk.close()
