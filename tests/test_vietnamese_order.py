"""Issue 14, part 7: names in the Vietnamese alphabet wherever they are sorted (the unit list,
ties in the ranking), and the year's member order, leader first, where that is the order that
means something (the grid, the year's sheets)."""

import re
from decimal import Decimal

from django.urls import reverse

from clusters.models import Membership, Unit
from tests.results.test_results import contest, fill, results_of  # noqa: F401
from tests.scoring.conftest import round_  # noqa: F401


def positions(html: str, names: list[str]) -> list[int]:
    return [html.index(name) for name in names]


def test_the_unit_list_is_in_the_vietnamese_alphabet(client_as, world):
    for name in ("xã Thịnh Đức", "xã Đại Phúc", "xã Dương Quang"):
        Unit.objects.create(authority=world.authority, name=name)
    html = client_as("staff").get(reverse("clusters:unit_list")).content.decode()
    names = ["xã Cao Ngạn", "xã Dương Quang", "xã Đại Phúc", "xã Đồng Liên", "xã Tân Cương",
             "xã Thịnh Đức"]  # fmt: skip
    found = positions(html, names)
    assert found == sorted(found)  # by code point "Đ…" would come after "Thịnh Đức"


def test_the_grid_and_the_sheets_follow_the_members_order_leader_first(client_as, world, round_):  # noqa: F811
    # The leader holds the last position; the grid still starts with it.
    Membership.objects.filter(cluster_year=world.cluster_year, unit=world.leader).update(
        position=99
    )
    grid = client_as("staff").get(reverse("scoring:review_grid", args=[world.cluster_year.pk]))
    html = grid.content.decode()
    head = html[html.index("<thead") : html.index("</thead>")]
    found = positions(head, ["Đồng Liên", "Tân Cương", "Huống Thượng"])
    assert found == sorted(found)
    sheets = client_as("staff").get(reverse("scoring:sheet_list", args=[world.cluster_year.pk]))
    html = sheets.content.decode()
    found = positions(html, ["xã Đồng Liên", "xã Tân Cương", "phường Huống Thượng"])
    assert found == sorted(found)
    assert len(re.findall(r"xã Tân Cương</a>", html)) == 1  # each sheet once


def test_units_that_tie_are_listed_in_the_vietnamese_alphabet(contest, world):  # noqa: F811
    for index, name in enumerate(["xã Đông Cao", "xã Thịnh Lộc"], start=10):
        unit = Unit.objects.create(authority=world.authority, name=name)
        Membership.objects.create(cluster_year=world.cluster_year, unit=unit, position=index)
    from scoring.sheets import ensure_sheets

    ensure_sheets(contest)
    for name in ("xã Đồng Liên", "xã Tân Cương", "phường Huống Thượng", "xã Bốn", "xã Năm",
                 "xã Sáu", "xã Đông Cao", "xã Thịnh Lộc"):  # fmt: skip
        fill(contest, name, 50, 40)  # all equal: one shared rank
    names = [r.sheet.unit.name for r in results_of(contest)]
    assert {r.rank for r in results_of(contest)} == {1}
    assert names == [
        "phường Huống Thượng", "xã Bốn", "xã Đông Cao", "xã Đồng Liên", "xã Năm", "xã Sáu",
        "xã Tân Cương", "xã Thịnh Lộc",
    ]  # fmt: skip
    assert Decimal(90) == results_of(contest)[0].total
