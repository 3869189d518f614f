""" "Print the whole year": one PDF with the covenant, every unit's score sheet, the summary
table and the minutes. Results sits on top of the apps it gathers (pledges and scoring)."""

from __future__ import annotations

from pledges.documents import DOCUMENTS as PLEDGE_DOCUMENTS
from pledges.documents import document_context as pledge_context
from pledges.documents import load_for_print as load_pledge
from pledges.models import Pledge
from scoring.access import Reading
from scoring.documents import SHEET_DOCUMENT, sheet_document_context
from scoring.models import ScoreSheet, ScoringTable

from .documents import SUMMARY, VOTE_COUNT, VOTE_MEETING, summary_context, vote_context


def year_parts(cluster_year, reading: Reading) -> list[tuple[str, dict]]:
    """(template, context) of every document of the year the reader may read, in the order
    they are filed: a member unit before the results are final gets the covenant and its own
    sheet (scoring.access.reading_of)."""
    parts: list[tuple[str, dict]] = []
    if Pledge.objects.filter(cluster_year=cluster_year).exists():
        context = pledge_context(load_pledge(cluster_year.pk))
        parts.append((PLEDGE_DOCUMENTS["giao-uoc"].template, context))
        parts.append((PLEDGE_DOCUMENTS["bien-ban"].template, context))
    table = ScoringTable.objects.filter(cluster_year=cluster_year).first()
    if table is not None and not table.is_draft:
        sheets = (
            ScoreSheet.objects.filter(table=table)
            .select_related("unit", "table__cluster_year__cluster__authority")
            .order_by("unit__name")
        )
        if reading.units is not None:
            sheets = sheets.filter(unit_id__in=reading.units)
        for sheet in sheets:
            parts.append((SHEET_DOCUMENT.template, sheet_document_context(sheet)))
        if not reading.summary:
            return parts
        parts.append((SUMMARY.template, summary_context(cluster_year, table=table)))
        votes = vote_context(cluster_year)
        parts.append((VOTE_MEETING.template, votes))
        if votes["ballots"]:
            parts.append((VOTE_COUNT.template, votes))
    return parts
