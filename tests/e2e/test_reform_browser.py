"""Staff of the province import the 2025 reorganisation, preview it, apply it, start 2026 from
the former city's 2024 cluster, and open the successor's history (both predecessors' 2024
results, under the names they had). Screenshots at 1280 and 360 px when E2E_SCREENSHOTS is set."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

from django.urls import reverse
from playwright.sync_api import Page, expect

from clusters.models import Authority, Cluster, ClusterYear, Membership, Unit
from scoring.sheets import publish_table
from tests.conftest import make_user, small_table

PASSWORD = "pw-test-123"  # noqa: S105 - make_user's test password
CSV = "\n".join(
    [
        "Đơn vị cũ;Đơn vị mới;Loại đơn vị mới;Ngày hiệu lực;Nghị quyết;Ngày nghị quyết",
        "phường Huống Thượng;phường Quyết Thắng;phường;01/07/2025;1683/NQ-UBTVQH15;16/06/2025",
        "xã Phúc Hà;phường Quyết Thắng;phường;01/07/2025;1683/NQ-UBTVQH15;16/06/2025",
        "xã Đồng Liên;xã Đồng Liên;xã;01/07/2025;1683/NQ-UBTVQH15;16/06/2025",
        "xã Tân Cương;xã Tân Cương;xã;01/07/2025;1683/NQ-UBTVQH15;16/06/2025",
        "xã Cao Ngạn;;;01/07/2025;1683/NQ-UBTVQH15;16/06/2025",
    ]
)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def shoot(page: Page, name: str) -> None:
    folder = os.environ.get("E2E_SCREENSHOTS")
    if not folder:
        return
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(Path(folder) / f"reform-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_province_staff_apply_the_reform_start_2026_and_read_the_history(
    page: Page, live_server, world
):
    province = Authority.objects.create(name="Ủy ban nhân dân tỉnh P", place_name="P")
    Authority.objects.filter(pk=world.authority.pk).update(parent=province)
    city_c = Authority.objects.create(
        name="Ủy ban nhân dân thành phố C", place_name="C", parent=province
    )
    phuc_ha = Unit.objects.create(authority=city_c, name="xã Phúc Hà")
    year_c = ClusterYear.objects.create(
        cluster=Cluster.objects.create(authority=city_c, name="Cụm thi đua thành phố C"),
        year=2024,
    )
    Membership.objects.create(cluster_year=year_c, unit=phuc_ha, role="leader")
    publish_table(world.table)
    publish_table(small_table(year_c))
    make_user("canbo.tinh", role="staff", authority=province)

    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", "canbo.tinh")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(live_server.url + "/")

    # Import the table and look at the preview.
    page.goto(live_server.url + reverse("clusters:reorganisation_create"))
    page.get_by_label(nfc("Ủy ban nhân dân thành phố A")).check()
    page.get_by_label(nfc("Ủy ban nhân dân thành phố C")).check()
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "sap-xep.csv", "mimeType": "text/csv", "buffer": CSV.encode("utf-8")}],
    )
    shoot(page, "import")
    page.get_by_role("button", name=nfc("Xem trước")).click()
    expect(page.get_by_test_id("reorganisation-ready")).to_contain_text(nfc("5 đơn vị cũ"))
    expect(page.get_by_test_id("reorganisation-rows")).to_contain_text(nfc("xã Phúc Hà"))
    shoot(page, "preview")

    # Apply: the question says what follows, then the lineage is recorded.
    page.get_by_role("button", name=nfc("Áp dụng")).click()
    expect(page.get_by_test_id("confirm-yes")).to_be_visible()
    page.get_by_test_id("confirm-yes").click()
    expect(page.get_by_test_id("reorganisation-links")).to_contain_text(nfc("phường Quyết Thắng"))
    shoot(page, "applied")

    # Start 2026 from the former city's 2024 year: the two merged members appear once.
    page.goto(live_server.url + world.cluster_year.get_absolute_url())
    page.get_by_role("link", name=nfc("Bắt đầu năm sau từ năm này")).click()
    # The members depend on the year: 2026 is after the reform.
    page.fill("#plan-year", "2026")
    page.get_by_role("button", name=nfc("Xem thành viên")).click()
    plan = page.get_by_test_id("next-year-plan")
    expect(plan).to_contain_text(nfc("phường Quyết Thắng"))
    expect(plan).to_contain_text(nfc("Ủy ban nhân dân tỉnh P"))
    expect(page.locator("input[name=year]")).to_have_value("2026")
    # Proposed by rotation: last year's deputy (now the new xã Tân Cương) leads.
    expect(page.locator("#id_leader option:checked")).to_have_text(nfc("xã Tân Cương"))
    expect(page.locator("#id_deputy option:checked")).to_have_text(nfc("phường Quyết Thắng"))
    shoot(page, "next-year")
    page.get_by_role("button", name=nfc("Bắt đầu năm")).click()
    page.wait_for_url("**/nam/*/")
    new_year = ClusterYear.objects.get(cluster__authority=province, year=2026)
    assert set(new_year.memberships.values_list("unit__name", flat=True)) == {
        nfc("phường Quyết Thắng"),
        nfc("xã Đồng Liên"),
        nfc("xã Tân Cương"),
    }
    shoot(page, "year-2026")

    # The successor's history: both predecessors' 2024 results, under their own names.
    successor = Unit.objects.get(name=nfc("phường Quyết Thắng"))
    page.goto(live_server.url + successor.get_absolute_url())
    expect(page.get_by_test_id("unit-lineage")).to_contain_text(nfc("xã Phúc Hà"))
    page.get_by_role("link", name=nfc("Kết quả qua các năm")).click()
    rows = page.get_by_test_id("unit-results")
    expect(rows).to_contain_text(nfc("phường Huống Thượng"))
    expect(rows).to_contain_text(nfc("xã Phúc Hà"))
    expect(rows).to_contain_text(nfc("Cụm thi đua thành phố C"))
    shoot(page, "history")
