"""Issue 14, part 6: at 360 px the pages a phone reads need no sideways scroll of the page; the
grid keeps each row's criterion in view (sticky first column); the chart's labels are legible."""

from playwright.sync_api import Browser

from tests.e2e.test_accessibility_browser import STAFF, demo, key_pages  # noqa: F401
from tests.e2e.test_sheet_browser import log_in

SHOTS = __import__("os").environ.get("E2E_SCREENSHOTS", "")


def test_the_pages_fit_a_phone_without_sideways_scroll(
    browser: Browser,
    live_server,
    demo,  # noqa: F811
):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    log_in(page, live_server, STAFF)
    wide = {}
    for path in key_pages(demo):
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            wide[path] = width
        if SHOTS:
            name = path.strip("/").replace("/", "-") or "home"
            page.screenshot(path=f"{SHOTS}/phone-{name}.png", full_page=False)
    context.close()
    assert not wide, wide


def test_the_grid_keeps_the_criterion_in_view_on_a_phone(
    browser: Browser,
    live_server,
    demo,  # noqa: F811
):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    log_in(page, live_server, STAFF)
    page.goto(live_server.url + f"/nam/{demo.pk}/cham-diem/luoi/")
    region = page.locator(".table-responsive")
    text = page.locator("[data-testid=grid] tbody tr").nth(1).locator(".criterion-text")
    before = text.bounding_box()["x"]
    region.evaluate("element => { element.scrollLeft = 600; }")
    page.wait_for_timeout(100)
    assert region.evaluate("element => element.scrollLeft") > 0  # the units scrolled
    assert abs(text.bounding_box()["x"] - before) < 1  # the criterion did not
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/phone-grid-scrolled.png")
    context.close()


def test_the_results_show_total_percent_and_tier_on_a_phone(
    browser: Browser,
    live_server,
    demo,  # noqa: F811
):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    log_in(page, live_server, STAFF)
    page.goto(live_server.url + f"/nam/{demo.pk}/ket-qua/")
    row = page.locator("[data-testid=results] tbody tr").first
    for cell in row.locator("td").all():
        box = cell.bounding_box()
        if box is not None and box["width"] > 0:
            assert box["x"] + box["width"] <= 360, cell.inner_text()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/phone-results.png")
    context.close()
