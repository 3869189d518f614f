"""The scoring app's printed documents on screen and as PDF: the table, the blank form (for
the cluster or one unit) and a unit's score sheet."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from clusters.models import Unit
from core.ids import parse_id
from documents.kinds import preview_response, render_pdf_response

from .. import access
from ..documents import (
    DOCUMENTS,
    SHEET_DOCUMENT,
    document_context,
    load_for_print,
    sheet_document_context,
)
from .links import scores_crumbs, sheet_url, table_crumbs, table_url


def _document(request, pk: int, slug: str):
    cluster_year, table, _rights = access.get_table_for_user(request.user, pk)
    kind = DOCUMENTS.get(slug)
    if table is None or kind is None:
        raise Http404
    unit = None
    if slug == "phieu-cham" and request.GET.get("unit"):
        wanted = parse_id(request.GET["unit"])
        if wanted is None:  # "?unit=abc": no unit of the year
            raise Http404
        unit = get_object_or_404(Unit, pk=wanted, memberships__cluster_year=cluster_year)
    return cluster_year, kind, document_context(load_for_print(cluster_year.pk), unit=unit), unit


@login_required
def table_document(request, pk: int, slug: str):
    cluster_year, kind, context, unit = _document(request, pk, slug)
    pdf_url = reverse("scoring:table_document_pdf", args=[cluster_year.pk, slug])
    if unit:
        pdf_url += f"?unit={unit.pk}"
    return preview_response(
        request,
        kind.template,
        context,
        title=kind.label,
        subtitle=f"{cluster_year.cluster.name} — {cluster_year.year}",
        pdf_url=pdf_url,
        back_url=table_url(cluster_year.pk),
        crumbs=table_crumbs(cluster_year, kind.label),
    )


@login_required
def table_document_pdf(request, pk: int, slug: str):
    cluster_year, kind, context, unit = _document(request, pk, slug)
    suffix = f"-{unit.pk}" if unit else ""
    return render_pdf_response(
        kind.template, context, filename=f"{kind.filename}-{cluster_year.year}{suffix}.pdf"
    )


@login_required
def sheet_document(request, pk: int):
    sheet, _rights = access.get_sheet_for_user(request.user, pk)
    return preview_response(
        request,
        SHEET_DOCUMENT.template,
        sheet_document_context(sheet),
        title=_("Score sheet of %(unit)s") % {"unit": sheet.unit.name},
        pdf_url=reverse("scoring:sheet_pdf", args=[sheet.pk]),
        back_url=sheet_url(sheet.pk),
        crumbs=scores_crumbs(sheet.table.cluster_year, (sheet.unit.name, None)),
    )


@login_required
def sheet_pdf(request, pk: int):
    sheet, _rights = access.get_sheet_for_user(request.user, pk)
    year = sheet.table.cluster_year.year
    return render_pdf_response(
        SHEET_DOCUMENT.template,
        sheet_document_context(sheet),
        filename=f"{SHEET_DOCUMENT.filename}-{year}-{sheet.unit_id}.pdf",
    )
