"""The organisation of the demo: the two real clusters of the design (Thái Nguyên 2024,
Bắc Kạn 2023) and a demo user for every role. Idempotent: loading again creates only what is
missing and changes nothing else. `manage.py load_demo` (core) calls this module first, then
the demo modules of the apps above."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model

from .models import Assignment, Authority, Cluster, ClusterYear, Membership, Unit

DEMO_PASSWORD = "giaouoc-demo"  # noqa: S105 - printed and usable only with DEBUG on

XA, PHUONG = Unit.Kind.COMMUNE, Unit.Kind.WARD

# Source: DESIGN.md §1. Leaders are real; the deputies are the demo's choice.
DEMO = [
    {
        "authority": {
            "name": "Ủy ban nhân dân thành phố Thái Nguyên",
            "short_name": "UBND thành phố Thái Nguyên",
            "place_name": "Thái Nguyên",
            "parent_body": "UBND TỈNH THÁI NGUYÊN",
        },
        "cluster": "Cụm thi đua các xã thuộc thành phố Thái Nguyên",
        "year": 2024,
        "deadlines": (datetime.date(2024, 11, 15), datetime.date(2024, 11, 30)),
        "units": [
            ("xã Đồng Liên", XA),
            ("xã Tân Cương", XA),
            ("xã Phúc Trìu", XA),
            ("xã Phúc Xuân", XA),
            ("xã Phúc Hà", XA),
            ("xã Sơn Cẩm", XA),
            ("xã Huống Thượng", XA),
            ("xã Linh Sơn", XA),
            ("xã Thịnh Đức", XA),
            ("xã Quyết Thắng", XA),
            ("xã Cao Ngạn", XA),
        ],
        "leader": "xã Đồng Liên",
        "deputy": "xã Tân Cương",
    },
    {
        "authority": {
            "name": "Ủy ban nhân dân thành phố Bắc Kạn",
            "short_name": "UBND thành phố Bắc Kạn",
            "place_name": "Bắc Kạn",
            "parent_body": "UBND TỈNH BẮC KẠN",
        },
        "cluster": "Cụm thi đua các xã, phường thuộc thành phố Bắc Kạn",
        "year": 2023,
        "deadlines": (datetime.date(2023, 11, 15), datetime.date(2023, 11, 30)),
        "units": [
            ("phường Huyền Tụng", PHUONG),
            ("phường Đức Xuân", PHUONG),
            ("phường Nguyễn Thị Minh Khai", PHUONG),
            ("phường Phùng Chí Kiên", PHUONG),
            ("phường Sông Cầu", PHUONG),
            ("phường Xuất Hóa", PHUONG),
            ("xã Dương Quang", XA),
            ("xã Nông Thượng", XA),
        ],
        "leader": "phường Huyền Tụng",
        "deputy": "phường Đức Xuân",
    },
]

# username, full name, role, authority index or unit name
USERS = [
    ("canbo.thainguyen", "Cán bộ thi đua TP Thái Nguyên", "staff", 0),
    ("lanhdao.thainguyen", "Lãnh đạo TP Thái Nguyên", "viewer", 0),
    ("vanthu.donglien", "Công chức VP-TK xã Đồng Liên", "clerk", "xã Đồng Liên"),
    ("vanthu.tancuong", "Công chức VP-TK xã Tân Cương", "clerk", "xã Tân Cương"),
    ("vanthu.phuctriu", "Công chức VP-TK xã Phúc Trìu", "clerk", "xã Phúc Trìu"),
    ("canbo.backan", "Cán bộ thi đua TP Bắc Kạn", "staff", 1),
    ("vanthu.huyentung", "Công chức VP-TK phường Huyền Tụng", "clerk", "phường Huyền Tụng"),
]

HEAD_TITLE = {XA: "Chủ tịch UBND xã", PHUONG: "Chủ tịch UBND phường"}
# Heads the sources name (DESIGN.md §1; issue 13): the chairman of xã Đồng Liên chaired the 2024
# conference as cluster leader. The others are not named: their documents leave a blank.
HEAD_NAMES = {"xã Đồng Liên": "Tạ Văn Phin"}


def has_data() -> bool:
    """Whether the database already has an organisation (then `load_demo --if-empty` stops)."""
    return Authority.objects.exists()


def load(stdout=None) -> None:
    authorities, units = [], {}
    for spec in DEMO:
        authority, _ = Authority.objects.get_or_create(
            name=spec["authority"]["name"], defaults=spec["authority"]
        )
        authorities.append(authority)
        for name, kind in spec["units"]:
            units[name], _ = Unit.objects.get_or_create(
                authority=authority,
                name=name,
                defaults={
                    "kind": kind,
                    "head_title": HEAD_TITLE[kind],
                    "head_name": HEAD_NAMES.get(name, ""),
                },
            )
        cluster, _ = Cluster.objects.get_or_create(authority=authority, name=spec["cluster"])
        self_deadline, review_deadline = spec["deadlines"]
        cluster_year, created = ClusterYear.objects.get_or_create(
            cluster=cluster,
            year=spec["year"],
            defaults={
                "self_score_deadline": self_deadline,
                "review_deadline": review_deadline,
            },
        )
        if created:
            ordered = [spec["leader"], spec["deputy"]] + [
                name for name, _ in spec["units"] if name not in (spec["leader"], spec["deputy"])
            ]
            for position, name in enumerate(ordered, start=1):
                role = (
                    Membership.Role.LEADER
                    if name == spec["leader"]
                    else Membership.Role.DEPUTY
                    if name == spec["deputy"]
                    else Membership.Role.MEMBER
                )
                Membership.objects.create(
                    cluster_year=cluster_year, unit=units[name], role=role, position=position
                )

    User = get_user_model()
    for username, full_name, role, target in USERS:
        first, _, last = full_name.rpartition(" ")
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last}
        )
        if created:
            if settings.DEBUG:
                user.set_password(DEMO_PASSWORD)
            else:
                user.set_unusable_password()
            user.save()
        if role == Assignment.Role.CLERK:
            Assignment.objects.get_or_create(user=user, role=role, unit=units[target])
        else:
            Assignment.objects.get_or_create(user=user, role=role, authority=authorities[target])


def logins() -> list[tuple[str, str, str]]:
    """(username, role, full name) of the demo users that exist."""
    existing = set(
        get_user_model()
        .objects.filter(username__in=[row[0] for row in USERS])
        .values_list("username", flat=True)
    )
    return [(username, role, name) for username, name, role, _ in USERS if username in existing]


def login_help() -> str:
    if settings.DEBUG:
        return f"Password of the demo users (unless changed since): {DEMO_PASSWORD}"
    return (
        "DEBUG is off: demo users have no password. Set one with "
        "`python manage.py changepassword USERNAME`."
    )
