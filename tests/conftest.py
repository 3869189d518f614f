"""Personas and a small world, built once per test that asks for them.

World: authority "Thành phố A" with a cluster whose 2024 year has a leader, a deputy and a member
unit (plus a free unit in no cluster); authority "Thành phố B" with its own cluster and unit.
Both years have a draft covenant (from create_pledge) with a conference and one guest, and a
small valid draft scoring table.
Personas: staff and viewer of A, clerk of the leader unit, clerk of a member unit, clerk of B's
unit (an outsider to A), a signed-in user with no role, and anonymous.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass

import hypothesis
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from clusters.models import Assignment, Authority, Cluster, ClusterYear, Membership, Unit
from pledges.models import Attendee, Ceremony, Pledge
from pledges.services import create_pledge
from scoring.models import Criterion, ScoringTable
from scoring.services import create_table


def in_ci() -> bool:
    """Whether the suite runs in CI (CI=true), where every service a test needs is there."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def needs(message: str) -> None:
    """A test whose service (Redis, axe-core, a browser…) is missing: skipped, saying why, on a
    developer's machine; failed in CI, which must run it."""
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


# Hypothesis fails an example that runs past a wall-clock deadline (200 ms by default); on a busy
# CI machine a database example can, and the test then fails for the machine's load, not for the
# code. The "ci" profile drops the deadline (and prints the blob that replays a failure). Loaded
# here, before any test module, so every @settings(...) that sets no deadline of its own inherits
# it. HYPOTHESIS_PROFILE=ci picks it by hand.
hypothesis.settings.register_profile("ci", deadline=None, print_blob=True)
if os.environ.get("HYPOTHESIS_PROFILE"):
    hypothesis.settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
elif in_ci():
    hypothesis.settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files of a test go to its own folder, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


PERSONAS = ["staff", "viewer", "leader_clerk", "member_clerk", "outsider_clerk", "no_role"]


@dataclass
class World:
    authority: Authority
    other_authority: Authority
    cluster: Cluster
    cluster_year: ClusterYear
    leader: Unit
    deputy: Unit
    member: Unit
    free_unit: Unit
    other_cluster: Cluster
    other_cluster_year: ClusterYear
    other_unit: Unit
    users: dict
    pledge: Pledge
    other_pledge: Pledge
    table: ScoringTable
    other_table: ScoringTable
    attendee: Attendee
    other_attendee: Attendee

    @property
    def leader_membership(self) -> Membership:
        return self.cluster_year.memberships.get(unit=self.leader)


def make_user(username: str, *, role: str | None = None, authority=None, unit=None):
    user = get_user_model().objects.create_user(username=username, password="pw-test-123")
    if role:
        Assignment.objects.create(user=user, role=role, authority=authority, unit=unit)
    return user


def small_table(cluster_year) -> ScoringTable:
    """A valid draft table: one section of 100 points in two criteria."""
    table = create_table(cluster_year)
    section = Criterion.objects.create(
        table=table, code="I", text="Phát triển kinh tế - xã hội", max_points=100, position=10
    )
    for position, (code, points) in enumerate((("1", 60), ("2", 40)), start=1):
        Criterion.objects.create(
            table=table, parent=section, code=code, text=f"Tiêu chí {code}",
            max_points=points, position=position * 10,
        )  # fmt: skip
    return table


@pytest.fixture
def world(db) -> World:
    a = Authority.objects.create(
        name="Ủy ban nhân dân thành phố A", place_name="A", parent_body="UBND TỈNH A"
    )
    b = Authority.objects.create(name="Ủy ban nhân dân thành phố B", place_name="B")
    leader = Unit.objects.create(authority=a, name="xã Đồng Liên", head_name="Nguyễn Văn An")
    deputy = Unit.objects.create(authority=a, name="xã Tân Cương")
    member = Unit.objects.create(authority=a, name="phường Huống Thượng", kind=Unit.Kind.WARD)
    free_unit = Unit.objects.create(authority=a, name="xã Cao Ngạn")
    other_unit = Unit.objects.create(authority=b, name="phường Huyền Tụng", kind=Unit.Kind.WARD)
    cluster = Cluster.objects.create(authority=a, name="Cụm thi đua các xã thành phố A")
    cluster_year = ClusterYear.objects.create(
        cluster=cluster,
        year=2024,
        self_score_deadline=datetime.date(2024, 11, 15),
        review_deadline=datetime.date(2024, 11, 30),
    )
    for position, (unit, role) in enumerate(
        [(leader, "leader"), (deputy, "deputy"), (member, "member")], start=1
    ):
        Membership.objects.create(
            cluster_year=cluster_year, unit=unit, role=role, position=position
        )
    other_cluster = Cluster.objects.create(authority=b, name="Cụm thi đua thành phố B")
    other_cluster_year = ClusterYear.objects.create(cluster=other_cluster, year=2024)
    Membership.objects.create(cluster_year=other_cluster_year, unit=other_unit, role="leader")
    pledge, other_pledge = create_pledge(cluster_year), create_pledge(other_cluster_year)
    attendee, other_attendee = (
        Attendee.objects.create(
            ceremony=Ceremony.objects.create(pledge=p), kind="guest", name="Lê Văn Khách"
        )
        for p in (pledge, other_pledge)
    )
    table, other_table = small_table(cluster_year), small_table(other_cluster_year)
    users = {
        "staff": make_user("staff", role="staff", authority=a),
        "viewer": make_user("viewer", role="viewer", authority=a),
        "leader_clerk": make_user("leader_clerk", role="clerk", unit=leader),
        "member_clerk": make_user("member_clerk", role="clerk", unit=member),
        "outsider_clerk": make_user("outsider_clerk", role="clerk", unit=other_unit),
        "no_role": make_user("no_role"),
    }
    return World(
        authority=a,
        other_authority=b,
        cluster=cluster,
        cluster_year=cluster_year,
        leader=leader,
        deputy=deputy,
        member=member,
        free_unit=free_unit,
        other_cluster=other_cluster,
        other_cluster_year=other_cluster_year,
        other_unit=other_unit,
        users=users,
        pledge=pledge,
        other_pledge=other_pledge,
        attendee=attendee,
        other_attendee=other_attendee,
        table=table,
        other_table=other_table,
    )


@pytest.fixture
def client_as(world):
    """client_as("staff") -> a test client signed in as that persona; "anonymous" -> none."""

    def make(persona: str) -> Client:
        client = Client()
        if persona != "anonymous":
            client.force_login(world.users[persona])
        return client

    return make
