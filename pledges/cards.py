"""The covenant's card and step on the cluster-year pages (see clusters/registry.py)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clusters.models import ClusterYear
from clusters.registry import TodoItem
from clusters.roles import roles_for
from core.types import AnyUser

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


def todo_items(user: AnyUser, cluster_years: Sequence[ClusterYear]) -> list[TodoItem]:
    """A covenant adopted and not yet signed, for the clerks of its member units (no query:
    the covenant and the members come with the years)."""
    clerk_of = roles_for(user).clerk_of
    return [
        TodoItem(
            title=gettext("The covenant of %(year)s awaits signature") % {"year": year.year},
            url=reverse("pledges:pledge_detail", args=[year.pk]),
            cluster_name=year.cluster.name,
            status=str(Pledge.Status.ADOPTED.label),
            testid="todo-covenant",
        )
        for year in cluster_years
        if clerk_of
        and covenant_status(year) == Pledge.Status.ADOPTED
        and any(member.unit_id in clerk_of for member in year.memberships.all())
    ]


def with_year_summary(queryset: QuerySet[ClusterYear]) -> QuerySet[ClusterYear]:
    return queryset.select_related("pledge")


def carry_forward(previous: ClusterYear, new_year: ClusterYear) -> list[str]:
    """A year started from ``previous`` gets a draft of its covenant's text. After a reform
    (the year in a cluster of the successor authority) the issuer, place and recipients are
    the new authority's, as for a new covenant."""
    from .services import copy_pledge_from, new_pledge_defaults

    pledge = Pledge.objects.filter(cluster_year=previous).first()
    if pledge is None:
        return []
    copied = copy_pledge_from(pledge, to_cluster_year=new_year)
    if new_year.cluster.authority_id != previous.cluster.authority_id:
        for name, value in new_pledge_defaults(new_year).items():
            if name in ("issuer_parent", "issuer", "cluster_name", "place", "recipients"):
                setattr(copied, name, value)
        copied.full_clean()
        copied.save()
    return [
        str(_("The covenant's text was copied from %(year)s as a draft.") % {"year": previous.year})
    ]
