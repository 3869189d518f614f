"""Who may read and act on a year's results and its award vote.

Results exist once the year's table is published: whoever may read the year reads them (what
each reader may see inside is the scoring app's rule for sheets). Staff finalise and reopen;
staff and the clerk of the year's leader unit organise the vote. Outsiders get 404, read-only
users 403."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from clusters.access import can_manage, get_cluster_year_for_user, is_leader_clerk
from clusters.models import ClusterYear
from core.types import AnyUser
from scoring.access import get_published_table_for_user, reading_of
from scoring.models import ScoringTable

from .models import Ballot


def get_results_for_user(
    user: AnyUser, cluster_year_pk: int
) -> tuple[ClusterYear, ScoringTable, bool]:
    """The year, its published table (404 before: no results yet) and whether the user
    manages the year; 403 with the reason for who may read the year but not its summary
    (scoring.access.reading_of: member units before the results are final)."""
    cluster_year, table, manages = get_published_table_for_user(user, cluster_year_pk)
    reading = reading_of(user, cluster_year, final=table.is_closed)
    if not reading.summary:
        raise PermissionDenied(reading.reason)
    return cluster_year, table, manages


def get_table_to_finalise_for_user(user: AnyUser, cluster_year_pk: int) -> ScoringTable:
    """The year's table for staff to finalise or reopen: 404 for who may not read the year, 403
    for who may read but not manage it, then 404 before a table exists (a draft one is refused
    by its own transition, with the reason)."""
    cluster_year, _manages = get_cluster_year_for_user(user, cluster_year_pk, edit=True)
    table = ScoringTable.objects.filter(cluster_year=cluster_year).first()
    if table is None:
        raise Http404
    table.cluster_year = cluster_year
    return table


def organises_vote(user: AnyUser, cluster_year: ClusterYear) -> bool:
    return can_manage(user, cluster_year) or is_leader_clerk(user, cluster_year)


def get_vote_year_for_user(
    user: AnyUser, cluster_year_pk: int, *, organise: bool = False
) -> tuple[ClusterYear, bool]:
    """The year of a vote and whether the user organises it now (not once the results are
    final); ``organise``: 403 otherwise, with the reason when the year is final."""
    cluster_year, _manages = get_cluster_year_for_user(user, cluster_year_pk)
    organiser = organises_vote(user, cluster_year)
    if organise and not organiser:
        raise PermissionDenied
    if organise:
        cluster_year.ensure_changeable()
    reading = reading_of(user, cluster_year)
    if not reading.summary:  # the vote shows every unit's rank and total
        raise PermissionDenied(reading.reason)
    return cluster_year, organiser and not cluster_year.frozen_reason()


def get_ballot_for_user(
    user: AnyUser, pk: int, *, organise: bool = False
) -> tuple[Ballot, ClusterYear, bool]:
    """A ballot, its year and whether the user organises the vote: 404 for who may not read
    the year, 403 with ``organise`` for who may read but not organise."""
    ballot = get_object_or_404(Ballot.objects.select_related("table"), pk=pk)
    cluster_year, organiser = get_vote_year_for_user(
        user, ballot.table.cluster_year_id, organise=organise
    )
    return ballot, cluster_year, organiser
