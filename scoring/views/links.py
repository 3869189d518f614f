"""URLs and breadcrumbs shared by the scoring pages."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from clusters.links import year_crumbs
from clusters.models import ClusterYear


def table_url(cluster_year_pk: int, anchor: str = "") -> str:
    return reverse("scoring:table_detail", args=[cluster_year_pk]) + (
        f"#{anchor}" if anchor else ""
    )


def sheet_url(sheet_pk: int, anchor: str = "") -> str:
    return reverse("scoring:sheet_detail", args=[sheet_pk]) + (f"#{anchor}" if anchor else "")


def table_crumbs(cluster_year: ClusterYear, last: str | None = None) -> list:
    """Down to the scoring table; ``last`` names the page under it (None: the table itself)."""
    if last is None:
        return [*year_crumbs(cluster_year), (_("Scoring table"), None)]
    return [
        *year_crumbs(cluster_year),
        (_("Scoring table"), table_url(cluster_year.pk)),
        (last, None),
    ]


def scores_crumbs(cluster_year: ClusterYear, *trail: tuple[str, str | None]) -> list:
    """Down to the year's scores, then ``trail`` ((label, url) pairs); the scores page alone
    when there is no trail."""
    if not trail:
        return [*year_crumbs(cluster_year), (_("Scores"), None)]
    return [
        *year_crumbs(cluster_year),
        (_("Scores"), reverse("scoring:sheet_list", args=[cluster_year.pk])),
        *trail,
    ]
