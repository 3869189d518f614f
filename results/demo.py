"""The demo after the 2025 reform: the year 2026 of a province-level cluster of Thái Nguyên.

Loaded last (core's load_demo calls the apps' demo modules in app order, and this app is the
top one), because the 2026 year is started from the 2024 one with its covenant's text and its
scoring table, which the pledges and scoring demos make. Idempotent.

Public facts used (DESIGN.md §2; issue 16): from 1 July 2025 the district level ended; Bắc Kạn
merged into Thái Nguyên (Resolution 202/2025/QH15); the communes and wards of the merged province
were arranged by Resolution 1683/NQ-UBTVQH15 of 16 June 2025; phường Quyết Thắng was formed from
phường Thịnh Đán, xã Phúc Hà and xã Quyết Thắng (phường Thịnh Đán is not a demo unit). UBND
tỉnh Thái Nguyên took over the records of both cities. The successors of the other demo units
are not taken from a public source here, so they are not invented: those units end on 30 June
2025 without a successor and stay out of the 2026 cluster (README, demo paragraph)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from clusters.models import Assignment, Authority, ClusterYear, Reorganisation, Unit
from clusters.reform import check
from clusters.services import start_next_year

PROVINCE = {
    "name": "Ủy ban nhân dân tỉnh Thái Nguyên",
    "short_name": "UBND tỉnh Thái Nguyên",
    "place_name": "Thái Nguyên",
}
FORMER_PROVINCE = {
    "name": "Ủy ban nhân dân tỉnh Bắc Kạn",
    "short_name": "UBND tỉnh Bắc Kạn",
    "place_name": "Bắc Kạn",
}
CITY_THAI_NGUYEN = "Ủy ban nhân dân thành phố Thái Nguyên"
CITY_BAC_KAN = "Ủy ban nhân dân thành phố Bắc Kạn"
TITLE = "Sắp xếp đơn vị hành chính cấp xã tỉnh Thái Nguyên năm 2025"
RESOLUTION, RESOLUTION_DATE, EFFECTIVE = "1683/NQ-UBTVQH15", "16/06/2025", "01/07/2025"
MERGED = {"xã Phúc Hà": "phường Quyết Thắng", "xã Quyết Thắng": "phường Quyết Thắng"}
# The demo's own name for the province's cluster that continues the city's (not from a source).
CLUSTER_2026 = "Cụm thi đua các xã, phường khu vực thành phố Thái Nguyên (cũ)"

USERS = [("canbo.tinhthainguyen", "Cán bộ thi đua tỉnh Thái Nguyên", "staff")]


def _rows() -> list[dict[str, Any]]:
    rows = []
    for number, unit in enumerate(
        Unit.objects.filter(
            authority__name__in=[CITY_THAI_NGUYEN, CITY_BAC_KAN], valid_to__isnull=True
        ).order_by("authority__name", "name"),
        start=2,
    ):
        new = MERGED.get(unit.name, "")
        rows.append(
            {
                "row": number,
                "old": unit.name,
                "new": new,
                "kind": "phường" if new else "",
                "effective": EFFECTIVE,
                "resolution": RESOLUTION,
                "resolution_date": RESOLUTION_DATE,
            }
        )
    return rows


def load(stdout: Any = None) -> None:
    cities = {
        a.name: a for a in Authority.objects.filter(name__in=[CITY_THAI_NGUYEN, CITY_BAC_KAN])
    }
    if len(cities) < 2:
        return  # the organisation's demo is not there
    province, _ = Authority.objects.get_or_create(name=PROVINCE["name"], defaults=PROVINCE)
    former, _ = Authority.objects.get_or_create(
        name=FORMER_PROVINCE["name"],
        defaults={
            **FORMER_PROVINCE,
            "valid_to": datetime.date(2025, 6, 30),
            "successor": province,  # Resolution 202/2025/QH15
        },
    )
    Authority.objects.filter(pk=cities[CITY_THAI_NGUYEN].pk, parent__isnull=True).update(
        parent=province
    )
    Authority.objects.filter(pk=cities[CITY_BAC_KAN].pk, parent__isnull=True).update(parent=former)
    staff = _users(province)
    if not Reorganisation.objects.filter(authority=province, title=TITLE).exists():
        reorganisation = Reorganisation.objects.create(
            authority=province,
            title=TITLE,
            source_name="Nghị quyết 1683/NQ-UBTVQH15",
            rows=_rows(),
            created_by=staff,
        )
        reorganisation.ending_authorities.set(cities.values())
        plan = check(reorganisation)
        if plan.errors:  # never with the demo's own data; said rather than half-loaded
            raise RuntimeError("; ".join(plan.errors))
        reorganisation.apply(by=staff)
    previous = ClusterYear.objects.filter(
        cluster__authority=cities[CITY_THAI_NGUYEN], year=2024
    ).first()
    already = ClusterYear.objects.filter(cluster__authority=province, year=2026).exists()
    if previous is not None and not already:
        leader = Unit.objects.get(authority=province, name="phường Quyết Thắng")
        start_next_year(
            previous, year=2026, leader=leader, deputy=None, cluster_name=CLUSTER_2026, carry=True
        )


def _users(province: Authority) -> Any:
    User = get_user_model()
    staff = None
    for username, full_name, role in USERS:
        first, _, last = full_name.rpartition(" ")
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last}
        )
        if created:
            if settings.DEBUG:
                from clusters.demo import DEMO_PASSWORD

                user.set_password(DEMO_PASSWORD)
            else:
                user.set_unusable_password()
            user.save()
        Assignment.objects.get_or_create(user=user, role=role, authority=province)
        staff = staff or user
    return staff


def logins() -> list[tuple[str, str, str]]:
    existing = set(
        get_user_model()
        .objects.filter(username__in=[row[0] for row in USERS])
        .values_list("username", flat=True)
    )
    return [(username, role, name) for username, name, role in USERS if username in existing]


def login_help() -> str:
    return "The province's staff read both former cities' records (custody after the reform)."
