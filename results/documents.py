"""The results' printed documents: the summary score table, the vote-count minutes, the
voting-meeting minutes and the proposal (tờ trình) — what each print template receives.

Their dates come from the event they record, never from the day they are printed: the vote's
documents are dated the day of the year-end meeting (the day its ballots were held); the summary
that day too, or else the day the results were finalised; a dotted blank while neither is known.
Each has a "Số:" line, a dotted blank for the văn thư."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone, translation

from clusters.models import Membership
from documents.kinds import DocumentKind, document_header, kinds_by_slug
from documents.rendering import PDF_LANGUAGE
from scoring.models import ScoreSheet, ScoringTable

from .models import Ballot
from .ranking import RANKED_LAST, UnitResult, load_results

SUMMARY = DocumentKind(
    "tong-hop",
    "results/print/summary.html",
    "Bảng tổng hợp điểm thi đua",
    "tong-hop-diem-thi-dua",
)
VOTE_COUNT = DocumentKind(
    "kiem-phieu", "results/print/vote_count.html", "Biên bản kiểm phiếu", "bien-ban-kiem-phieu"
)
VOTE_MEETING = DocumentKind(
    "hop-binh-xet",
    "results/print/vote_meeting.html",
    "Biên bản họp bình xét",
    "bien-ban-hop-binh-xet",
)
PROPOSAL = DocumentKind(
    "to-trinh",
    "results/print/proposal.html",
    "Tờ trình đề nghị khen thưởng",
    "to-trinh-de-nghi-khen-thuong",
)
VOTE_DOCUMENTS = kinds_by_slug(VOTE_COUNT, VOTE_MEETING, PROPOSAL)  # fmt: skip

# The marks after a unit's name on paper, explained under the table.
NOT_REVIEWED = "*"
NOT_HANDED_IN = "**"


@dataclass(frozen=True)
class Mark:
    sign: str
    meaning: str


def meeting_day(ballots: list[Ballot]) -> datetime.date | None:
    """The day of the year-end meeting (bình xét): the day its ballots were held."""
    return next((ballot.held_on for ballot in ballots if ballot.held_on), None)


def results_day(table: ScoringTable, ballots: list[Ballot]) -> datetime.date | None:
    """The date of the summary: the year-end meeting's, or else the day the results became
    final (None while neither is known: the date line is left for the văn thư)."""
    day = meeting_day(ballots)
    if day is None and table.is_closed and table.closed_at:
        day = timezone.localtime(table.closed_at).date()
    return day


def mark_of(result: UnitResult) -> str:
    """ "*": submitted but not reviewed; "**": never submitted; both count the unit's own
    scores (or, once final, rank it last when staff chose so)."""
    if result.is_reviewed:
        return ""
    if result.sheet.status == ScoreSheet.Status.SUBMITTED:
        return NOT_REVIEWED
    return NOT_HANDED_IN


def legend(results: list[UnitResult]) -> list[Mark]:
    """What the marks used on this table mean (only those used)."""
    marks = {mark_of(result): result for result in results}
    lines = []
    if NOT_REVIEWED in marks:
        lines.append(Mark(NOT_REVIEWED, "phiếu đã nộp, chưa thẩm định: tính theo điểm tự chấm"))
    if NOT_HANDED_IN in marks:
        meaning = (
            str(RANKED_LAST)
            if marks[NOT_HANDED_IN].not_submitted
            else "phiếu chưa nộp: tính theo điểm tự chấm hiện có"
        )
        lines.append(Mark(NOT_HANDED_IN, meaning))
    return lines


def summary_context(cluster_year, *, table: ScoringTable | None = None) -> dict:
    """The ranked results with each score section's subtotal, the marks and the tie-break notes
    (footnotes, one number per note, the units it applies to marked with it), and who signs.
    Ranked in Vietnamese whatever the UI language: the notes are printed (results.ranking
    words them)."""
    with translation.override(PDF_LANGUAGE):
        table, tree, ranked = load_results(cluster_year, table=table)
    ballots = list(table.ballots.all())
    authority = cluster_year.cluster.authority
    score_roots = [
        node.criterion for node in tree.roots if node.criterion.kind == node.criterion.Kind.SCORE
    ]
    leader = next(
        (
            m
            for m in cluster_year.memberships.select_related("unit")
            if m.role == Membership.Role.LEADER
        ),
        None,
    )
    rows, footnotes = [], {}  # footnotes: one number per tie-break note, in rank order
    for result in ranked:
        footnote = None
        if result.tie_note and not result.not_submitted:  # the legend explains those
            footnote = footnotes.setdefault(result.tie_note, len(footnotes) + 1)
        rows.append(
            {
                "result": result,
                "sections": [result.totals.sections.get(root.pk) for root in score_roots],
                "mark": mark_of(result),
                "footnote": footnote,
            }
        )
    day = results_day(table, ballots)
    return {
        "table": table,
        "year": cluster_year.year,
        "cluster": cluster_year.cluster,
        "score_roots": score_roots,
        "rows": rows,
        "footnotes": list(footnotes),
        "legend": legend(ranked),
        "header": document_header(
            issuer_parent=authority.short_name or authority.name,
            issuer=cluster_year.cluster.name,
            place=authority.place_name,
            number="",
            date=day,
            year=day.year if day else None,
        ),
        "leader_block": {
            "unit_line": "CỤM TRƯỞNG",
            "authority_line": f"CHỦ TỊCH UBND {leader.unit.name}".upper() if leader else "",
            "title": "",
            "name": leader.signer_name if leader else "",
        },
    }


def vote_context(cluster_year) -> dict:
    """Results, ballots with their computed outcomes, and the people who sign; the three
    documents are dated the day of the meeting (its ballots' day)."""
    context = summary_context(cluster_year)
    table = context["table"]
    ballots = list(table.ballots.prefetch_related("counts__unit"))
    context["ballots"] = [
        {"ballot": ballot, "counts": list(ballot.counts.all()),
         "outcome": ballot.outcome(list(ballot.counts.all())),
         "invalid": ballot.ballots_issued - ballot.valid_ballots}
        for ballot in ballots
    ]  # fmt: skip
    context["members"] = [row["result"].sheet.unit for row in context["rows"]]
    context["authority"] = cluster_year.cluster.authority
    held_on = meeting_day(ballots)
    context["held_on"] = held_on
    context["vote_header"] = {
        **context["header"],
        "date": held_on,
        "year": held_on.year if held_on else None,
    }
    secretary = {"title": "THƯ KÝ", "name": ""}  # not recorded: a blank for the name
    context["count_blocks"] = [secretary, {"title": "TRƯỞNG BAN KIỂM PHIẾU", "name": ""}]
    context["meeting_blocks"] = [secretary, context["leader_block"]]
    context["proposal_recipients"] = [
        cluster_year.cluster.authority.name,
        "Các đơn vị thành viên Cụm",
        "Lưu: VT",
    ]
    return context
