"""A year whose results are final is immutable in every app, in the model layer and in the
views, until staff reopen the results with a reason; and no page that reads a year writes."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clusters.models import ClusterYear, Membership, Unit, YearFrozen
from results.models import Ballot, BallotCount
from scoring.models import ScoreSheet
from scoring.sheets import publish_table


@pytest.fixture
def final(world):
    """The world's year, published, with a ballot, then finalised."""
    world.cluster_year.self_score_deadline = datetime.date.today() + datetime.timedelta(days=5)
    world.cluster_year.review_deadline = datetime.date.today() + datetime.timedelta(days=9)
    world.cluster_year.save()
    publish_table(world.table)
    ballot = Ballot.objects.create(table=world.table, award="Cờ thi đua")
    BallotCount.objects.create(ballot=ballot, unit=world.member, votes=2)
    world.table.close(reason="Chốt kết quả")
    return ballot


def test_the_model_layer_refuses_every_change_of_a_final_year(final, world):
    year = ClusterYear.objects.get(pk=world.cluster_year.pk)
    with pytest.raises(YearFrozen, match="đã chốt"):
        Membership.objects.create(cluster_year=year, unit=world.free_unit, position=9)
    with pytest.raises(YearFrozen):
        world.leader_membership.delete()
    with pytest.raises(YearFrozen):
        Membership.objects.filter(cluster_year=year).delete()
    with pytest.raises(YearFrozen):
        Membership.objects.filter(cluster_year=year).update(position=1)
    year.notes = "sửa"
    with pytest.raises(YearFrozen):
        year.save()
    with pytest.raises(YearFrozen):
        Ballot.objects.create(table=world.table, award="Bằng khen")
    with pytest.raises(YearFrozen):
        final.counts.update(votes=9)
    count = final.counts.get()
    count.votes = 9
    with pytest.raises(YearFrozen):
        count.save()
    sheet = ScoreSheet.objects.get(table=world.table, unit=world.member)
    with pytest.raises(ValidationError, match="chưa mở để chấm"):
        sheet.submit(by=world.users["member_clerk"])
    assert Membership.objects.filter(cluster_year=year).count() == 3
    assert BallotCount.objects.get().votes == 2


WRITES = [
    ("post", "clusters:membership_add", lambda w: [w.cluster_year.pk],
     lambda w: {"unit": w.free_unit.pk, "role": "member", "position": 9}),
    ("get", "clusters:membership_add", lambda w: [w.cluster_year.pk], None),
    ("post", "clusters:membership_delete", lambda w: [w.leader_membership.pk], {}),
    ("get", "clusters:cluster_year_settings", lambda w: [w.cluster_year.pk], None),
    ("post", "scoring:deadlines", lambda w: [w.cluster_year.pk],
     {"self_score_deadline": "01/01/2030", "review_deadline": "02/01/2030", "reason": "x"}),
    ("post", "results:ballot_create", lambda w: [w.cluster_year.pk], {"award": "Cờ thi đua"}),
    ("get", "results:ballot_create", lambda w: [w.cluster_year.pk], None),
]  # fmt: skip


@pytest.mark.parametrize(("method", "name", "args", "data"), WRITES)
def test_write_routes_refuse_a_final_year_with_the_reason(client_as, final, world, method, name,
                                                          args, data):  # fmt: skip
    client = client_as("staff")
    url = reverse(name, args=args(world))
    payload = data(world) if callable(data) else data
    response = client.post(url, payload) if method == "post" else client.get(url)
    assert response.status_code == 403
    assert "đã chốt" in response.content.decode()
    assert Membership.objects.filter(cluster_year=world.cluster_year).count() == 3
    assert Ballot.objects.count() == 1


def test_the_ballot_of_a_final_year_shows_no_form_and_refuses_counts(client_as, final, world):
    client = client_as("staff")
    url = reverse("results:ballot_detail", args=[final.pk])
    assert 'name="voters_present"' not in client.get(url).content.decode()
    data = {"form": "approval", "voters_present": 3, "ballots_issued": 3, "valid_ballots": 3,
            f"votes-{final.counts.get().pk}": 3}  # fmt: skip
    assert client.post(url, data).status_code == 403
    assert BallotCount.objects.get().votes == 2


def test_the_year_page_says_it_is_final_and_offers_no_change(client_as, final, world):
    page = (
        client_as("staff")
        .get(reverse("clusters:cluster_year_detail", args=[world.cluster_year.pk]))
        .content.decode()
    )
    assert 'data-testid="year-frozen"' in page
    assert reverse("clusters:membership_add", args=[world.cluster_year.pk]) not in page
    assert reverse("clusters:cluster_year_next", args=[world.cluster_year.pk]) in page


def test_reopening_with_a_reason_lets_the_year_change_again(client_as, final, world):
    world.table.reopen(reason="Sai sót điểm của một đơn vị")
    Membership.objects.create(cluster_year=world.cluster_year, unit=world.free_unit, position=9)
    # The new member gets its sheet from the act of joining, not from a page.
    assert ScoreSheet.objects.filter(table=world.table, unit=world.free_unit).exists()


def test_reading_the_sheets_page_creates_nothing(client_as, world):
    publish_table(world.table)
    ScoreSheet.objects.filter(table=world.table, unit=world.member).delete()
    response = client_as("staff").get(reverse("scoring:sheet_list", args=[world.cluster_year.pk]))
    assert response.status_code == 200
    assert not ScoreSheet.objects.filter(table=world.table, unit=world.member).exists()


def test_a_unit_that_joins_a_published_year_gets_its_sheet_at_once(world):
    publish_table(world.table)
    unit = Unit.objects.create(authority=world.authority, name="xã Mới Vào")
    Membership.objects.create(cluster_year=world.cluster_year, unit=unit, position=9)
    sheet = ScoreSheet.objects.get(table=world.table, unit=unit)
    assert sheet.scores.count() == world.table.criteria.filter(children__isnull=True).count()


def test_the_scores_sheets_evidence_and_table_of_a_final_year_refuse_every_write(
    client_as, final, world
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from scoring.models import Criterion, Evidence, Score

    sheet = ScoreSheet.objects.get(table=world.table, unit=world.member)
    score = Score.objects.filter(sheet=sheet).first()
    criterion = Criterion.objects.filter(table=world.table).last()
    staff = client_as("staff")
    clerk = client_as("member_clerk")
    attempts = [
        (clerk, "scoring:score_save", [score.pk],
         {f"version-{score.pk}": 0, f"self-{score.pk}": "1"}),
        (clerk, "scoring:evidence_upload", [score.pk],
         {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4")}),
        (clerk, "scoring:sheet_action", [sheet.pk], {"action": "submit", "confirmed": "1"}),
        (staff, "scoring:sheet_action", [sheet.pk], {"action": "reviewed", "confirmed": "1"}),
        (staff, "scoring:criterion_action", [criterion.pk], {"action": "up"}),
        (staff, "scoring:table_settings", [world.cluster_year.pk], {"title": "Đổi"}),
        (staff, "results:ballot_close", [final.pk], {"confirmed": "1"}),
    ]  # fmt: skip
    for client, name, args, data in attempts:
        response = client.post(reverse(name, args=args), data)
        assert response.status_code in (302, 403), name
    assert Score.objects.get(pk=score.pk).self_value is None
    assert not Evidence.objects.exists()
    assert ScoreSheet.objects.get(pk=sheet.pk).status == "draft"
    world.table.refresh_from_db()
    assert world.table.title != "Đổi" and world.table.is_closed
    assert Ballot.objects.get(pk=final.pk).is_open  # opened before the year was final


def test_a_membership_moved_to_another_unit_opens_that_units_sheet(world):
    publish_table(world.table)
    membership = Membership.objects.get(cluster_year=world.cluster_year, unit=world.member)
    membership.unit = world.free_unit  # e.g. the successor after a merger
    membership.save()
    assert ScoreSheet.objects.filter(table=world.table, unit=world.free_unit).exists()


def test_a_review_cannot_be_reopened_once_its_deadline_has_passed(client_as, world):
    from scoring.access import get_sheet_for_user

    world.cluster_year.review_deadline = datetime.date.today() + datetime.timedelta(days=9)
    world.cluster_year.save()
    publish_table(world.table)
    sheet = ScoreSheet.objects.get(table=world.table, unit=world.member)
    ScoreSheet.objects.filter(pk=sheet.pk).update(status="reviewed")
    _sheet, rights = get_sheet_for_user(world.users["leader_clerk"], sheet.pk)
    assert rights.can_reopen
    ClusterYear.objects.filter(pk=world.cluster_year.pk).update(
        review_deadline=datetime.date.today() - datetime.timedelta(days=1)
    )
    _sheet, rights = get_sheet_for_user(world.users["leader_clerk"], sheet.pk)
    assert not rights.can_reopen  # staff extend the deadlines first
