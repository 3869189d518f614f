"""Who may see and change a covenant.

Everyone who may see the cluster-year reads its covenant. Staff of the authority and the clerk
of the year's leader unit draft it, adopt it and mark it signed; once signed nothing changes,
and only staff may reopen it (with a reason). Outsiders get 404, read-only users 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from clusters.access import can_manage, get_cluster_year_for_user, is_leader_clerk
from clusters.models import ClusterYear

from .models import Attendee, Clause, Pledge, Signatory


@dataclass(frozen=True)
class PledgeRights:
    is_staff: bool
    is_leader_clerk: bool
    pledge: Pledge | None

    @property
    def can_organise(self) -> bool:
        """Draft, adopt and mark signed: staff and the leader unit's clerk."""
        return self.is_staff or self.is_leader_clerk

    @property
    def can_edit(self) -> bool:
        return self.can_organise and self.pledge is not None and not self.pledge.is_signed

    @property
    def can_reopen(self) -> bool:
        return self.is_staff and self.pledge is not None and self.pledge.is_signed

    @property
    def can_upload_scan(self) -> bool:
        return self.can_organise and self.pledge is not None and self.pledge.is_signed


def rights_for(user, cluster_year: ClusterYear, pledge: Pledge | None) -> PledgeRights:
    return PledgeRights(
        is_staff=can_manage(user, cluster_year),
        is_leader_clerk=is_leader_clerk(user, cluster_year),
        pledge=pledge,
    )


def get_pledge_for_user(
    user, cluster_year_pk: int, *, organise: bool = False, edit: bool = False
) -> tuple[ClusterYear, Pledge | None, PledgeRights]:
    """The cluster-year, its covenant (None before one is drafted) and the user's rights.
    404 for outsiders; 403 when ``organise`` or ``edit`` is asked and not allowed, with the
    reason when it is the signature that freezes the covenant."""
    cluster_year, _can_manage = get_cluster_year_for_user(user, cluster_year_pk)
    pledge = Pledge.objects.filter(cluster_year=cluster_year).first()
    rights = rights_for(user, cluster_year, pledge)
    if (organise or edit) and not rights.can_organise:
        raise PermissionDenied
    if edit:
        if pledge is None:
            raise PermissionDenied(_("This year has no covenant yet."))
        if pledge.is_signed:
            raise PermissionDenied(
                _("The covenant is signed: nothing in it can change. Staff can reopen it.")
            )
    return cluster_year, pledge, rights


def get_clause_for_user(user, pk: int) -> tuple[Clause, PledgeRights]:
    clause = get_object_or_404(Clause.objects.select_related("pledge"), pk=pk)
    _cy, _pledge, rights = get_pledge_for_user(user, clause.pledge.cluster_year_id, edit=True)
    return clause, rights


def get_signatory_for_user(user, pk: int) -> tuple[Signatory, PledgeRights]:
    signatory = get_object_or_404(Signatory.objects.select_related("pledge", "unit"), pk=pk)
    _cy, _pledge, rights = get_pledge_for_user(user, signatory.pledge.cluster_year_id, edit=True)
    return signatory, rights


def get_attendee_for_user(user, pk: int) -> tuple[Attendee, PledgeRights]:
    attendee = get_object_or_404(Attendee.objects.select_related("ceremony__pledge"), pk=pk)
    _cy, _pledge, rights = get_pledge_for_user(
        user, attendee.ceremony.pledge.cluster_year_id, edit=True
    )
    return attendee, rights
