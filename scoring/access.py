"""Who may see and change a scoring table.

Everyone who may see the cluster-year reads its table. Staff of the authority and the clerk of
the year's leader unit build it while it is a draft and publish it; once published only its
wording can be fixed; staff close it. Outsiders get 404, read-only users 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from clusters.access import can_manage, get_cluster_year_for_user, is_leader_clerk, reads_year
from clusters.models import ClusterYear, Membership
from clusters.roles import roles_for

from .models import Criterion, Evidence, Score, ScoreSheet, ScoringTable, deadline_passed


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


def get_published_table_for_user(
    user, cluster_year_pk: int
) -> tuple[ClusterYear, ScoringTable, bool]:
    """The year, its table once published (404 before: a draft has no sheets, scores or
    results yet) and whether the user manages the year."""
    cluster_year, manages = get_cluster_year_for_user(user, cluster_year_pk)
    table = ScoringTable.objects.filter(cluster_year=cluster_year).first()
    if table is None or table.is_draft:
        raise Http404
    return cluster_year, table, manages


# --- Score sheets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetRights:
    """What a user may do with one sheet, and why not (shown to them)."""

    can_enter: bool
    can_review: bool
    enter_blocked: str = ""
    review_blocked: str = ""
    is_reviewer: bool = False
    can_reopen: bool = False  # a reviewed sheet, back to "submitted", before the results are final


def _members(cluster_year: ClusterYear) -> dict[int, str]:
    """The year's member units and their roles (one query, remembered on the instance: a page
    asks several times)."""
    cached = getattr(cluster_year, "_member_roles", None)
    if cached is None:
        cached = dict(cluster_year.memberships.values_list("unit_id", "role"))
        cluster_year._member_roles = cached
    return cached


def _role_units(cluster_year: ClusterYear) -> tuple[int | None, int | None]:
    """The leader and deputy units of the year."""
    by_role = {role: unit for unit, role in _members(cluster_year).items()}
    return by_role.get(Membership.Role.LEADER), by_role.get(Membership.Role.DEPUTY)


def is_reviewer_of(user, cluster_year: ClusterYear, unit_id: int) -> bool:
    """Staff review every sheet; the leader unit's clerk every sheet but its own, which the
    deputy unit's clerk reviews (conflict of interest)."""
    if can_manage(user, cluster_year):
        return True
    clerk_of = roles_for(user).clerk_of
    leader, deputy = _role_units(cluster_year)
    if unit_id == leader:
        return deputy is not None and deputy in clerk_of
    return leader is not None and leader in clerk_of


@dataclass(frozen=True)
class Reading:
    """What one user reads of a year's scores — the one rule, for every route that shows sheet
    data (sheet pages, history, the grid, the results, the summary PDF and spreadsheet, the
    vote's documents, the year's bundle, a unit's results over the years).

    ``units``: whose sheets (None: every unit's). ``summary``: the ranking and every unit's
    totals. ``reason``: why not the summary, shown on the refusal."""

    units: frozenset[int] | None
    summary: bool
    reason: str = ""

    def reads_sheet(self, unit_id: int) -> bool:
        return self.units is None or unit_id in self.units


def is_final(cluster_year: ClusterYear) -> bool:
    """Whether the year's results are final (its table closed), from the table joined with the
    year when there is one (get_cluster_year_for_user joins it)."""
    try:
        return cluster_year.scoring_table.status == ScoringTable.Status.CLOSED
    except ScoringTable.DoesNotExist:
        return False


def reading_of(user, cluster_year: ClusterYear, *, final: bool | None = None) -> Reading:
    """Staff and viewers of the authority read everything, always. Before the results are
    final a member unit reads its own sheet only; the leader unit reads every sheet it reviews
    and the ranking; the deputy its own and the leader's (which it reviews). Once final, the
    year's setting decides what member units read (default: the summary and every sheet);
    the reviewers keep reading what they reviewed."""
    roles = roles_for(user)
    if roles.is_superuser or cluster_year.cluster.authority_id in roles.authority_ids:
        return Reading(None, True)
    members = _members(cluster_year)
    own = frozenset(roles.clerk_of & members.keys())
    leader, deputy = _role_units(cluster_year)
    if leader is not None and leader in own:
        return Reading(None, True)  # the leader unit reviews everyone
    units = set(own)
    if deputy is not None and deputy in own and leader is not None:
        units.add(leader)  # the deputy reviews the leader
    if final is None:
        final = is_final(cluster_year)
    if not final:
        return Reading(
            frozenset(units),
            False,
            _(
                "The cluster's results are shown to member units once they are final; until "
                "then each unit reads its own sheet."
            ),
        )
    setting = cluster_year.members_read_after_final
    if setting == ClusterYear.AfterFinal.EVERYTHING:
        return Reading(None, True)
    if setting == ClusterYear.AfterFinal.SUMMARY:
        return Reading(frozenset(units), True)
    return Reading(
        frozenset(units),
        False,
        _("This year's settings let member units read only their own sheet."),
    )


def visible_sheets(user, cluster_year: ClusterYear):
    """Sheets of the year the user may read (404 for the others)."""
    sheets = ScoreSheet.objects.filter(table__cluster_year=cluster_year)
    units = reading_of(user, cluster_year).units
    return sheets if units is None else sheets.filter(unit_id__in=units)


def sheet_rights(user, sheet: ScoreSheet) -> SheetRights:
    table = sheet.table
    cluster_year = table.cluster_year
    is_own = sheet.unit_id in roles_for(user).clerk_of
    staff = can_manage(user, cluster_year)
    reviewer = is_reviewer_of(user, cluster_year, sheet.unit_id)
    enter_blocked = review_blocked = ""
    if table.status != ScoringTable.Status.PUBLISHED:
        enter_blocked = review_blocked = _("The scoring table is not open for scoring.")
    if not enter_blocked:
        if not (is_own or staff):
            enter_blocked = _("Only the unit itself scores its sheet.")
        else:
            enter_blocked = sheet.entry_blocked()
    if not review_blocked:
        if not reviewer:
            review_blocked = (
                _("The leader unit does not review its own sheet: the deputy unit or staff do.")
                if is_own
                else _("Only the reviewers of this sheet can review it.")
            )
        else:
            review_blocked = sheet.review_state_blocked()
    return SheetRights(
        can_enter=not enter_blocked,
        can_review=not review_blocked,
        enter_blocked=enter_blocked,
        review_blocked=review_blocked,
        is_reviewer=reviewer,
        can_reopen=reviewer
        and table.status == ScoringTable.Status.PUBLISHED
        and sheet.status == ScoreSheet.Status.REVIEWED
        # After the review deadline a reopened sheet could not be reviewed again (staff
        # extend the deadlines first).
        and not deadline_passed(cluster_year.review_deadline),
    )


def get_sheet_for_user(user, pk: int) -> tuple[ScoreSheet, SheetRights]:
    """The sheet with its table, year, cluster and unit, and what the user may do with it;
    404 for anyone who may not read it. Who may read the year is decided here from the
    memberships (as clusters.access.visible_cluster_years does in SQL), so that the sheet page
    spends one query on it, which the rights below reuse."""
    sheet = get_object_or_404(
        ScoreSheet.objects.select_related("table__cluster_year__cluster__authority", "unit"),
        pk=pk,
    )
    cluster_year = sheet.table.cluster_year
    may_read_year = reads_year(
        roles_for(user),
        authority_id=cluster_year.cluster.authority_id,
        member_units=_members(cluster_year),
    )
    final = sheet.table.status == ScoringTable.Status.CLOSED
    if not may_read_year or not reading_of(user, cluster_year, final=final).reads_sheet(
        sheet.unit_id
    ):
        raise Http404
    return sheet, sheet_rights(user, sheet)


def get_score_for_user(user, pk: int) -> tuple[Score, SheetRights]:
    score = get_object_or_404(Score.objects.select_related("criterion"), pk=pk)
    sheet, rights = get_sheet_for_user(user, score.sheet_id)
    score.sheet = sheet
    return score, rights


def get_evidence_for_user(user, pk: int) -> tuple[Evidence, SheetRights]:
    """An evidence file, for whoever may read its sheet (404 for anyone else), with the rights
    on that sheet (deleting needs ``can_enter``)."""
    evidence = get_object_or_404(Evidence.objects.select_related("score__criterion"), pk=pk)
    sheet, rights = get_sheet_for_user(user, evidence.score.sheet_id)
    evidence.score.sheet = sheet
    return evidence, rights
