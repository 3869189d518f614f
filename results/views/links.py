"""Breadcrumbs shared by the results pages."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from clusters.links import year_crumbs
from clusters.models import ClusterYear


def vote_crumbs(cluster_year: ClusterYear, last: str | None = None) -> list:
    if last is None:
        return year_crumbs(cluster_year, (_("Award vote"), None))
    return year_crumbs(
        cluster_year,
        (_("Award vote"), reverse("results:ballot_list", args=[cluster_year.pk])),
        (last, None),
    )
