"""Which documents can be issued, and from what: every kind with a "Số" line — the covenant and
its conference minutes (pledges), the summary, the vote-count and voting-meeting minutes and the
tờ trình (results). For each: its symbol in the register, the door a reader of the issued copy
goes through (the same as the live document's: a member unit does not read the summary while
scoring is open, issued or not), the print context, and its readiness (an issued document is
final: a draft covenant or a summary of open results is not issued)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from clusters.models import ClusterYear
from documents.kinds import DocumentKind
from pledges.access import get_pledge_for_user
from pledges.documents import DOCUMENTS as PLEDGE_DOCUMENTS
from pledges.documents import document_context, load_for_print
from pledges.models import Pledge
from results.access import get_results_for_user, get_vote_year_for_user
from results.documents import (
    PROPOSAL,
    SUMMARY,
    VOTE_COUNT,
    VOTE_MEETING,
    summary_context,
    vote_context,
)
from results.models import Ballot
from scoring.models import ScoringTable


@dataclass(frozen=True)
class Issuable:
    kind: DocumentKind
    symbol: str  # as in "05/BB-CTĐ"
    context: Callable[[ClusterYear], dict]
    # Why it cannot be issued now, or "" when it can.
    not_ready: Callable[[ClusterYear], str]
    # The door of the live document: raises 404/403 as its own views do.
    door: Callable[[object, int], object]


def _pledge_context(cluster_year: ClusterYear) -> dict:
    return document_context(load_for_print(cluster_year.pk))


def _pledge_not_ready(cluster_year: ClusterYear) -> str:
    pledge = Pledge.objects.filter(cluster_year=cluster_year).first()
    if pledge is None or pledge.status == Pledge.Status.DRAFT:
        return _("The covenant is still a draft: adopt it before issuing.")
    return ""


def _results_not_ready(cluster_year: ClusterYear) -> str:
    table = ScoringTable.objects.filter(cluster_year=cluster_year).first()
    if table is None or not table.is_closed:
        return _("The results are not final: finalise them before issuing.")
    return ""


def _vote_not_ready(cluster_year: ClusterYear) -> str:
    reason = _results_not_ready(cluster_year)
    if reason:
        return reason
    ballots = Ballot.objects.filter(table__cluster_year=cluster_year)
    if not ballots.exists() or ballots.filter(status=Ballot.Status.OPEN).exists():
        return _("The vote is not closed: close its ballots before issuing.")
    return ""


def _summary_context(cluster_year: ClusterYear) -> dict:
    return summary_context(cluster_year)


def _pledge_door(user: object, pk: int) -> object:
    return get_pledge_for_user(user, pk)


def _results_door(user: object, pk: int) -> object:
    return get_results_for_user(user, pk)  # type: ignore[arg-type]


def _vote_door(user: object, pk: int) -> object:
    return get_vote_year_for_user(user, pk)  # type: ignore[arg-type]


ISSUABLE: dict[str, Issuable] = {
    issuable.kind.slug: issuable
    for issuable in (
        Issuable(PLEDGE_DOCUMENTS["giao-uoc"], "GƯ-CTĐ", _pledge_context, _pledge_not_ready,
                 _pledge_door),
        Issuable(PLEDGE_DOCUMENTS["bien-ban"], "BB-CTĐ", _pledge_context, _pledge_not_ready,
                 _pledge_door),
        Issuable(SUMMARY, "BTH-CTĐ", _summary_context, _results_not_ready, _results_door),
        Issuable(VOTE_COUNT, "BB-CTĐ", vote_context, _vote_not_ready, _vote_door),
        Issuable(VOTE_MEETING, "BB-CTĐ", vote_context, _vote_not_ready, _vote_door),
        Issuable(PROPOSAL, "TTr-CTĐ", vote_context, _vote_not_ready, _vote_door),
    )
}  # fmt: skip
