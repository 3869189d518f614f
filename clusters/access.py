"""Who may see and change what in the clusters app.

Staff of an authority read and change everything of it; viewers read everything of it; clerks
read the cluster-years their unit belongs to (and those clusters and fellow units). Staff and
viewers of an authority also read, never change, everything of the authorities that ended into it
(custody: clusters.roles), and whoever had a role in an ended authority keeps it. Anyone else
gets 404 for an object (they must not learn it exists) and read-only users get 403 on a change.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from . import registry
from .models import Authority, Cluster, ClusterYear, Membership, Reorganisation, Unit
from .roles import Roles, roles_for


def reads_year(roles: Roles, *, authority_id: int, member_units: Iterable[int]) -> bool:
    """Who may read a cluster-year — the one rule: superusers, staff and viewers of its
    authority, and clerks of its member units. visible_cluster_years() is the same rule as SQL;
    what a reader sees inside the year (whose sheets) is each app's own rule."""
    return (
        roles.is_superuser
        or authority_id in roles.authority_ids
        or not roles.clerk_of.isdisjoint(member_units)
    )


def visible_cluster_years(user) -> QuerySet[ClusterYear]:
    """The years the user may read: reads_year() as a query."""
    roles = roles_for(user)
    qs = ClusterYear.objects.all()
    if roles.is_superuser:
        return qs
    return qs.filter(
        Q(cluster__authority_id__in=roles.authority_ids)
        | Q(pk__in=Membership.objects.filter(unit_id__in=roles.clerk_of).values("cluster_year_id"))
    )


def visible_clusters(user) -> QuerySet[Cluster]:
    roles = roles_for(user)
    qs = Cluster.objects.all()
    if roles.is_superuser:
        return qs
    return qs.filter(
        Q(authority_id__in=roles.authority_ids)
        | Q(
            pk__in=Membership.objects.filter(unit_id__in=roles.clerk_of).values(
                "cluster_year__cluster_id"
            )
        )
    )


def visible_units(user) -> QuerySet[Unit]:
    """Units of the user's authorities; for clerks, their own unit and its fellow members."""
    roles = roles_for(user)
    qs = Unit.objects.all()
    if roles.is_superuser:
        return qs
    fellow_years = Membership.objects.filter(unit_id__in=roles.clerk_of).values("cluster_year_id")
    return qs.filter(
        Q(authority_id__in=roles.authority_ids)
        | Q(pk__in=roles.clerk_of)
        | Q(pk__in=Membership.objects.filter(cluster_year_id__in=fellow_years).values("unit_id"))
    )


def staff_authorities(user) -> QuerySet[Authority]:
    """Authorities in which the user may create and change things."""
    roles = roles_for(user)
    if roles.is_superuser:
        return Authority.objects.all()
    return Authority.objects.filter(pk__in=roles.staff_of)


def can_manage(user, obj) -> bool:
    return user.has_perm("clusters.manage", obj)


def _checked(user, obj, *, edit: bool):
    can_edit = can_manage(user, obj)
    if edit and not can_edit:
        raise PermissionDenied
    return obj, can_edit


def get_cluster_year_for_user(user, pk: int, *, edit: bool = False) -> tuple[ClusterYear, bool]:
    years = registry.with_year_related(visible_cluster_years(user))
    cluster_year = get_object_or_404(years.select_related("cluster__authority"), pk=pk)
    return _checked(user, cluster_year, edit=edit)


def get_cluster_for_user(user, pk: int, *, edit: bool = False) -> tuple[Cluster, bool]:
    cluster = get_object_or_404(visible_clusters(user).select_related("authority"), pk=pk)
    return _checked(user, cluster, edit=edit)


def get_unit_for_user(user, pk: int, *, edit: bool = False) -> tuple[Unit, bool]:
    unit = get_object_or_404(visible_units(user).select_related("authority", "successor"), pk=pk)
    return _checked(user, unit, edit=edit)


def get_membership_for_user(user, pk: int, *, edit: bool = False) -> tuple[Membership, bool]:
    membership = get_object_or_404(
        Membership.objects.filter(cluster_year__in=visible_cluster_years(user)).select_related(
            "unit", "cluster_year__cluster__authority"
        ),
        pk=pk,
    )
    return _checked(user, membership, edit=edit)


def get_authority_for_user(user, pk: int, *, edit: bool = False) -> tuple[Authority, bool]:
    roles = roles_for(user)
    if not (roles.is_superuser or pk in roles.authority_ids):
        raise Http404
    authority = get_object_or_404(Authority, pk=pk)
    return _checked(user, authority, edit=edit)


def require_staff(user) -> QuerySet[Authority]:
    """For creation pages: the authorities the user is staff of; 403 when none."""
    authorities = staff_authorities(user)
    if not roles_for(user).is_staff_anywhere:
        raise PermissionDenied
    return authorities


def is_leader_clerk(user, cluster_year: ClusterYear) -> bool:
    """Whether the user is a clerk of the unit leading the cluster in this year (the unit that
    organises its covenant, its scoring table and the review)."""
    return Membership.objects.filter(
        cluster_year=cluster_year,
        role=Membership.Role.LEADER,
        unit_id__in=roles_for(user).clerk_of,
    ).exists()


def manages_successor_of(user, authority: Authority) -> bool:
    """Whether the user is staff of an authority that took over ``authority``'s records (the
    province after the districts ended), as far back as custody reaches (clusters.roles)."""
    roles = roles_for(user)
    return roles.is_superuser or authority.pk in roles.successor_staff_of


def get_year_to_continue_for_user(user, pk: int) -> ClusterYear:
    """A year to start the next one from: staff of its authority, or of the successor that
    took the cluster over after a reform (who reads the old year by custody). 404 for who may
    not read the year, 403 for who may read but not continue it."""
    cluster_year, manages = get_cluster_year_for_user(user, pk)
    if not (manages or manages_successor_of(user, cluster_year.cluster.authority)):
        raise PermissionDenied
    return cluster_year


def visible_reorganisations(user) -> QuerySet[Reorganisation]:
    roles = roles_for(user)
    qs = Reorganisation.objects.select_related("authority", "created_by")
    if roles.is_superuser:
        return qs
    return qs.filter(authority_id__in=roles.authority_ids)


def get_reorganisation_for_user(
    user, pk: int, *, edit: bool = False
) -> tuple[Reorganisation, bool]:
    """A reorganisation: read by staff and viewers of the receiving authority, changed by its
    staff (403 for viewers), 404 for everyone else."""
    reorganisation = get_object_or_404(visible_reorganisations(user), pk=pk)
    return _checked(user, reorganisation, edit=edit)
