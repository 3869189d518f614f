"""The cluster-year page in a real browser: Vietnamese text, CSP, language switch, phone width."""

import io
import unicodedata

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Page, expect

from clusters.models import ClusterYear

USERNAME = "canbo.thainguyen"
PASSWORD = "pw-e2e-123"  # noqa: S105 - a test password
CLUSTER_NAME = "Cụm thi đua các xã thuộc thành phố Thái Nguyên"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@pytest.fixture
def demo_staff():
    """The demo data, with a usable password for the Thái Nguyên staff member (with DEBUG off,
    load_demo leaves the demo users without one)."""
    call_command("load_demo", stdout=io.StringIO())
    user = get_user_model().objects.get(username=USERNAME)
    user.set_password(PASSWORD)
    user.save()
    return user


def cluster_year_url(live_server) -> str:
    cluster_year = ClusterYear.objects.get(cluster__name=nfc(CLUSTER_NAME), year=2024)
    return live_server.url + cluster_year.get_absolute_url()


def log_in(page: Page, live_server) -> None:
    page.goto(live_server.url + "/dang-nhap/")
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(live_server.url + "/")


def test_staff_logs_in_and_sees_dong_lien_members_with_diacritics(
    page: Page, live_server, demo_staff
):
    log_in(page, live_server)

    cluster_link = page.get_by_role("link", name=nfc(CLUSTER_NAME), exact=True)
    expect(cluster_link).to_be_visible()
    assert cluster_link.inner_text().strip() == nfc(CLUSTER_NAME)
    cluster_link.click()
    page.wait_for_url(cluster_year_url(live_server))

    members = page.locator("[data-testid=members]")
    rows = members.locator("tbody tr")
    expect(rows).to_have_count(11)
    # The page's own strings, not normalised: NFD text or mojibake would not match.
    unit_names = [name.strip() for name in rows.locator("td:nth-child(2)").all_inner_texts()]
    for expected in (
        "xã Đồng Liên",
        "xã Tân Cương",
        "xã Huống Thượng",
        "xã Quyết Thắng",
        "xã Cao Ngạn",
    ):
        assert nfc(expected) in unit_names, f"{expected!r} not among {unit_names!r}"

    leader_row = rows.filter(has=page.get_by_role("link", name=nfc("xã Đồng Liên"), exact=True))
    expect(leader_row).to_have_count(1)
    expect(leader_row.locator(".badge")).to_have_text(nfc("Cụm trưởng"))
    assert leader_row.locator(".badge").inner_text().strip() == nfc("Cụm trưởng")

    table_text = members.inner_text()
    assert unicodedata.is_normalized("NFC", table_text)


def test_page_has_no_csp_violations_or_console_errors(page: Page, live_server, demo_staff):
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(f"console error on {page.url}: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error on {page.url}: {error}"))

    log_in(page, live_server)

    dashboard = page.goto(live_server.url + "/")
    assert dashboard is not None and dashboard.ok
    csp = dashboard.headers.get("content-security-policy")
    assert csp, "the dashboard has no Content-Security-Policy header"
    assert "script-src 'self'" in csp

    for url in (
        cluster_year_url(live_server),
        live_server.url + "/cum/",
        live_server.url + "/don-vi/?q=dong+lien&former=1",  # ended in the 2025 reform
    ):
        response = page.goto(url)
        assert response is not None and response.ok, f"{url}: HTTP {response and response.status}"
        page.wait_for_load_state("networkidle")

    expect(page.locator("[data-testid=units]")).to_contain_text(nfc("xã Đồng Liên"))
    assert problems == []


def test_language_switch_to_english_and_back(page: Page, live_server, demo_staff):
    log_in(page, live_server)
    nav = page.locator("nav.navbar")
    expect(nav).to_contain_text(nfc("Tổng quan"))

    page.get_by_role("button", name="EN", exact=True).click()
    expect(nav).to_contain_text("Dashboard")
    expect(nav).not_to_contain_text(nfc("Tổng quan"))
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("button", name="VI", exact=True).click()
    expect(nav).to_contain_text(nfc("Tổng quan"))
    expect(nav).not_to_contain_text("Dashboard")
    expect(page.locator("html")).to_have_attribute("lang", "vi")


def test_phone_width_has_no_horizontal_overflow(page: Page, live_server, demo_staff):
    page.set_viewport_size({"width": 360, "height": 800})
    log_in(page, live_server)

    page.goto(cluster_year_url(live_server))
    expect(page.locator("[data-testid=members] tbody tr")).to_have_count(11)

    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360, f"the page is {scroll_width}px wide on a 360px screen"
