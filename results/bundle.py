""" "Print the whole year": one PDF with every document of the year its reader may read, in the
order they are filed. Results sits on top of the apps it gathers (pledges and scoring)."""

from __future__ import annotations

from clusters.models import ClusterYear, Membership
from core.text import vn_sort_key
from documents.rendering import BundlePart, PdfBundle
from pledges.documents import DOCUMENTS as PLEDGE_DOCUMENTS
from pledges.documents import document_context as pledge_context
from pledges.documents import load_for_print as load_pledge
from pledges.models import Pledge
from scoring.access import Reading
from scoring.documents import DOCUMENTS as TABLE_DOCUMENTS
from scoring.documents import SHEET_DOCUMENT, sheet_document_context
from scoring.documents import document_context as table_context
from scoring.models import ScoreSheet, ScoringTable

from .documents import PROPOSAL, SUMMARY, VOTE_COUNT, VOTE_MEETING, summary_context, vote_context

# The year's bundle is made by a background job (documents/jobs.py), from these parameters.
YEAR_BUNDLE = "year-bundle"


def bundle_params(cluster_year: ClusterYear, reading: Reading) -> dict:
    """What the job needs to make the bundle again: the year and what its reader reads."""
    units = None if reading.units is None else sorted(reading.units)
    return {"cluster_year": cluster_year.pk, "units": units, "summary": reading.summary}


def bundle_filename(cluster_year: ClusterYear) -> str:
    return f"ho-so-thi-dua-{cluster_year.year}-{cluster_year.pk}.pdf"


def bundle_from_params(params: dict) -> tuple[PdfBundle, str]:
    """The bundle as the current data makes it (the job's maker, registered in apps.py)."""
    cluster_year = ClusterYear.objects.select_related("cluster__authority").get(
        pk=params["cluster_year"]
    )
    units = params["units"]
    reading = Reading(None if units is None else frozenset(units), bool(params["summary"]))
    return year_parts(cluster_year, reading), bundle_filename(cluster_year)


def year_parts(cluster_year: ClusterYear, reading: Reading) -> PdfBundle:
    """Every document of the year the reader may read, in the order they are filed: the
    covenant, its conference's minutes and attendance sheet; the scoring table; each unit's
    sheet, the leader's first, then in the year's member order; the summary, the vote-count
    minutes, the voting meeting's minutes and the proposal (tờ trình). Before the results are
    final a member unit gets the covenant, the table and its own sheet
    (scoring.access.reading_of). A document with nothing to say is left out: the vote count and
    the proposal without a ballot."""
    parts: list[BundlePart] = []
    if Pledge.objects.filter(cluster_year=cluster_year).exists():
        context = pledge_context(load_pledge(cluster_year.pk))
        for slug in ("giao-uoc", "bien-ban", "diem-danh"):
            kind = PLEDGE_DOCUMENTS[slug]
            parts.append(BundlePart(kind.template, context, (kind.label,)))
    table = ScoringTable.objects.filter(cluster_year=cluster_year).first()
    if table is not None and not table.is_draft:
        kind = TABLE_DOCUMENTS["bang-diem"]
        parts.append(BundlePart(kind.template, table_context(table), (kind.label,)))
        sheets = ScoreSheet.objects.filter(table=table).select_related(
            "unit", "table__cluster_year__cluster__authority"
        )
        if reading.units is not None:
            sheets = sheets.filter(unit_id__in=reading.units)
        for sheet in in_member_order(cluster_year, sheets):
            parts.append(
                BundlePart(
                    SHEET_DOCUMENT.template,
                    sheet_document_context(sheet),
                    (SHEET_DOCUMENT.label, sheet.unit.name),
                )
            )
        if reading.summary:
            parts.append(
                BundlePart(
                    SUMMARY.template,
                    summary_context(cluster_year, table=table),
                    (SUMMARY.label,),
                )
            )
            votes = vote_context(cluster_year)
            for kind in (VOTE_COUNT, VOTE_MEETING, PROPOSAL):
                if votes["ballots"] or kind is VOTE_MEETING:
                    parts.append(BundlePart(kind.template, votes, (kind.label,)))
    return PdfBundle(
        title=f"Hồ sơ thi đua năm {cluster_year.year} — {cluster_year.cluster.name}",
        subject=(
            f"Giao ước, chấm điểm, xếp hạng và bình xét thi đua năm {cluster_year.year} của "
            f"{cluster_year.cluster.name} ({cluster_year.cluster.authority.name})"
        ),
        parts=parts,
    )


def in_member_order(cluster_year: ClusterYear, sheets) -> list[ScoreSheet]:
    """The sheets in the year's member order, the leader unit's first; a sheet of a unit that
    is no longer a member last, by name."""
    order = {
        unit_id: (role != Membership.Role.LEADER, position, pk)
        for unit_id, role, position, pk in cluster_year.memberships.values_list(
            "unit_id", "role", "position", "pk"
        )
    }
    last = (True, float("inf"), float("inf"))
    return sorted(
        sheets, key=lambda sheet: (order.get(sheet.unit_id, last), vn_sort_key(sheet.unit.name))
    )
