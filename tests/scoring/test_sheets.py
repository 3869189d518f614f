"""Self-scoring and review: values, caps, evidence, lost updates, statuses and who may do what."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from scoring import access, sheets
from scoring.models import Evidence, Score, ScoreSheet, StaleWrite
from scoring.totals import totals
from tests.scoring.conftest import score, sheet_of


def test_publishing_opens_a_sheet_per_member_with_a_score_per_leaf(round_, world):
    assert ScoreSheet.objects.filter(table=round_).count() == 3
    leaves = [n for n in round_.tree().rows if n.is_leaf]
    assert Score.objects.filter(sheet__unit=world.member).count() == len(leaves) == 34


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (Decimal("-1"), "Điểm không được âm."),
        (Decimal("3.5"), "Điểm không được vượt quá 3."),
        (Decimal("2.25"), "Điểm phải là bội số của 0,5 (ví dụ 2)."),
    ],
)
def test_values_outside_the_criterion_are_refused(round_, world, value, message):
    target = score(sheet_of(round_, world.member), "1.1")
    with pytest.raises(ValidationError) as error:
        sheets.save_self(target, value=value, note="", version=target.version)
    assert error.value.messages == [message]
    assert Score.objects.get(pk=target.pk).self_value is None


def test_items_are_scored_within_their_own_maximum_whatever_the_cap(round_, world):
    sheet = sheet_of(round_, world.member)
    for code, value in (("1", "2"), ("2", "2"), ("3", "1")):
        sheets.save_self(score(sheet, code, "bonus"), value=Decimal(value), note="", version=0)
    with pytest.raises(ValidationError):  # an item stays within its own maximum
        sheets.save_self(score(sheet, "3", "bonus"), value=Decimal("1.5"), note="", version=1)


def test_the_second_of_two_simultaneous_saves_is_refused_with_the_current_value(round_, world):
    sheet = sheet_of(round_, world.member)
    tab_one = score(sheet, "2", parent="I")
    tab_two = score(sheet, "2", parent="I")  # the same score open in a second tab
    sheets.save_self(tab_one, value=Decimal("4.5"), note="", version=tab_one.version)
    with pytest.raises(StaleWrite) as error:
        sheets.save_self(tab_two, value=Decimal("3"), note="", version=tab_two.version)
    assert "hiện là 4,5" in error.value.messages[0]
    assert Score.objects.get(pk=tab_one.pk).self_value == Decimal("4.5")


def fill(sheet, value_for=lambda c: c.max_points):
    for item in sheet.scores_in_order():
        if item.criterion.kind == "score":
            sheets.save_self(item, value=value_for(item.criterion), note="", version=item.version)


def test_submitting_needs_every_score_and_the_required_evidence(round_, world):
    sheet = sheet_of(round_, world.member)
    with pytest.raises(ValidationError) as error:
        sheet.submit(by=None)
    # Both at once (one round), each criterion by its full path.
    assert error.value.messages[0].startswith("Hãy nhập điểm (0 nếu không đạt) cho: I.1.1, ")
    assert error.value.messages[1].startswith("Hãy đính kèm minh chứng cho: I.1.1, ")
    fill(sheet)
    with pytest.raises(ValidationError) as error:
        sheet.submit(by=None)
    assert error.value.messages[0].startswith("Hãy đính kèm minh chứng cho: I.1.1")
    for item in sheet.scores_in_order():
        if item.criterion.evidence_required:
            Evidence.objects.create(
                score=item, original_name="a.pdf", content_type="application/pdf", size=4,
                file="evidence/x.pdf",
            )  # fmt: skip
    sheet.submit(by=None)
    assert ScoreSheet.objects.get(pk=sheet.pk).status == "submitted"


def test_totals_count_reviewed_values_caps_and_deductions(round_, world):
    sheet = sheet_of(round_, world.member)
    fill(sheet, lambda c: c.max_points)  # 100
    for code, kind, value in (("1", "bonus", "2"), ("2", "bonus", "2"), ("3", "deduction", "5"),
                              ("2", "deduction", "3")):  # fmt: skip
        sheets.save_self(score(sheet, code, kind), value=Decimal(value), note="", version=0)
    ScoreSheet.objects.filter(pk=sheet.pk).update(status="submitted")
    item = score(sheet, "1.1")
    sheets.save_review(item, value=Decimal("2"), reason="Chưa đạt xuất sắc", version=item.version)
    scores = sheet.scores_in_order()
    tree = round_.tree()
    own = totals(tree, scores, reviewed=False)
    effective = totals(tree, scores, reviewed=True)
    assert (own.score, own.bonus, own.deduction, own.total) == (100, 4, 8, 96)
    assert effective.score == 99 and effective.total == 95
    section_one = tree.roots[0].criterion.pk
    assert own.sections[section_one] == 15 and effective.sections[section_one] == 14


def test_a_different_reviewed_value_needs_a_reason_and_is_in_the_history(round_, world):
    sheet = sheet_of(round_, world.member)
    item = score(sheet, "2", parent="I")
    item = sheets.save_self(item, value=Decimal("5"), note="Đủ kỳ họp", version=item.version)
    ScoreSheet.objects.filter(pk=sheet.pk).update(status="submitted")
    with pytest.raises(ValidationError) as error:
        sheets.save_review(item, value=Decimal("4"), reason=" ", version=item.version)
    assert error.value.messages == ["Hãy ghi lý do điểm thẩm định khác điểm tự chấm."]
    sheets.save_review(item, value=Decimal("4"), reason="Thiếu 1 phiên họp", version=item.version)
    records = list(item.history.order_by("history_date"))
    assert [r.reviewed_value for r in records][-1] == Decimal("4")
    assert records[-1].history_change_reason == "Thiếu 1 phiên họp"


def test_returning_needs_a_reason_and_reopens_the_sheet(round_, world, django_user_model):
    sheet = sheet_of(round_, world.member)
    ScoreSheet.objects.filter(pk=sheet.pk).update(status="submitted")
    reviewer = world.users["leader_clerk"]
    with pytest.raises(ValidationError):
        sheet.return_to_unit(reason="", by=reviewer)
    sheet.return_to_unit(reason="Thiếu minh chứng mục 3.1", by=reviewer)
    sheet.refresh_from_db()
    assert sheet.status == "returned" and sheet.is_open_for_unit
    assert sheet.history.first().history_change_reason == "Thiếu minh chứng mục 3.1"


def rights(world, persona, sheet):
    return access.sheet_rights(world.users[persona], sheet)


def test_who_may_enter_and_review(round_, world):
    member = sheet_of(round_, world.member)
    leader = sheet_of(round_, world.leader)
    assert rights(world, "member_clerk", member).can_enter
    assert not rights(world, "leader_clerk", member).can_enter  # not the leader's sheet
    assert rights(world, "staff", member).can_enter  # staff may score for a unit
    assert not rights(world, "viewer", member).can_enter
    ScoreSheet.objects.filter(pk__in=[member.pk, leader.pk]).update(status="submitted")
    member.refresh_from_db()
    leader.refresh_from_db()
    assert not rights(world, "member_clerk", member).can_enter  # read-only once submitted
    assert rights(world, "leader_clerk", member).can_review
    assert not rights(world, "member_clerk", member).can_review
    # Conflict of interest: the leader's own sheet is reviewed by the deputy or staff.
    leader_rights = rights(world, "leader_clerk", leader)
    assert not leader_rights.can_review
    assert "không tự thẩm định" in leader_rights.review_blocked
    deputy = access.sheet_rights(
        __import__("tests.conftest", fromlist=["make_user"]).make_user(
            "deputy_clerk", role="clerk", unit=world.deputy
        ),
        leader,
    )
    assert deputy.can_review
    assert rights(world, "staff", leader).can_review


def test_deadlines_close_editing_and_staff_extend_them(round_, world):
    member = sheet_of(round_, world.member)
    world.cluster_year.self_score_deadline = datetime.date.today() - datetime.timedelta(days=1)
    world.cluster_year.save()
    member = ScoreSheet.objects.select_related("table__cluster_year").get(pk=member.pk)
    blocked = rights(world, "member_clerk", member)
    assert not blocked.can_enter and blocked.enter_blocked == "Đã hết hạn tự chấm điểm."
    later = datetime.date.today() + datetime.timedelta(days=5)
    sheets.extend_deadlines(world.cluster_year, self_score=later, review=later,
                            reason="Gia hạn do lũ lụt")  # fmt: skip
    member = ScoreSheet.objects.select_related("table__cluster_year").get(pk=member.pk)
    assert rights(world, "member_clerk", member).can_enter
    assert world.cluster_year.history.first().history_change_reason == "Gia hạn do lũ lụt"


def test_a_closed_table_freezes_the_sheets(round_, world):
    round_.close(reason="Chốt")
    member = ScoreSheet.objects.select_related("table__cluster_year").get(
        table=round_, unit=world.member
    )
    member_rights = rights(world, "member_clerk", member)
    assert not member_rights.can_enter and not member_rights.can_review


def test_clerks_see_only_their_own_sheet_the_leader_sees_all(round_, world):
    cluster_year = world.cluster_year
    own = access.visible_sheets(world.users["member_clerk"], cluster_year)
    assert set(own.values_list("unit", flat=True)) == {world.member.pk}
    assert access.visible_sheets(world.users["leader_clerk"], cluster_year).count() == 3
    assert access.visible_sheets(world.users["viewer"], cluster_year).count() == 3


def test_the_services_recheck_the_sheet_where_they_write(round_, world):
    """Views check the rights, but a stale page or a direct call must not slip through."""
    from scoring.models import SheetLocked

    sheet = sheet_of(round_, world.member)
    ScoreSheet.objects.filter(pk=sheet.pk).update(status="submitted")
    target = score(sheet, "1.1")
    with pytest.raises(SheetLocked):
        sheets.save_self(target, value=Decimal("1"), note="", version=target.version)
    ScoreSheet.objects.filter(pk=sheet.pk).update(status="reviewed")
    with pytest.raises(SheetLocked):
        sheets.save_review(target, value=Decimal("1"), reason="x", version=target.version)
    round_.close(reason="Chốt")
    ScoreSheet.objects.filter(pk=sheet.pk).update(status="draft")
    with pytest.raises(SheetLocked):
        sheets.save_self(target, value=Decimal("1"), note="", version=target.version)
    assert Score.objects.get(pk=target.pk).self_value is None


@pytest.fixture
def two_bonus_sections(world):
    """A published table whose two bonus sections (3 + 3) exceed the bonus cap of 5."""
    from scoring.models import Criterion
    from scoring.services import create_table

    world.table.delete()
    table = create_table(world.cluster_year)
    Criterion.objects.create(table=table, code="I", text="Điểm", max_points=100, position=1)
    for position, code in ((2, "VI"), (3, "VII")):
        Criterion.objects.create(table=table, code=code, text="Thưởng", kind="bonus",
                                 max_points=3, step=1, position=position)  # fmt: skip
    world.cluster_year.self_score_deadline = datetime.date.today() + datetime.timedelta(days=9)
    world.cluster_year.review_deadline = datetime.date.today() + datetime.timedelta(days=9)
    world.cluster_year.save()
    sheets.publish_table(table)
    return table


def test_bonus_over_the_cap_is_accepted_and_counts_the_cap_in_both_columns(
    two_bonus_sections, world
):
    sheet = sheet_of(two_bonus_sections, world.member)
    first, second = score(sheet, "VI", "bonus"), score(sheet, "VII", "bonus")
    sheets.save_self(first, value=Decimal("3"), note="", version=0)
    sheets.save_self(second, value=Decimal("3"), note="", version=0)
    ScoreSheet.objects.filter(pk=sheet.pk).update(status="submitted")
    second = score(sheet, "VII", "bonus")
    sheets.save_review(second, value=Decimal("2"), reason="Một mô hình chưa đủ", version=1)
    tree = two_bonus_sections.tree()
    own = totals(tree, sheet.scores_in_order(), reviewed=False)
    effective = totals(tree, sheet.scores_in_order(), reviewed=True)
    assert (own.bonus_earned, own.bonus) == (Decimal("6"), Decimal("5"))  # 3 + 3, cap 5
    assert (effective.bonus_earned, effective.bonus) == (Decimal("5"), Decimal("5"))


def test_deadlines_end_at_midnight_in_vietnam_not_utc(round_, world):
    from django.utils import timezone

    from scoring.models import deadline_passed

    day = datetime.date(2024, 11, 15)
    just_before = timezone.make_aware(datetime.datetime(2024, 11, 15, 23, 59))  # Hanoi time
    just_after = timezone.make_aware(datetime.datetime(2024, 11, 16, 0, 1))
    assert not deadline_passed(day, now=just_before)
    assert deadline_passed(day, now=just_after)
    # 16:59 UTC on the 15th is 23:59 in Hanoi: still open.
    assert not deadline_passed(
        day, now=datetime.datetime(2024, 11, 15, 16, 59, tzinfo=datetime.UTC)
    )


def test_a_returned_sheet_can_be_corrected_after_the_self_scoring_deadline(round_, world):
    sheet = sheet_of(round_, world.member)
    ScoreSheet.objects.filter(pk=sheet.pk).update(status="submitted")
    sheet.return_to_unit(reason="Thiếu căn cứ", by=world.users["leader_clerk"])
    world.cluster_year.self_score_deadline = datetime.date.today() - datetime.timedelta(days=1)
    world.cluster_year.save()
    sheet = ScoreSheet.objects.select_related("table__cluster_year").get(pk=sheet.pk)
    assert rights(world, "member_clerk", sheet).can_enter  # until the review deadline
    target = score(sheet, "1.1")
    sheets.save_self(target, value=Decimal("2"), note="Bổ sung", version=target.version)


def test_a_reviewed_sheet_is_final(round_, world):
    sheet = sheet_of(round_, world.member)
    ScoreSheet.objects.filter(pk=sheet.pk).update(status="submitted")
    sheet.mark_reviewed(by=world.users["leader_clerk"])
    sheet = ScoreSheet.objects.select_related("table__cluster_year").get(pk=sheet.pk)
    leader = rights(world, "leader_clerk", sheet)
    assert not leader.can_review and "thẩm định xong" in leader.review_blocked
    with pytest.raises(ValidationError):
        sheet.return_to_unit(reason="Đổi ý", by=world.users["leader_clerk"])


def test_a_deputy_clerk_sees_only_the_leaders_sheet_and_its_own(round_, world):
    from tests.conftest import make_user

    deputy_clerk = make_user("deputy_clerk", role="clerk", unit=world.deputy)
    visible = access.visible_sheets(deputy_clerk, world.cluster_year)
    assert set(visible.values_list("unit", flat=True)) == {world.leader.pk, world.deputy.pk}


def test_unchanged_is_judged_under_the_lock_not_on_the_callers_old_copy(round_, world):
    """Whether a save changes anything is decided on the locked row: a change needs the current
    version, and a value already there is no change whatever version the form carried."""
    sheet = sheet_of(round_, world.member)
    seen_by_a = score(sheet, "1.1")  # A reads the row: empty, version 0
    first = sheets.save_self(seen_by_a, value=Decimal("2"), note="", version=0)  # A saves 2
    assert first.changed and first.version == 1
    old_copy = Score.objects.get(pk=seen_by_a.pk)  # B's request has read 2 (version 1) …
    sheets.save_self(first, value=Decimal("1"), note="", version=1)  # … when C saves 1
    # B posts 2 with version 1: its copy says 2 is already there, but the score now holds 1.
    with pytest.raises(StaleWrite):
        sheets.save_self(old_copy, value=Decimal("2"), note="", version=1)
    assert Score.objects.get(pk=seen_by_a.pk).self_value == Decimal("1")

    # A value already there is no change, whatever version the form carried: no error, no bump.
    again = sheets.save_self(old_copy, value=Decimal("1"), note="", version=0)
    assert not again.changed and again.version == 2


def test_each_transition_records_who_did_it_and_why(round_, world):
    clerk, reviewer = world.users["member_clerk"], world.users["leader_clerk"]
    sheet = sheet_of(round_, world.member)
    fill(sheet)
    for item in sheet.scores_in_order():
        if item.criterion.evidence_required:
            Evidence.objects.create(
                score=item,
                original_name="a.pdf",
                size=4,
                content_type="application/pdf",
                file="evidence/x.pdf",
            )
    sheet.submit(by=clerk)
    assert sheet.status == ScoreSheet.Status.SUBMITTED  # the object itself is refreshed
    sheet.return_to_unit(reason="Thiếu căn cứ", by=reviewer)
    sheet.submit(by=clerk)
    sheet.mark_reviewed(by=reviewer)
    records = list(sheet.history.order_by("history_date", "history_id"))[-4:]
    assert [(r.status, r.history_user, r.history_change_reason) for r in records] == [
        ("submitted", clerk, None),
        ("returned", reviewer, "Thiếu căn cứ"),
        ("submitted", clerk, None),
        ("reviewed", reviewer, None),
    ]
    with pytest.raises(ValidationError):
        sheet.submit(by=clerk)  # refused by the model itself, whatever view asks


def test_evidence_changes_take_the_sheets_lock_and_its_checks(round_, world):
    """The view's rights were read before; the sheet was submitted since (another tab, the
    other clerk): the file is neither attached nor removed, so a submitted sheet keeps the
    evidence it was submitted with."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from scoring.models import SheetLocked

    sheet = sheet_of(round_, world.member)
    item = score(sheet, "1.1")
    kept = sheets.attach_evidence(
        item, upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4"), content_type="application/pdf",
        by=world.users["member_clerk"], limit=10,
    )  # fmt: skip
    assert kept.history.first().history_user == world.users["member_clerk"]
    with pytest.raises(ValidationError, match="tối đa 1"):
        sheets.attach_evidence(item, upload=SimpleUploadedFile("b.pdf", b"%PDF-1.4"),
                               content_type="application/pdf", by=None, limit=1)  # fmt: skip
    ScoreSheet.objects.filter(pk=sheet.pk).update(status=ScoreSheet.Status.SUBMITTED)
    with pytest.raises(SheetLocked):
        sheets.attach_evidence(item, upload=SimpleUploadedFile("c.pdf", b"%PDF-1.4"),
                               content_type="application/pdf", by=None, limit=10)  # fmt: skip
    with pytest.raises(SheetLocked):
        sheets.remove_evidence(kept, by=None)
    assert list(Evidence.objects.filter(score=item)) == [kept]
