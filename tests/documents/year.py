"""A year with something in every document, for the tests of the printed documents and of the
year's bundle: the world's covenant dated and numbered with its conference, the demo table
published with every member's sheet filled in, and a closed ballot."""

from __future__ import annotations

import datetime
from decimal import Decimal

from pledges.models import Attendee
from results.models import Ballot, BallotCount
from scoring.demo import build_table
from scoring.models import Score, ScoringTable


def full_year(world) -> ScoringTable:
    pledge = world.pledge
    pledge.number = "01/GƯ-CTĐ"
    pledge.place = "Thái Nguyên"
    pledge.date = datetime.date(2024, 3, 20)
    pledge.save()
    ceremony = world.attendee.ceremony
    for position, unit in enumerate((world.leader, world.deputy, world.member), start=1):
        Attendee.objects.create(
            ceremony=ceremony, kind=Attendee.Kind.DELEGATE, unit=unit, position=position,
            name=f"Đại biểu {unit.name}", title="Chủ tịch UBND",
        )  # fmt: skip
    world.table.delete()
    table = build_table(world.cluster_year)
    # Every unit scores every item at its maximum, less a little for all but the leader, so the
    # ranking is the leader, then the deputy, then the member.
    less = {world.leader.pk: Decimal(0), world.deputy.pk: Decimal("0.5"), world.member.pk: 1}
    scores = list(
        Score.objects.filter(sheet__table=table, criterion__kind="score").select_related(
            "criterion", "sheet"
        )
    )
    for score in scores:
        score.self_value = max(score.criterion.max_points - less[score.sheet.unit_id], 0)
    Score.objects.bulk_update(scores, ["self_value"])
    ballot = Ballot.objects.create(
        table=table, award="Cờ thi đua của UBND tỉnh", seats=1, voters_present=3,
        ballots_issued=3, valid_ballots=3, held_on=datetime.date(2024, 12, 10),
    )  # fmt: skip
    for position, (unit, votes) in enumerate(((world.leader, 3), (world.deputy, 0))):
        BallotCount.objects.create(ballot=ballot, unit=unit, votes=votes, position=position)
    return table
