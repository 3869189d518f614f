"""A synthetic but realistic province for benchmarks and load tests (`manage.py generate_dataset`).

This module makes the organisation: authorities, units, clusters, their years and members, and
the users of each role. Other apps add their part (covenants, tables, scores, votes) through a
``dataset`` module of their own; core.synthetic calls them all in app order, so clusters depends on
no other app. Everything is bulk
inserted; the same options and seed give the same province.
"""

from __future__ import annotations

import datetime
import random

from django.contrib.auth import get_user_model

from core.synthetic import DatasetRun
from core.text import fold

from .models import Assignment, Authority, Cluster, ClusterYear, Membership, Unit

SYLLABLES = [
    "An",
    "Bình",
    "Cường",
    "Đồng",
    "Đức",
    "Hà",
    "Hòa",
    "Hưng",
    "Hương",
    "Khánh",
    "Lạc",
    "Liên",
    "Long",
    "Lương",
    "Minh",
    "Nghĩa",
    "Phú",
    "Phúc",
    "Quang",
    "Quyết",
    "Sơn",
    "Tân",
    "Thành",
    "Thịnh",
    "Thuận",
    "Tiến",
    "Trung",
    "Tường",
    "Vinh",
    "Xuân",
    "Yên",
    "Ngọc",
    "Kim",
    "Thái",
    "Hải",
]
PASSWORD = "giaouoc-bench"


def unit_names(count: int, rng: random.Random) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        base = f"{rng.choice(SYLLABLES)} {rng.choice(SYLLABLES)}"
        name, suffix = base, 2
        while name in seen:
            name, suffix = f"{base} {suffix}", suffix + 1
        seen.add(name)
        names.append(name)
    return names


def generate(run: DatasetRun) -> None:
    """Authorities, units, clusters, years, members and users; the years go to
    ``run.cluster_years`` for the apps above."""
    options, rng, stdout = run.options, run.rng, run.stdout
    offset = Authority.objects.count()
    authorities = Authority.objects.bulk_create(
        Authority(
            name=f"UBND tỉnh Mẫu {offset + a + 1}", short_name=f"UBND TỈNH MẪU {offset + a + 1}",
            place_name=f"Mẫu {offset + a + 1}",
        )
        for a in range(options.authorities)
    )  # fmt: skip
    years = range(options.last_year - options.years + 1, options.last_year + 1)
    cluster_years: list[ClusterYear] = []
    User = get_user_model()
    for authority in authorities:
        names = unit_names(options.clusters * options.units, rng)
        units = Unit.objects.bulk_create(
            Unit(
                authority=authority, name=f"xã {name}", kind=Unit.Kind.COMMUNE,
                head_name=f"Nguyễn Văn {name.split()[0]}", head_title="Chủ tịch UBND xã",
                valid_from=datetime.date(2020, 1, 1), search_text=fold(f"xã {name} "),
            )
            for name in names
        )  # fmt: skip
        clusters = Cluster.objects.bulk_create(
            Cluster(authority=authority, name=f"Cụm thi đua số {c + 1}")
            for c in range(options.clusters)
        )
        rows = ClusterYear.objects.bulk_create(
            ClusterYear(
                cluster=cluster, year=year,
                self_score_deadline=datetime.date(year, 12, 10),
                review_deadline=datetime.date(year, 12, 20),
            )
            for cluster in clusters
            for year in years
        )  # fmt: skip
        cluster_years += rows
        members = []
        for index, cluster in enumerate(clusters):
            own = units[index * options.units : (index + 1) * options.units]
            for cluster_year in (row for row in rows if row.cluster_id == cluster.pk):
                # The leader changes every year, by turns, as clusters usually do.
                turn = cluster_year.year % len(own)
                for position, unit in enumerate(own, start=1):
                    role = Membership.Role.MEMBER
                    if position - 1 == turn:
                        role = Membership.Role.LEADER
                    elif position - 1 == (turn + 1) % len(own):
                        role = Membership.Role.DEPUTY
                    members.append(
                        Membership(
                            cluster_year=cluster_year, unit=unit, role=role, position=position,
                            representative_name=unit.head_name,
                            representative_title=unit.head_title,
                            authority=authority, year=cluster_year.year,
                        )
                    )  # fmt: skip
        Membership.objects.bulk_create(members, batch_size=2000)

        prefix = f"a{authority.pk}"
        staff = User(username=f"{prefix}-canbo", first_name="Cán bộ thi đua")
        viewer = User(username=f"{prefix}-lanhdao", first_name="Lãnh đạo")
        clerks = [User(username=f"{prefix}-u{unit.pk}", first_name=unit.name) for unit in units]
        people = [staff, viewer, *clerks]
        staff.set_password(PASSWORD)  # hashed once and shared: hashing 400 times is slow
        for person in people:
            person.password = staff.password
        User.objects.bulk_create(people, batch_size=1000)
        people = {u.username: u for u in User.objects.filter(username__startswith=f"{prefix}-")}
        Assignment.objects.bulk_create(
            [
                Assignment(
                    user=people[staff.username], role=Assignment.Role.STAFF, authority=authority
                ),
                Assignment(
                    user=people[viewer.username], role=Assignment.Role.VIEWER, authority=authority
                ),
            ]
            + [
                Assignment(
                    user=people[f"{prefix}-u{unit.pk}"], role=Assignment.Role.CLERK, unit=unit
                )
                for unit in units
            ],
            batch_size=1000,
        )
    if stdout:
        stdout.write(
            f"{len(authorities)} authorities, {len(cluster_years)} cluster-years, "
            f"{Membership.objects.filter(cluster_year__in=cluster_years).count()} memberships"
        )
    run.cluster_years = cluster_years
