import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clusters.models import Cluster, ClusterYear, Membership, Unit
from clusters.services import start_next_year


def test_next_year_copies_members_and_rotates_leader_and_deputy(world):
    world.cluster_year.memberships.filter(unit=world.member).update(
        representative_name="Lê Thị Bình", representative_title="Phó Chủ tịch UBND phường"
    )
    world.cluster_year.vote_threshold_percent = 60
    world.cluster_year.save()
    new_year, notes = start_next_year(
        world.cluster_year, year=2025, leader=world.deputy, deputy=world.member
    )
    members = list(new_year.memberships.order_by("position").values_list("unit__name", "role"))
    assert members == [
        ("xã Tân Cương", "leader"),
        ("phường Huống Thượng", "deputy"),
        ("xã Đồng Liên", "member"),
    ]
    assert notes == []
    assert new_year.self_score_deadline == datetime.date(2025, 11, 15)
    assert new_year.review_deadline == datetime.date(2025, 11, 30)
    assert new_year.vote_threshold_percent == 60
    assert new_year.tier_bands == world.cluster_year.tier_bands
    kept = new_year.memberships.get(unit=world.member)
    assert (kept.representative_name, kept.representative_title) == (
        "Lê Thị Bình",
        "Phó Chủ tịch UBND phường",
    )
    # The previous year is untouched.
    assert world.cluster_year.memberships.get(unit=world.leader).role == "leader"


def test_next_year_replaces_merged_units_by_their_successor(world):
    merged_into = Unit.objects.create(
        authority=world.authority, name="phường Quyết Thắng", valid_from=datetime.date(2025, 7, 1)
    )
    world.member.valid_to = datetime.date(2025, 6, 30)
    world.member.successor = merged_into
    world.member.save()
    new_year, notes = start_next_year(
        world.cluster_year, year=2026, leader=world.deputy, deputy=world.leader
    )
    units = set(new_year.memberships.values_list("unit__name", flat=True))
    assert units == {"xã Tân Cương", "xã Đồng Liên", "phường Quyết Thắng"}
    assert notes == ["phường Huống Thượng được thay bằng đơn vị kế thừa phường Quyết Thắng."]


def test_next_year_leaves_out_units_that_no_longer_exist(world):
    world.member.valid_to = datetime.date(2024, 12, 31)
    world.member.save()
    new_year, notes = start_next_year(
        world.cluster_year, year=2025, leader=world.deputy, deputy=None
    )
    assert new_year.memberships.count() == 2
    assert notes == [
        "phường Huống Thượng không còn hoạt động trong năm 2025 nên không được chuyển sang."
    ]


def test_next_year_rolls_back_when_a_step_fails_midway(world, monkeypatch):
    saved = []
    original_save = Membership.save

    def fail_on_second(self, *args, **kwargs):
        saved.append(self.unit_id)
        if len(saved) == 2:
            raise RuntimeError("injected failure between two members")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(Membership, "save", fail_on_second)
    with pytest.raises(RuntimeError):
        start_next_year(world.cluster_year, year=2025, leader=world.deputy, deputy=world.leader)
    monkeypatch.undo()
    assert not ClusterYear.objects.filter(cluster=world.cluster, year=2025).exists()
    assert not Membership.objects.filter(year=2025).exists()


def test_next_year_refuses_a_leader_taken_by_another_cluster(world):
    second = Cluster.objects.create(authority=world.authority, name="Cụm thứ hai")
    second_year = ClusterYear.objects.create(cluster=second, year=2025)
    Membership.objects.create(cluster_year=second_year, unit=world.deputy, role="leader")
    with pytest.raises(ValidationError):
        start_next_year(world.cluster_year, year=2025, leader=world.deputy, deputy=world.leader)
    assert not ClusterYear.objects.filter(cluster=world.cluster, year=2025).exists()


def test_staff_starts_the_next_year_from_the_page(client_as, world):
    response = client_as("staff").post(
        reverse("clusters:cluster_year_next", args=[world.cluster_year.pk]),
        {"year": "2025", "leader": world.member.pk, "deputy": world.leader.pk},
        follow=True,
    )
    new_year = ClusterYear.objects.get(cluster=world.cluster, year=2025)
    assert response.redirect_chain[-1][0] == new_year.get_absolute_url()
    assert "Đã bắt đầu năm 2025 với 3 thành viên." in response.content.decode()
    assert new_year.leader.unit == world.member


def test_next_year_page_shows_a_conflict_instead_of_failing(client_as, world):
    second = Cluster.objects.create(authority=world.authority, name="Cụm thứ hai")
    second_year = ClusterYear.objects.create(cluster=second, year=2025)
    Membership.objects.create(cluster_year=second_year, unit=world.member, role="leader")
    response = client_as("staff").post(
        reverse("clusters:cluster_year_next", args=[world.cluster_year.pk]),
        {"year": "2025", "leader": world.member.pk, "deputy": world.leader.pk},
    )
    assert response.status_code == 200
    assert "phường Huống Thượng đã thuộc Cụm thứ hai trong năm 2025." in response.content.decode()
    assert not ClusterYear.objects.filter(cluster=world.cluster, year=2025).exists()


def test_a_successor_can_lead_the_next_year(client_as, world):
    merged_into = Unit.objects.create(
        authority=world.authority, name="phường Quyết Thắng", valid_from=datetime.date(2025, 7, 1)
    )
    world.leader.valid_to = datetime.date(2025, 6, 30)
    world.leader.successor = merged_into
    world.leader.save()
    response = client_as("staff").post(
        reverse("clusters:cluster_year_next", args=[world.cluster_year.pk]),
        {"year": "2026", "leader": merged_into.pk, "deputy": world.deputy.pk},
    )
    assert response.status_code == 302
    new_year = ClusterYear.objects.get(cluster=world.cluster, year=2026)
    assert new_year.leader.unit == merged_into


def test_a_member_that_absorbed_another_keeps_its_own_representative(world):
    world.member.valid_to = datetime.date(2024, 12, 31)
    world.member.successor = world.deputy
    world.member.save()
    world.cluster_year.memberships.filter(unit=world.deputy).update(
        representative_name="Trần Văn C"
    )
    new_year, notes = start_next_year(
        world.cluster_year, year=2025, leader=world.leader, deputy=world.deputy
    )
    assert new_year.memberships.count() == 2
    assert new_year.memberships.get(unit=world.deputy).representative_name == "Trần Văn C"
    assert notes == ["phường Huống Thượng đã sáp nhập vào xã Tân Cương, đơn vị đã là thành viên."]


def test_a_unit_that_will_not_be_a_member_cannot_lead(world):
    outsider = Unit.objects.create(authority=world.authority, name="xã Ngoài Cụm")
    with pytest.raises(ValidationError) as error:
        start_next_year(world.cluster_year, year=2025, leader=outsider, deputy=None)
    assert error.value.messages == [
        "xã Ngoài Cụm sẽ không là thành viên năm 2025 nên không thể làm cụm trưởng hoặc cụm phó."
    ]
    assert not ClusterYear.objects.filter(cluster=world.cluster, year=2025).exists()
