""" "Print the whole year": one PDF with the covenant, every unit's score sheet, the summary
table and the minutes. It spans the apps, so it lives in the project, not in one of them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse

from clusters.access import get_cluster_year_for_user
from documents.rendering import render_pdf_bundle
from pledges.documents import DOCUMENTS as PLEDGE_DOCUMENTS
from pledges.documents import document_context as pledge_context
from pledges.documents import load_for_print as load_pledge
from pledges.models import Pledge
from scoring.models import ScoringTable
from scoring.results_views import summary_context, vote_context
from scoring.sheet_models import ScoreSheet
from scoring.sheet_views import sheet_document_context


def year_parts(cluster_year) -> list[tuple[str, dict]]:
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
        for sheet in sheets:
            parts.append(("scoring/print/sheet.html", sheet_document_context(sheet)))
        parts.append(("scoring/print/summary.html", summary_context(cluster_year)))
        votes = vote_context(cluster_year)
        parts.append(("scoring/print/vote_meeting.html", votes))
        if votes["ballots"]:
            parts.append(("scoring/print/vote_count.html", votes))
    return parts


@login_required
def year_bundle(request, pk: int):
    cluster_year, _can_manage = get_cluster_year_for_user(request.user, pk)
    parts = year_parts(cluster_year)
    if not parts:
        raise Http404
    response = HttpResponse(render_pdf_bundle(parts), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="ho-so-thi-dua-{cluster_year.year}-{cluster_year.pk}.pdf"'
    )
    return response
