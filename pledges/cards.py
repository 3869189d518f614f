"""The covenant's card and step on the cluster-year pages (see clusters/registry.py)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from clusters.models import ClusterYear

from .models import Pledge

CARD_TEMPLATE = "pledges/_year_card.html"
YEAR_RELATED = ("pledge",)


def covenant_status(cluster_year: ClusterYear) -> str | None:
    """The status of the year's covenant, None before one is drafted (no query when the year
    came from a list page: with_year_summary joins the covenant)."""
    try:
        return cluster_year.pledge.status
    except Pledge.DoesNotExist:
        return None


def card_context(cluster_year: ClusterYear) -> dict:
    return {"status": covenant_status(cluster_year), "Status": Pledge.Status}


def progress_steps(cluster_year: ClusterYear) -> list[tuple[str, bool]]:
    return [(str(_("Covenant signed")), covenant_status(cluster_year) == Pledge.Status.SIGNED)]


def with_year_summary(queryset: QuerySet[ClusterYear]) -> QuerySet[ClusterYear]:
    return queryset.select_related("pledge")
