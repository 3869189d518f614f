import datetime
import unicodedata

import pytest
from django.db import IntegrityError, transaction

from clusters.models import Assignment, Cluster, ClusterYear, Membership, Unit
from core.text import fold


def integrity_error(action) -> bool:
    try:
        with transaction.atomic():
            action()
    except IntegrityError:
        return True
    return False


def test_database_refuses_a_second_leader(world):
    assert integrity_error(
        lambda: Membership.objects.create(
            cluster_year=world.cluster_year, unit=world.free_unit, role="leader"
        )
    )


def test_database_refuses_a_second_deputy(world):
    assert integrity_error(
        lambda: Membership.objects.create(
            cluster_year=world.cluster_year, unit=world.free_unit, role="deputy"
        )
    )


def test_database_allows_many_members(world):
    Membership.objects.create(cluster_year=world.cluster_year, unit=world.free_unit)
    assert world.cluster_year.memberships.filter(role="member").count() == 2


def test_database_refuses_a_unit_in_two_clusters_of_one_authority_in_one_year(world):
    second = Cluster.objects.create(authority=world.authority, name="Cụm thứ hai")
    second_year = ClusterYear.objects.create(cluster=second, year=2024)
    assert integrity_error(
        lambda: Membership.objects.create(cluster_year=second_year, unit=world.member)
    )
    # Another year of that second cluster is fine.
    next_year = ClusterYear.objects.create(cluster=second, year=2025)
    Membership.objects.create(cluster_year=next_year, unit=world.member)


def test_database_refuses_the_same_year_twice_for_a_cluster(world):
    assert integrity_error(lambda: ClusterYear.objects.create(cluster=world.cluster, year=2024))


def test_database_refuses_a_unit_twice_in_a_year(world):
    assert integrity_error(
        lambda: Membership.objects.create(cluster_year=world.cluster_year, unit=world.member)
    )


def test_membership_copies_authority_and_year_from_its_cluster_year(world):
    membership = world.leader_membership
    assert membership.year == 2024
    assert membership.authority_id == world.authority.pk


def test_assignment_target_must_match_role(world):
    user = world.users["no_role"]
    assert integrity_error(
        lambda: Assignment.objects.create(user=user, role="clerk", authority=world.authority)
    )
    assert integrity_error(lambda: Assignment.objects.create(user=user, role="staff"))
    assert integrity_error(
        lambda: Assignment.objects.create(
            user=user, role="staff", authority=world.authority, unit=world.member
        )
    )


def test_database_refuses_validity_ending_before_it_starts(world):
    assert integrity_error(
        lambda: Unit.objects.create(
            authority=world.authority,
            name="xã Sai Ngày",
            valid_from=datetime.date(2024, 1, 1),
            valid_to=datetime.date(2023, 1, 1),
        )
    )


def test_database_refuses_two_units_with_one_code_in_an_authority(world):
    Unit.objects.create(authority=world.authority, name="xã Một", code="05440")
    assert integrity_error(
        lambda: Unit.objects.create(authority=world.authority, name="xã Hai", code="05440")
    )
    # Empty codes do not collide.
    Unit.objects.create(authority=world.authority, name="xã Ba")
    Unit.objects.create(authority=world.authority, name="xã Bốn")


def test_fold_removes_diacritics_in_any_normalisation():
    assert fold("xã Đồng Liên") == "xa dong lien"
    assert fold(unicodedata.normalize("NFD", "xã Đồng Liên")) == "xa dong lien"
    assert fold("  PHƯỜNG   Huyền Tụng ") == "phuong huyen tung"


def test_search_ignores_diacritics_and_case(world):
    assert list(Unit.objects.search("dong lien")) == [world.leader]
    assert list(Unit.objects.search("ĐỒNG")) == [world.leader]
    assert list(Unit.objects.search(unicodedata.normalize("NFD", "Tân Cương"))) == [world.deputy]
    assert set(Unit.objects.search("xa")) == {world.leader, world.deputy, world.free_unit}
    assert not Unit.objects.search("dong cuong").exists()


def test_search_text_follows_renaming(world):
    world.free_unit.name = "phường Gia Sàng"
    world.free_unit.save(update_fields=["name"])
    assert list(Unit.objects.search("gia sang")) == [world.free_unit]


def test_valid_in_year_respects_validity_dates(world):
    merged = Unit.objects.create(
        authority=world.authority,
        name="xã Cũ",
        valid_to=datetime.date(2025, 6, 30),
        successor=world.free_unit,
    )
    later = Unit.objects.create(
        authority=world.authority, name="phường Mới", valid_from=datetime.date(2025, 7, 1)
    )
    assert merged in Unit.objects.valid_in_year(2025)
    assert merged not in Unit.objects.valid_in_year(2026)
    assert later not in Unit.objects.valid_in_year(2024)
    assert later in Unit.objects.valid_in_year(2025)
    assert merged.is_valid_in_year(2025) and not merged.is_valid_in_year(2026)


def test_lineage_follows_successors_and_stops_on_a_loop(world):
    first = Unit.objects.create(authority=world.authority, name="xã Một")
    second = Unit.objects.create(authority=world.authority, name="xã Hai")
    first.successor = second
    first.save()
    second.successor = world.free_unit
    second.save()
    assert first.lineage() == [second, world.free_unit]
    world.free_unit.successor = first  # a loop typed by mistake must not hang
    world.free_unit.save()
    assert first.lineage() == [second, world.free_unit]


def test_leader_deputy_and_progress(world):
    cluster_year = ClusterYear.objects.with_summary().get(pk=world.cluster_year.pk)
    assert cluster_year.leader.unit == world.leader
    assert cluster_year.deputy.unit == world.deputy
    assert cluster_year.member_count == 3
    # members, leader and deputy, deadlines: done; the covenant is a draft; the table a draft;
    # no sheet handed in or reviewed, no results, no vote.
    done = [done for _label, done in cluster_year.progress()]
    assert done == [True, True, True] + [False] * 6
    assert cluster_year.progress_percent() == 33
    world.pledge.date = datetime.date(2024, 3, 20)
    world.pledge.save()
    world.pledge.adopt()
    world.pledge.sign()
    from scoring.demo import build_table

    world.table.delete()
    build_table(world.cluster_year)
    cluster_year = ClusterYear.objects.with_summary().get(pk=world.cluster_year.pk)
    # Signed and published, but no sheet is in: the bar is not full.
    assert cluster_year.progress_percent() == 56


def test_progress_of_an_empty_year(world):
    empty = ClusterYear.objects.create(cluster=world.cluster, year=2025)
    assert empty.progress_percent() == 0
    assert empty.leader is None


@pytest.mark.parametrize(
    ("strict", "basis", "text"),
    [
        (True, "valid", "trên 50% số phiếu hợp lệ"),
        (False, "present", "từ 50% số đại biểu có mặt trở lên"),
    ],
)
def test_vote_threshold_reads_as_a_rule(world, strict, basis, text):
    cluster_year = world.cluster_year
    cluster_year.vote_threshold_strict = strict
    cluster_year.vote_threshold_basis = basis
    assert cluster_year.vote_threshold_text() == text


def test_default_settings_are_visible_and_sorted(world):
    bands = world.cluster_year.sorted_tier_bands()
    assert [band["name"] for band in bands][0] == "Hoàn thành xuất sắc nhiệm vụ"
    assert [str(band["percent"]) for band in bands] == ["90", "70", "50", "0"]
    assert world.cluster_year.awards[0] == {
        "name": "Cờ thi đua của Ủy ban nhân dân tỉnh",
        "seats": 1,
    }
