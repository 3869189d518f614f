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


def frozen_reason(cluster_year: ClusterYear) -> str:
    """A year whose results are final (its table closed) changes in nothing until staff
    reopen the results with a reason. Read from the database, not from a cached relation: the
    status may have changed since the year was loaded."""
    if ScoringTable.objects.filter(
        cluster_year=cluster_year, status=ScoringTable.Status.CLOSED
    ).exists():
        return str(
            _(
                "The results of this year are final: nothing of the year can change. "
                "Staff can reopen the results, with a reason."
            )
        )
    return ""


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


def carry_forward(previous: ClusterYear, new_year: ClusterYear) -> list[str]:
    """A year started from ``previous`` gets a draft of its scoring table (settings and the
    whole tree), to be reviewed and published."""
    from .services import copy_table

    table = ScoringTable.objects.filter(cluster_year=previous).first()
    if table is None:
        return []
    copy_table(table, to_cluster_year=new_year)
    return [
        str(_("The scoring table was copied from %(year)s as a draft.") % {"year": previous.year})
    ]
