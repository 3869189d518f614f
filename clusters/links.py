"""The breadcrumbs down to a cluster-year, which every app's year pages start with."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from .models import ClusterYear


def year_crumbs(cluster_year: ClusterYear, *trail: tuple[str, str | None]) -> list:
    """Clusters › the cluster › the year, then ``trail`` ((label, url) pairs)."""
    return [
        (_("Clusters"), reverse("clusters:cluster_list")),
        (cluster_year.cluster.name, cluster_year.cluster.get_absolute_url()),
        (str(cluster_year.year), cluster_year.get_absolute_url()),
        *trail,
    ]
