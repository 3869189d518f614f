"""The scoring table's card and step on the cluster-year pages, and the count of sheets waiting
for review on the dashboard (see clusters/registry.py)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from clusters.models import ClusterYear

from .models import ScoreSheet, ScoringTable

CARD_TEMPLATE = "scoring/_year_card.html"
DASHBOARD_TEMPLATE = "scoring/_dashboard_badge.html"
YEAR_RELATED = ("scoring_table",)


def table_status(cluster_year: ClusterYear) -> str | None:
    """The status of the year's scoring table, None before one exists (no query when the year
    came from a list page: with_year_summary joins the table)."""
    try:
        return cluster_year.scoring_table.status
    except ScoringTable.DoesNotExist:
        return None


def is_open_or_final(status: str | None) -> bool:
    """Whether a table with this status has sheets, scores and results."""
    return status in (ScoringTable.Status.PUBLISHED, ScoringTable.Status.CLOSED)


def card_context(cluster_year: ClusterYear) -> dict:
    status = table_status(cluster_year)
    return {"status": status, "Status": ScoringTable.Status, "has_sheets": is_open_or_final(status)}


def progress_steps(cluster_year: ClusterYear) -> list[tuple[str, bool]]:
    return [(str(_("Scoring table published")), is_open_or_final(table_status(cluster_year)))]


def with_year_summary(queryset: QuerySet[ClusterYear]) -> QuerySet[ClusterYear]:
    """The table, and ``awaiting_review``: the sheets submitted and not yet reviewed."""
    return queryset.select_related("scoring_table").annotate(
        awaiting_review=Count(
            "scoring_table__sheets",
            filter=Q(scoring_table__sheets__status=ScoreSheet.Status.SUBMITTED),
            distinct=True,
        )
    )
