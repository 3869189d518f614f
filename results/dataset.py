"""Award votes for `manage.py generate_dataset` (see core/synthetic.py): every closed year (all
but the last) gets a ballot for its first award, with counts for its first five members."""

from __future__ import annotations

import datetime

from clusters.models import Membership
from core.synthetic import DatasetRun
from scoring.models import ScoringTable

from .models import Ballot, BallotCount


def generate(run: DatasetRun) -> None:
    cluster_years, rng, stdout = run.cluster_years, run.rng, run.stdout
    if not cluster_years:
        return
    last = max(cy.year for cy in cluster_years)
    table_of = {
        table.cluster_year_id: table
        for table in ScoringTable.objects.filter(cluster_year__in=cluster_years)
    }
    members_of: dict[int, list[int]] = {cy.pk: [] for cy in cluster_years}
    for cy_id, unit_id in (
        Membership.objects.filter(cluster_year__in=cluster_years)
        .order_by("cluster_year", "position")
        .values_list("cluster_year_id", "unit_id")
    ):
        members_of[cy_id].append(unit_id)
    ballots, counts = [], []
    for cy in cluster_years:
        if cy.year == last or cy.pk not in table_of:
            continue
        voters = len(members_of[cy.pk])
        ballot = Ballot(
            table=table_of[cy.pk],
            award=(cy.awards or [{"name": "Cờ thi đua"}])[0]["name"],
            seats=1,
            held_on=datetime.date(cy.year, 12, 28),
            voters_present=voters,
            ballots_issued=voters,
            valid_ballots=voters,
            status=Ballot.Status.CLOSED,
        )  # held and closed before the year closed
        ballots.append(ballot)
        for position, unit_id in enumerate(members_of[cy.pk][:5], start=1):
            counts.append((ballot, unit_id, position, rng.randint(0, voters)))
    Ballot.objects.bulk_create(ballots, batch_size=500)
    BallotCount.objects.bulk_create(
        (BallotCount(ballot=b, unit_id=u, position=p, votes=v) for b, u, p, v in counts),
        batch_size=2000,
    )
    if stdout:
        stdout.write(f"{len(ballots)} ballots")
