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


# The size a chart's text is drawn at: its computed font size times the scale its SVG is drawn
# at (a viewBox shrinks the text with the chart), whatever the chart.
RENDERED_TEXT = """chart => [...chart.querySelectorAll("text")].map(text => {
    const box = text.getBoundingClientRect();
    const svg = text.ownerSVGElement.getBoundingClientRect();
    return {
        text: text.textContent,
        size: parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a,
        clipped: box.left < svg.left - 0.5 || box.right > svg.right + 0.5,
    };
})"""


def test_the_charts_labels_are_legible_on_a_phone(
    browser: Browser,
    live_server,
    demo,  # noqa: F811
):
    from clusters.models import Unit
    from tests.e2e.test_sheet_browser import nfc

    unit = Unit.objects.get(name=nfc("xã Phúc Trìu"))
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    log_in(page, live_server, STAFF)
    for path, chart in (
        (f"/nam/{demo.pk}/ket-qua/", "[data-testid=chart]"),
        (f"/don-vi/{unit.pk}/ket-qua/", "[data-testid=unit-chart]"),
    ):
        page.goto(live_server.url + path)
        labels = page.locator(chart).evaluate(RENDERED_TEXT)
        assert len(labels) >= 2, path
        small = [(label["text"], round(label["size"], 1)) for label in labels if label["size"] < 12]
        assert not small, (path, small)
        clipped = [label["text"] for label in labels if label["clipped"]]
        assert not clipped, (path, clipped)  # every label whole, inside the chart
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        if SHOTS:
            page.locator(chart).screenshot(path=f"{SHOTS}/phone-chart-{path.split('/')[1]}.png")
    context.close()


def test_the_published_scoring_table_reads_on_a_phone(
    browser: Browser,
    live_server,
    demo,  # noqa: F811
):
    from tests.e2e.test_accessibility_browser import CLERK

    assert demo.scoring_table.status != "draft"  # published: what every unit reads
    for username in (STAFF, CLERK):  # staff see the edit buttons too
        context = browser.new_context(viewport={"width": 360, "height": 740})
        page = context.new_page()
        log_in(page, live_server, username)
        page.goto(live_server.url + f"/nam/{demo.pk}/bang-diem/")
        texts = page.locator("[data-testid=criteria] tbody tr .criterion-text")
        assert texts.count() > 10
        narrow = []
        for index in range(texts.count()):
            box = texts.nth(index).bounding_box()
            # Each criterion's text on the screen, several words a line, no scrolling to read.
            if box["width"] < 200 or box["x"] < 0 or box["x"] + box["width"] > 360:
                narrow.append((index, box))
        assert not narrow, (username, narrow[:3])
        region = page.locator("#tree .table-responsive")
        assert region.evaluate("element => element.scrollWidth <= element.clientWidth")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/phone-scoring-table-{username}.png")
            page.locator("[data-testid=criteria]").screenshot(
                path=f"{SHOTS}/phone-scoring-table-criteria-{username}.png"
            )
        context.close()


def test_a_clerks_and_staffs_pages_fit_a_phone_and_a_desktop(
    browser: Browser,
    live_server,
    demo,  # noqa: F811
):
    """The dashboard and the sheet as the unit's clerk, the results and the scoring table as
    staff, at 360, 1024 and 1280 px: no sideways scroll (and screenshots to look at)."""
    from scoring.models import ScoreSheet
    from tests.e2e.test_accessibility_browser import CLERK
    from tests.e2e.test_sheet_browser import nfc

    sheet = ScoreSheet.objects.get(table__cluster_year=demo, unit__name=nfc("xã Phúc Trìu"))
    pages = {
        CLERK: {"dashboard": "/", "sheet": f"/phieu/{sheet.pk}/"},
        STAFF: {"results": f"/nam/{demo.pk}/ket-qua/", "table": f"/nam/{demo.pk}/bang-diem/"},
    }
    wide = {}
    for width in (360, 1024, 1280):  # 1024: the top bar's menu and user group on one line
        for username, named in pages.items():
            context = browser.new_context(viewport={"width": width, "height": 800})
            page = context.new_page()
            log_in(page, live_server, username)
            for name, path in named.items():
                response = page.goto(live_server.url + path)
                assert response.status == 200, (username, path)
                scroll_width = page.evaluate("document.documentElement.scrollWidth")
                if scroll_width > width:
                    wide[(width, path)] = scroll_width
                if SHOTS:
                    page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
            context.close()
    assert not wide, wide
