"""Issue 14 at 360 px: a clerk goes from the dashboard to its sheet in one tap, sees the
deadline, and submits after one round of errors, each missing row a link to the row."""

import os
import re

import pytest
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


# Evidence attached on a phone: the answer is read where the thumb is, without scrolling.

PHONE = {"width": 360, "height": 740}
GOOD_PDF = {"name": "bien-ban.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 e2e"}
FAKE_PDF = {"name": "gia.pdf", "mimeType": "application/pdf", "buffer": b"<html>not a pdf"}


def evidence_rows(sheet) -> list[int]:
    """The score pks of the sheet's rows that require evidence, in the order of the sheet."""
    from scoring.models import Score

    return list(
        Score.objects.filter(sheet=sheet, criterion__evidence_required=True)
        .order_by("criterion__position")
        .values_list("pk", flat=True)
    )


def visible_area(page) -> tuple[float, float]:
    """The part of the viewport not covered by the sheet's sticky save bar: (top, bottom)."""
    bar = page.locator(".sticky-save")
    bottom = PHONE["height"]
    if bar.count():
        box = bar.bounding_box()
        if box is not None and box["y"] < bottom:
            bottom = box["y"]
    return 0, bottom


def assert_in_view(page, locator) -> None:
    """The message is on the screen, once the page has stopped scrolling to it (smoothly, as
    Bootstrap asks): to an anchor without JavaScript, by app.js after an htmx swap."""
    for _ in range(30):
        box, (top, bottom) = locator.bounding_box(), visible_area(page)
        if box is not None and box["y"] >= top - 1 and box["y"] + box["height"] <= bottom + 1:
            page.wait_for_timeout(300)  # and it stays there
            box, (top, bottom) = locator.bounding_box(), visible_area(page)
            break
        page.wait_for_timeout(150)
    assert box is not None, "the message is not drawn"
    assert box["y"] >= top - 1 and box["y"] + box["height"] <= bottom + 1, (box, top, bottom)
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def put_button_at(page, button, where: str) -> None:
    """Scroll so that the row's button is at the top of the screen or just above the save bar
    at its bottom, as a thumb leaves it before tapping."""
    box = button.bounding_box()
    top, bottom = visible_area(page)
    delta = box["y"] - (top + 8) if where == "top" else box["y"] + box["height"] - (bottom - 8)
    page.evaluate("delta => window.scrollBy(0, delta)", delta)
    page.wait_for_timeout(100)
    box = button.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= visible_area(page)[1], box


@pytest.mark.parametrize("where", ["top", "bottom"])
def test_an_attached_file_is_told_in_view_on_a_phone(
    browser: Browser,
    live_server,
    member_sheet,  # noqa: F811
    where,
):
    sheet, _target = member_sheet
    pks = evidence_rows(sheet)
    phone = browser.new_context(viewport=PHONE)
    page = phone.new_page()
    log_in(page, live_server, MEMBER)
    page.goto(live_server.url + f"/phieu/{sheet.pk}/")
    for pk, upload, said in (
        (pks[-1], GOOD_PDF, "Đã đính kèm: bien-ban.pdf."),
        (pks[len(pks) // 2], FAKE_PDF, "Nội dung tệp không phải là tệp PDF"),
    ):
        cell = page.locator(f"#evidence-{pk}")
        button = cell.locator("button[name=attach]")
        cell.locator(f"input[name=file-{pk}]").set_input_files(upload)
        put_button_at(page, button, where)
        button.click()
        message = page.locator(f"#evidence-{pk} [data-testid=evidence-message]")
        expect(message).to_contain_text(nfc(said))
        assert_in_view(page, message)
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/evidence-{where}-{pk}-360.png")
    phone.close()


def test_without_javascript_the_attach_answer_is_in_view_and_typed_values_kept(
    browser: Browser,
    live_server,
    member_sheet,  # noqa: F811
):
    from scoring.models import Evidence, Score

    sheet, target = member_sheet
    pks = evidence_rows(sheet)
    phone = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = phone.new_page()
    log_in(page, live_server, MEMBER)
    url = live_server.url + f"/phieu/{sheet.pk}/"
    page.goto(url)
    # A value typed in another row, not saved (no JavaScript), then a file on a row far below.
    page.locator(f"input[name=self-{target.pk}]").fill("2,5")
    for pk, upload, said in (
        (pks[-1], GOOD_PDF, "Đã đính kèm: bien-ban.pdf."),
        (pks[len(pks) // 2], FAKE_PDF, "Nội dung tệp không phải là tệp PDF"),
    ):
        cell = page.locator(f"#evidence-{pk}")
        cell.locator(f"input[name=file-{pk}]").set_input_files(upload)
        with page.expect_navigation():
            cell.locator("button[name=attach]").click()
        assert page.url == url + f"#evidence-{pk}"  # the page again, at the row
        message = page.locator(f"#evidence-{pk} [data-testid=evidence-message]")
        expect(message).to_contain_text(nfc(said))
        assert_in_view(page, message)
        assert page.locator("[data-testid=evidence-message]").count() == 1  # only there
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/evidence-nojs-{pk}-360.png")
        # What was typed in the other row was saved with the file, and is shown.
        expect(page.locator(f"input[name=self-{target.pk}]")).to_have_value("2,5")
    assert str(Score.objects.get(pk=target.pk).self_value) == "2.50"
    assert Evidence.objects.filter(score_id=pks[-1], original_name="bien-ban.pdf").exists()
    assert not Evidence.objects.filter(score_id=pks[len(pks) // 2], original_name="gia.pdf")
    phone.close()
