"""Issue 14 at 360 px: a clerk goes from the dashboard to its sheet in one tap, sees the
deadline, and submits after one round of errors, each missing row a link to the row."""

import os
import re

from playwright.sync_api import Browser, expect

from tests.e2e.test_sheet_browser import LEADER, MEMBER, log_in, member_sheet, nfc  # noqa: F401

SHOTS = os.environ.get("E2E_SCREENSHOTS", "")


def test_a_clerk_on_a_phone_goes_from_the_to_do_list_to_its_sheet_and_submits(
    browser: Browser,
    live_server,
    member_sheet,  # noqa: F811
):
    sheet, target = member_sheet
    phone = browser.new_context(viewport={"width": 360, "height": 740})
    page = phone.new_page()
    log_in(page, live_server, MEMBER)
    todo = page.locator("[data-testid=todo-sheet]")
    expect(todo).to_contain_text(nfc("Hạn tự chấm điểm"))
    expect(todo).to_contain_text(nfc("còn 7 ngày"))
    expect(todo).to_contain_text(nfc("1 tiêu chí chưa có điểm"))
    assert todo.bounding_box()["y"] < 740  # on the first screen
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/dashboard-clerk-360.png", full_page=True)
    todo.locator("a.todo-link").click()  # one tap
    page.wait_for_url(live_server.url + f"/phieu/{sheet.pk}/")
    expect(page.locator("[data-testid=deadline]")).to_contain_text(nfc("còn 7 ngày"))

    page.get_by_role("button", name=nfc("Gửi phiếu")).click()
    problems = page.locator("[data-testid=sheet-problems]")
    expect(problems).to_contain_text(nfc("I.1.1 — "))
    expect(page.locator("dialog[data-confirm]")).to_have_count(0)  # nothing to confirm yet
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/sheet-problems-360.png")
    problems.get_by_role("link").first.click()
    row = page.locator(f"#score-{target.pk}")
    expect(row).to_have_class(re.compile("row-problem"))
    expect(row.locator("[data-testid=row-problem]")).to_contain_text(nfc("chưa có điểm"))
    field = row.locator(f"input[name=self-{target.pk}]")
    field.fill("2,5")
    field.blur()
    expect(row).to_contain_text(nfc("đã lưu"))
    page.get_by_role("button", name=nfc("Gửi phiếu")).click()
    page.locator("dialog[data-confirm]").get_by_role("button", name=nfc("Đồng ý gửi")).click()
    expect(page.locator("[data-testid=sheet-status]")).to_have_text(nfc("Đã gửi"))
    page.goto(live_server.url + "/")
    expect(page.locator("[data-testid=todo-sheet]")).to_contain_text(nfc("Đã gửi"))
    phone.close()


def test_the_reviewers_reason_error_comes_on_save_next_to_the_reason(
    browser: Browser,
    live_server,
    member_sheet,  # noqa: F811
):
    from scoring.models import ScoreSheet

    sheet, target = member_sheet
    ScoreSheet.objects.filter(pk=sheet.pk).update(status=ScoreSheet.Status.SUBMITTED)
    phone = browser.new_context(viewport={"width": 360, "height": 740})
    page = phone.new_page()
    log_in(page, live_server, LEADER)
    page.goto(live_server.url + f"/phieu/{sheet.pk}/#score-{target.pk}")
    row = page.locator(f"#score-{target.pk}")
    reviewed = row.locator(f"input[name=reviewed-{target.pk}]")
    reviewed.fill("2")
    reviewed.blur()  # no error before the reason could be typed
    page.wait_for_timeout(500)
    expect(row.locator("[data-testid=save-error]")).to_have_count(0)
    row.get_by_role("button", name=nfc("Lưu thẩm định")).click()
    error = row.locator("[data-testid=save-error]")
    expect(error).to_contain_text(nfc("Hãy ghi lý do"))
    reason = row.locator(f"textarea[name=reason-{target.pk}]")
    assert error.bounding_box()["y"] > reason.bounding_box()["y"]  # under the reason field
    assert error.bounding_box()["y"] - reason.bounding_box()["y"] < 200
    error.scroll_into_view_if_needed()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/review-reason-error-360.png")
    reason.fill(nfc("Biên bản kiểm tra cho thấy chỉ hoàn thành"))
    row.get_by_role("button", name=nfc("Lưu thẩm định")).click()
    expect(row).to_contain_text(nfc("đã lưu"))
    expect(row.locator("[data-testid=save-error]")).to_have_count(0)
    phone.close()
