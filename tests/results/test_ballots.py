"""The award vote: counts that cannot be, thresholds, seats and a tie at the last seat."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from clusters.models import Unit
from results.models import Ballot, BallotCount


def ballot(world, **fields) -> Ballot:
    defaults = {"award": "Cờ thi đua của UBND tỉnh", "seats": 1, "voters_present": 11,
                "ballots_issued": 11, "valid_ballots": 10}  # fmt: skip
    defaults.update(fields)
    return Ballot.objects.create(table=world.table, **defaults)


def counts(b: Ballot, votes: list[int]) -> list[BallotCount]:
    units = list(Unit.objects.filter(authority=b.table.cluster_year.cluster.authority))
    while len(units) < len(votes):
        units.append(Unit.objects.create(authority=units[0].authority, name=f"xã {len(units)}"))
    return [
        BallotCount.objects.create(ballot=b, unit=unit, votes=v, position=i)
        for i, (unit, v) in enumerate(zip(units, votes, strict=False))
    ]


def names(items) -> list[int]:
    return [c.votes for c in items]


def test_more_than_half_of_valid_ballots(world):
    b = ballot(world)  # 10 valid: more than 5 needed
    outcome = b.outcome(counts(b, [6, 5, 9]))
    assert names(outcome.elected) == [9] and not outcome.needs_revote
    assert names(outcome.qualified) == [9, 6]


def test_threshold_not_met_elects_nobody(world):
    b = ballot(world)
    outcome = b.outcome(counts(b, [5, 4, 1]))
    assert outcome.elected == [] and outcome.qualified == []


def test_at_least_a_percentage_of_voters_present(world):
    b = ballot(world, threshold_strict=False, threshold_percent=Decimal("60"),
               threshold_basis="present")  # fmt: skip
    # 11 present: 60% is 6,6 votes, so 7 are needed
    outcome = b.outcome(counts(b, [7, 6]))
    assert names(outcome.elected) == [7]


def test_more_qualified_than_seats(world):
    b = ballot(world, award="Bằng khen", seats=2)
    outcome = b.outcome(counts(b, [8, 9, 7, 6]))
    assert names(outcome.elected) == [9, 8]
    assert names(outcome.qualified) == [9, 8, 7, 6]


def test_a_tie_at_the_last_seat_needs_a_revote(world):
    b = ballot(world, seats=2)
    outcome = b.outcome(counts(b, [9, 7, 7, 3]))
    assert names(outcome.elected) == [9]
    assert names(outcome.tied) == [7, 7] and outcome.needs_revote


def test_a_tie_that_fits_the_seats_is_no_tie(world):
    b = ballot(world, seats=2)
    outcome = b.outcome(counts(b, [8, 8, 2]))
    assert names(outcome.elected) == [8, 8] and not outcome.needs_revote


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"ballots_issued": 12}, "ballots_issued"),  # more than the 11 present
        ({"valid_ballots": 12, "ballots_issued": 11}, "valid_ballots"),
    ],
)
def test_impossible_totals_are_refused(world, fields, field):
    b = Ballot(table=world.table, award="Cờ", voters_present=11, ballots_issued=11,
               valid_ballots=10)  # fmt: skip
    for name, value in fields.items():
        setattr(b, name, value)
    with pytest.raises(ValidationError) as error:
        b.full_clean()
    assert field in error.value.message_dict


def test_impossible_counts_are_refused(world):
    b = ballot(world, seats=2, form="limited")  # 10 valid ballots, 2 names each: 20 votes
    assert b.check_counts([11]) == ["Không ứng viên nào được nhiều phiếu hơn số phiếu hợp lệ."]
    assert b.check_counts([10, 10, 1]) == [
        "Với phiếu bầu hạn chế, tổng số phiếu bầu tối đa là 20 (số phiếu hợp lệ × số suất)."
    ]
    approval = ballot(world, seats=2)  # approval ballots: each candidate up to 10
    assert approval.check_counts([10, 10, 10]) == []


def test_the_leader_clerk_records_a_vote_and_the_outcome_is_computed(client_as, world):
    from django.urls import reverse

    from scoring.sheets import publish_table

    publish_table(world.table)
    client = client_as("leader_clerk")
    url = reverse("results:ballot_create", args=[world.cluster_year.pk])
    award = "Cờ thi đua của Ủy ban nhân dân tỉnh"
    proposed = client.get(url, {"award": award})  # the nominees first: the top-ranked proposed
    assert proposed.context["proposed"] == {
        u.pk for u in (world.leader, world.deputy, world.member)
    }
    assert not Ballot.objects.exists()  # reading the proposal writes nothing
    units = [world.leader.pk, world.deputy.pk, world.member.pk]
    response = client.post(url, {"award": award, "nominees": "1", "nominee": units})
    b = Ballot.objects.get()
    assert response["Location"] == reverse("results:ballot_detail", args=[b.pk])
    assert b.counts.count() == 3 and b.threshold_percent == 50
    data = {"form": "approval", "voters_present": 3, "ballots_issued": 3, "valid_ballots": 3}
    counts = list(b.counts.order_by("position"))
    bad = client.post(reverse("results:ballot_detail", args=[b.pk]),
                      {**data, **{f"votes-{c.pk}": 4 for c in counts}})  # fmt: skip
    assert "Không ứng viên nào được nhiều phiếu hơn số phiếu hợp lệ." in bad.content.decode()
    assert sum(BallotCount.objects.values_list("votes", flat=True)) == 0  # nothing half-saved
    votes = dict(zip([c.pk for c in counts], [3, 1, 2], strict=True))
    client.post(reverse("results:ballot_detail", args=[b.pk]),
                {**data, **{f"votes-{pk}": v for pk, v in votes.items()}})  # fmt: skip
    page = client_as("viewer").get(reverse("results:ballot_detail", args=[b.pk])).content.decode()
    assert "Trúng cử" in page and f"{counts[0].unit.name} (3)" in page
    assert (
        client_as("viewer").post(reverse("results:ballot_detail", args=[b.pk]), data).status_code
        == 403
    )


def _counted_ballot(client_as, world, votes: list[int], seats: int = 1) -> Ballot:
    from scoring.sheets import publish_table

    publish_table(world.table)
    ballot = Ballot.objects.create(
        table=world.table, award="Cờ thi đua", seats=seats,
        voters_present=10, ballots_issued=10, valid_ballots=10,
    )  # fmt: skip
    units = (world.leader, world.deputy, world.member)
    for position, (unit, count) in enumerate(zip(units, votes, strict=True), start=1):
        BallotCount.objects.create(ballot=ballot, unit=unit, position=position, votes=count)
    return ballot


def test_the_organiser_chooses_the_nominees_and_only_they_are_candidates(client_as, world):
    from django.urls import reverse

    from scoring.sheets import publish_table

    publish_table(world.table)
    client = client_as("staff")
    url = reverse("results:ballot_create", args=[world.cluster_year.pk])
    award = "Cờ thi đua của Ủy ban nhân dân tỉnh"
    too_few = client.post(url, {"award": award, "nominees": "1"})
    assert "Hãy chọn ít nhất 1 đơn vị được đề cử" in too_few.content.decode()
    forged = client.post(url, {"award": award, "nominees": "1", "nominee": [world.other_unit.pk]})
    assert forged.status_code == 404
    client.post(url, {"award": award, "nominees": "1", "nominee": [world.member.pk]})
    assert list(Ballot.objects.get().counts.values_list("unit", flat=True)) == [world.member.pk]


def test_a_closed_ballot_is_frozen_and_a_tie_offers_a_revote_among_the_tied(client_as, world):
    from django.urls import reverse

    from results.models import BallotClosed

    ballot = _counted_ballot(client_as, world, [7, 7, 2])  # two tied at the only seat
    client = client_as("leader_clerk")
    page = client.get(reverse("results:ballot_detail", args=[ballot.pk])).content.decode()
    assert "Không ai đạt ngưỡng." not in page  # both passed the threshold: a tie, not nobody
    close = reverse("results:ballot_close", args=[ballot.pk])
    asked = client.post(close).content.decode()
    assert "không thể thay đổi" in asked and Ballot.objects.get().is_open
    client.post(close, {"confirmed": "1"})
    ballot.refresh_from_db()
    assert not ballot.is_open
    with pytest.raises(BallotClosed):
        BallotCount.objects.filter(ballot=ballot).update(votes=9)
    count = ballot.counts.first()
    count.votes = 9
    with pytest.raises(BallotClosed):
        count.save()
    counts = {f"votes-{c.pk}": 1 for c in ballot.counts.all()}
    data = {"form": "approval", "voters_present": 10, "ballots_issued": 10, "valid_ballots": 10}
    assert client.post(reverse("results:ballot_detail", args=[ballot.pk]),
                       {**data, **counts}).status_code == 403  # fmt: skip
    page = client.get(reverse("results:ballot_detail", args=[ballot.pk])).content.decode()
    assert "Mở bầu lại giữa các đơn vị bằng phiếu" in page
    response = client.post(reverse("results:ballot_revote", args=[ballot.pk]))
    revote = Ballot.objects.get(revote_of=ballot)
    assert response["Location"] == reverse("results:ballot_detail", args=[revote.pk])
    assert revote.seats == 1 and revote.is_open
    assert set(revote.counts.values_list("unit", flat=True)) == {world.leader.pk, world.deputy.pk}
    client.post(reverse("results:ballot_revote", args=[ballot.pk]))  # only one revote
    assert Ballot.objects.filter(revote_of=ballot).count() == 1


def test_results_cannot_be_finalised_while_a_ballot_is_open(client_as, world):
    from django.urls import reverse

    ballot = _counted_ballot(client_as, world, [7, 2, 1])
    url = reverse("results:results_status", args=[world.cluster_year.pk])
    client = client_as("staff")
    response = client.post(url, {"action": "finalise", "confirmed": "1", "unsubmitted": "count"},
                           follow=True)  # fmt: skip
    assert "Hãy đóng các phiếu bầu đang mở trước khi chốt kết quả: Cờ thi đua." in (
        response.content.decode()
    )
    world.table.refresh_from_db()
    assert not world.table.is_closed
    htmx = client.post(url, {"action": "finalise"}, HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == reverse("results:results", args=[world.cluster_year.pk])
    ballot.close(by=None)
    asked = client.post(url, {"action": "finalise"}, HTTP_HX_REQUEST="true")
    assert asked.content.decode().lstrip().startswith("<dialog")


def test_saving_the_counts_keeps_who_saved_each_in_the_history(client_as, world):
    from django.urls import reverse

    ballot = _counted_ballot(client_as, world, [0, 0, 0])
    counts = list(ballot.counts.order_by("position"))
    data = {"form": "approval", "voters_present": 10, "ballots_issued": 10, "valid_ballots": 10,
            **{f"votes-{c.pk}": v for c, v in zip(counts, (6, 3, 1), strict=True)}}  # fmt: skip
    client_as("leader_clerk").post(reverse("results:ballot_detail", args=[ballot.pk]), data)
    assert list(ballot.counts.order_by("position").values_list("votes", flat=True)) == [6, 3, 1]
    record = counts[0].history.first()
    assert (record.votes, record.history_user) == (6, world.users["leader_clerk"])
