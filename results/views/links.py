"""Breadcrumbs shared by the results pages."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from clusters.models import ClusterYear


def year_crumbs(cluster_year: ClusterYear, *trail: tuple[str, str | None]) -> list:
    return [
        (_("Clusters"), reverse("clusters:cluster_list")),
        (cluster_year.cluster.name, cluster_year.cluster.get_absolute_url()),
        (str(cluster_year.year), cluster_year.get_absolute_url()),
        *trail,
    ]


def vote_crumbs(cluster_year: ClusterYear, last: str | None = None) -> list:
    if last is None:
        return year_crumbs(cluster_year, (_("Award vote"), None))
    return year_crumbs(
        cluster_year,
        (_("Award vote"), reverse("results:ballot_list", args=[cluster_year.pk])),
        (last, None),
    )
