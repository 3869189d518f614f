"""Issue 14, part 8: axe-core on the key pages, at 1280 and 360 px, as staff and as a clerk;
any serious or critical violation fails."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Browser

from clusters.models import ClusterYear, Unit
from scoring.models import ScoreSheet
from tests.conftest import needs
from tests.e2e.axe import AXE, severe_violations
from tests.e2e.test_sheet_browser import PASSWORD, SHOTS, log_in, nfc

STAFF, CLERK = "canbo.thainguyen", "vanthu.phuctriu"


@pytest.fixture
def demo():
    if not AXE.exists():
        message = f"axe-core not installed at {AXE}: `make install-dev` runs `npm ci`"
        needs(message)  # CI must run the accessibility checks
    call_command("load_demo", stdout=io.StringIO())
    for username in (STAFF, CLERK):
        user = get_user_model().objects.get(username=username)
        user.set_password(PASSWORD)
        user.save()
    return ClusterYear.objects.get(year=2024, cluster__authority__name__icontains="Thái Nguyên")


def key_pages(year: ClusterYear) -> list[str]:
    sheet = ScoreSheet.objects.get(table__cluster_year=year, unit__name=nfc("xã Phúc Trìu"))
    unit = Unit.objects.get(name=nfc("xã Phúc Trìu"))
    ballot = year.scoring_table.ballots.first()
    pages = [
        "/", f"/nam/{year.pk}/", f"/nam/{year.pk}/giao-uoc/", f"/nam/{year.pk}/bang-diem/",
        f"/phieu/{sheet.pk}/", f"/nam/{year.pk}/cham-diem/", f"/nam/{year.pk}/cham-diem/luoi/",
        f"/nam/{year.pk}/ket-qua/", f"/nam/{year.pk}/binh-xet/",
        f"/co-quan/{year.cluster.authority_id}/tong-quan/", f"/don-vi/{unit.pk}/ket-qua/",
        "/don-vi/",
    ]  # fmt: skip
    if ballot is not None:
        pages.append(f"/binh-xet/{ballot.pk}/")
    return pages


@pytest.mark.parametrize("width", [1280, 360])
def test_the_key_pages_have_no_serious_accessibility_violation(
    browser: Browser, live_server, demo, width
):
    # The page's own policy forbids injected scripts: axe alone is let in, for the test.
    context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
    page = context.new_page()
    log_in(page, live_server, STAFF)
    found = {}
    for path in key_pages(demo):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        if SHOTS:  # the pages as staff see them, to look at
            name = path.strip("/").replace("/", "-") or "home"
            page.screenshot(path=f"{SHOTS}/staff-{width}-{name}.png")
        violations = severe_violations(page)
        if violations:
            found[path] = violations
    context.close()
    # The clerk's own pages: the to-do list and the sheet with its fields.
    context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
    page = context.new_page()
    log_in(page, live_server, CLERK)
    for path in key_pages(demo)[:1] + [key_pages(demo)[4]]:
        page.goto(live_server.url + path)
        violations = severe_violations(page)
        if violations:
            found[f"{path} (clerk)"] = violations
    context.close()
    assert not found, "\n".join(f"{path}:\n  " + "\n  ".join(v) for path, v in found.items())


def test_the_phone_menu_works_without_javascript(browser: Browser, live_server, demo):
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/dang-nhap/")
    page.fill("input[name=username]", STAFF)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(live_server.url + "/")
    for name in ("Cụm thi đua", "Đơn vị"):
        assert page.get_by_role("link", name=nfc(name), exact=True).is_visible()
    logout = page.get_by_role("button", name=nfc("Đăng xuất"))
    assert logout.is_visible()
    logout.click()
    page.wait_for_load_state()
    assert "/dang-nhap/" in page.url or page.get_by_role("link", name=nfc("Đăng nhập")).count()
    context.close()
