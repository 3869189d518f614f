"""The results' printed documents: the summary score table, the vote-count minutes, the
voting-meeting minutes and the proposal (tờ trình) — what each print template receives."""

from __future__ import annotations

from django.utils.safestring import mark_safe

from clusters.models import Membership
from documents.kinds import DocumentKind, document_header, kinds_by_slug
from scoring.models import ScoringTable

from .charts import results_bar_chart
from .ranking import load_results

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


def summary_context(cluster_year, *, table: ScoringTable | None = None) -> dict:
    """The ranked results with each score section's subtotal, the chart and who signs."""
    table, tree, ranked = load_results(cluster_year, table=table)
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
    return {
        "table": table,
        "year": cluster_year.year,
        "cluster": cluster_year.cluster,
        "score_roots": score_roots,
        "chart": mark_safe(  # noqa: S308 - built from escaped values in results/charts.py
            results_bar_chart(ranked, tree.roots, nominal=table.nominal_total, width=900)
        ),
        "rows": [
            {
                "result": result,
                "sections": [result.totals.sections.get(root.pk) for root in score_roots],
            }
            for result in ranked
        ],
        "header": document_header(
            issuer_parent=authority.short_name or authority.name,
            issuer=cluster_year.cluster.name,
            place=authority.place_name,
            year=cluster_year.year,
        ),
        "leader_block": {
            "unit_line": "CỤM TRƯỞNG",
            "authority_line": f"CHỦ TỊCH UBND {leader.unit.name}".upper() if leader else "",
            "title": "",
            "name": leader.signer_name if leader else "",
        },
    }


def vote_context(cluster_year) -> dict:
    """Results, ballots with their computed outcomes, and the people who sign."""
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
    context["held_on"] = next((b.held_on for b in ballots if b.held_on), None)
    context["proposal_recipients"] = [
        cluster_year.cluster.authority.name,
        "Các đơn vị thành viên Cụm",
        "Lưu: VT",
    ]
    return context
