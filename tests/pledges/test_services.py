import datetime

import pytest
from django.core.exceptions import ValidationError

from clusters.models import ClusterYear, Membership, Unit
from clusters.services import start_next_year
from pledges.cards import covenant_status
from pledges.models import Clause
from pledges.services import (
    copy_pledge_from,
    create_pledge,
    insert_clause,
    move_clause,
    previous_pledge,
    sync_signatories,
)


def test_new_covenant_has_the_usual_sections_and_one_signatory_per_member(world):
    pledge = world.pledge
    sections = [c.text for c in pledge.clauses.numbered() if c.kind == "section"]
    assert sections[:3] == [
        "Mục tiêu chung",
        "Chỉ tiêu, nhiệm vụ trọng tâm",
        "Cam kết của các đơn vị",
    ]
    headings = [c.text for c in pledge.clauses.all() if c.kind == "heading"]
    assert "Cải cách hành chính, chuyển đổi số" in headings
    assert pledge.title == "Giao ước thi đua năm 2024"
    assert pledge.issuer == "CỤM THI ĐUA CÁC XÃ THÀNH PHỐ A"
    assert pledge.legal_bases == ""  # never a constant in code: typed or copied each year
    signatories = list(pledge.signatories.order_by("position"))
    assert [s.unit for s in signatories] == [world.leader, world.deputy, world.member]
    leader = signatories[0]
    assert (leader.unit_line, leader.authority_line, leader.signer_title, leader.signer_name) == (
        "UBND XÃ ĐỒNG LIÊN",
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        "Nguyễn Văn An",
    )
    assert signatories[2].unit_line == "UBND PHƯỜNG HUỐNG THƯỢNG"


def test_clauses_are_numbered_like_the_printed_document(world):
    numbers = [(c.kind, c.number) for c in world.pledge.clauses.numbered()][:6]
    assert numbers == [
        ("section", "I"),
        ("item", "-"),
        ("section", "II"),
        ("heading", "1"),
        ("heading", "2"),
        ("heading", "3"),
    ]


def test_a_year_has_one_covenant(world):
    with pytest.raises(ValidationError):
        create_pledge(world.cluster_year)


def test_copy_from_last_year_keeps_the_text_and_refreshes_year_dates_and_signatories(world):
    last = world.pledge
    last.number = "05/GƯ-CTĐ"
    last.date = datetime.date(2024, 3, 20)
    last.legal_bases = "Căn cứ Luật Thi đua, khen thưởng năm 2022;\nCăn cứ Kế hoạch năm 2024;"
    last.goals = "Thực hiện phong trào thi đua năm 2024."
    last.save()
    Clause.objects.filter(pledge=last, text__startswith="100%").update(
        target_value=100, target_unit="%"
    )
    new_year, _notes = start_next_year(
        world.cluster_year, year=2025, leader=world.deputy, deputy=world.member
    )
    newcomer = Membership.objects.create(cluster_year=new_year, unit=world.free_unit, position=9)

    assert previous_pledge(new_year) == last
    copy = copy_pledge_from(last, to_cluster_year=new_year)

    assert copy.title == "Giao ước thi đua năm 2025"
    assert copy.goals == "Thực hiện phong trào thi đua năm 2025."
    # Legal bases are kept word for word, for the clerk to check against this year's laws.
    assert copy.legal_bases == last.legal_bases
    assert (copy.number, copy.date, copy.status) == ("", None, "draft")
    assert copy.clauses.count() == last.clauses.count()
    assert copy.clauses.get(text__startswith="100%").target_value == 100
    assert [s.unit for s in copy.signatories.order_by("position")] == [
        world.deputy,  # the new leader signs first
        world.member,
        world.leader,
        newcomer.unit,
    ]
    # Last year's covenant is untouched.
    assert last.signatories.count() == 3 and last.title.endswith("2024")


def test_sync_signatories_adds_new_members_removes_leavers_and_keeps_edits(world):
    pledge = world.pledge
    pledge.signatories.filter(unit=world.leader).update(signer_name="Ông A (đã sửa)")
    Membership.objects.create(cluster_year=world.cluster_year, unit=world.free_unit, position=4)
    world.cluster_year.memberships.filter(unit=world.member).delete()
    added, removed = sync_signatories(pledge)
    assert (added, removed) == (1, 1)
    units = [s.unit for s in pledge.signatories.order_by("position")]
    assert units == [world.leader, world.deputy, world.free_unit]
    assert pledge.signatories.get(unit=world.leader).signer_name == "Ông A (đã sửa)"


def test_insert_and_move_clauses(world):
    pledge = world.pledge
    first = pledge.clauses.order_by("position").first()
    added = insert_clause(Clause(pledge=pledge, kind="item", text="Ý mới"), after_pk=first.pk)
    ordered = list(pledge.clauses.order_by("position"))
    assert ordered[1] == added
    move_clause(added, up=True)
    assert list(pledge.clauses.order_by("position"))[0] == added
    move_clause(added, up=True)  # already first: nothing moves
    assert list(pledge.clauses.order_by("position"))[0] == added
    last = insert_clause(Clause(pledge=pledge, kind="numbered", text="Cuối"))
    assert list(pledge.clauses.order_by("position"))[-1] == last


def test_agency_members_sign_without_the_peoples_committee_line(world):
    agency = Unit.objects.create(
        authority=world.authority,
        name="Công an thành phố",
        kind=Unit.Kind.AGENCY,
        head_title="Trưởng Công an",
    )
    Membership.objects.create(cluster_year=world.cluster_year, unit=agency, position=5)
    sync_signatories(world.pledge)
    signatory = world.pledge.signatories.get(unit=agency)
    assert (signatory.unit_line, signatory.authority_line, signatory.signer_title) == (
        "CÔNG AN THÀNH PHỐ",
        "",
        "TRƯỞNG CÔNG AN",
    )


def test_copy_is_all_or_nothing(world, monkeypatch):
    new_year = ClusterYear.objects.create(cluster=world.cluster, year=2025)
    Membership.objects.create(cluster_year=new_year, unit=world.leader, role="leader")

    def broken(pledge):
        raise RuntimeError("injected failure after the clauses were copied")

    monkeypatch.setattr("pledges.services.sync_signatories", broken)
    with pytest.raises(RuntimeError):
        copy_pledge_from(world.pledge, to_cluster_year=new_year)
    assert not Clause.objects.filter(pledge__cluster_year=new_year).exists()
    assert covenant_status(ClusterYear.objects.get(pk=new_year.pk)) is None


def test_copy_moves_the_year_but_not_references_to_other_documents(world):
    last = world.pledge
    last.legal_bases = "Căn cứ Nghị quyết số 12/2024/NQ-HĐND ngày 10/01/2024;"
    last.goals = "Phấn đấu hoàn thành các chỉ tiêu năm 2024 theo Nghị quyết số 12/2024/NQ-HĐND."
    last.save()
    new_year = ClusterYear.objects.create(cluster=world.cluster, year=2025)
    Membership.objects.create(cluster_year=new_year, unit=world.leader, role="leader")
    copy = copy_pledge_from(last, to_cluster_year=new_year)
    assert copy.legal_bases == last.legal_bases
    assert copy.goals == (
        "Phấn đấu hoàn thành các chỉ tiêu năm 2025 theo Nghị quyết số 12/2024/NQ-HĐND."
    )


def test_a_vice_chair_signs_on_behalf_of_the_chair(world):
    world.cluster_year.memberships.filter(unit=world.member).update(
        representative_name="Lê Văn Phó", representative_title="Phó Chủ tịch UBND phường"
    )
    world.pledge.signatories.filter(unit=world.member).delete()
    sync_signatories(world.pledge)
    signatory = world.pledge.signatories.get(unit=world.member)
    assert signatory.authority_line == "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH"
    assert signatory.signer_title == "PHÓ CHỦ TỊCH"


def test_printed_names_are_kept_when_units_and_clusters_are_renamed(world):
    world.leader.name = "phường Đồng Liên (mới)"
    world.leader.save()
    world.cluster.name = "Cụm đổi tên"
    world.cluster.save()
    signatory = world.pledge.signatories.get(unit=world.leader)
    assert signatory.unit_name == "xã Đồng Liên"
    assert world.pledge.cluster_name == "Cụm thi đua các xã thành phố A"
