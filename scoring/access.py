"""Who may see and change a scoring table.

Everyone who may see the cluster-year reads its table. Staff of the authority and the clerk of
the year's leader unit build it while it is a draft and publish it; once published only its
wording can be fixed; staff close it. Outsiders get 404, read-only users 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from clusters.access import can_manage, get_cluster_year_for_user, is_leader_clerk
from clusters.models import ClusterYear

from .models import Criterion, ScoringTable


@dataclass(frozen=True)
class TableRights:
    is_staff: bool
    is_leader_clerk: bool
    table: ScoringTable | None

    @property
    def can_organise(self) -> bool:
        return self.is_staff or self.is_leader_clerk

    @property
    def can_edit_structure(self) -> bool:
        return self.can_organise and self.table is not None and self.table.is_draft

    @property
    def can_edit_wording(self) -> bool:
        return self.can_organise and self.table is not None and not self.table.is_closed

    @property
    def can_close(self) -> bool:
        return (
            self.is_staff
            and self.table is not None
            and self.table.status == ScoringTable.Status.PUBLISHED
        )


def get_table_for_user(
    user, cluster_year_pk: int, *, organise: bool = False, structure: bool = False
) -> tuple[ClusterYear, ScoringTable | None, TableRights]:
    """The cluster-year, its table (None before one exists) and the user's rights.

    ``organise``: the user must be staff or the leader clerk (403 otherwise).
    ``structure``: additionally the table must exist and be a draft (403 with the reason)."""
    cluster_year, _can_manage = get_cluster_year_for_user(user, cluster_year_pk)
    table = ScoringTable.objects.filter(cluster_year=cluster_year).first()
    rights = TableRights(
        is_staff=can_manage(user, cluster_year),
        is_leader_clerk=is_leader_clerk(user, cluster_year),
        table=table,
    )
    if (organise or structure) and not rights.can_organise:
        raise PermissionDenied
    if structure:
        if table is None:
            raise PermissionDenied(_("This year has no scoring table yet."))
        if not table.is_draft:
            raise PermissionDenied(
                _("The table is published: its structure is frozen. Only wording can be fixed.")
            )
    return cluster_year, table, rights


def get_criterion_for_user(user, pk: int, *, structure: bool) -> tuple[Criterion, TableRights]:
    criterion = get_object_or_404(Criterion.objects.select_related("table"), pk=pk)
    _cy, table, rights = get_table_for_user(
        user, criterion.table.cluster_year_id, organise=True, structure=structure
    )
    if not structure and not rights.can_edit_wording:
        raise PermissionDenied(_("The table is closed: nothing in it can change."))
    criterion.table = table
    return criterion, rights
