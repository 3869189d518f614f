"""The vote's step on the cluster-year pages (see clusters/registry.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from clusters.models import ClusterYear

from .models import Ballot


def closed_ballots(cluster_year: ClusterYear) -> int:
    """From with_year_summary's annotation on list pages, else one query."""
    annotated: Any = cluster_year  # the annotation is not a field
    if hasattr(annotated, "closed_ballots"):
        return annotated.closed_ballots
    count = Ballot.objects.filter(
        table__cluster_year=cluster_year, status=Ballot.Status.CLOSED
    ).count()
    annotated.closed_ballots = count  # a page asks for the steps and the percentage
    return count


def progress_steps(cluster_year: ClusterYear) -> list[tuple[str, bool]]:
    return [(str(_("Award vote counted")), closed_ballots(cluster_year) > 0)]


def with_year_summary(queryset: QuerySet[ClusterYear]) -> QuerySet[ClusterYear]:
    return queryset.annotate(
        closed_ballots=Count(
            "scoring_table__ballots",
            filter=Q(scoring_table__ballots__status=Ballot.Status.CLOSED),
            distinct=True,
        )
    )
