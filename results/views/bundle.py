"""The year's bundle: every document of the year as one PDF."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from clusters.access import get_cluster_year_for_user
from documents.kinds import pdf_response
from documents.rendering import render_pdf_bundle
from scoring.access import reading_of

from ..bundle import year_parts


@login_required
def year_bundle(request: HttpRequest, pk: int) -> HttpResponse:
    cluster_year, _can_manage = get_cluster_year_for_user(request.user, pk)
    bundle = year_parts(cluster_year, reading_of(request.user, cluster_year))
    if not bundle.parts:
        raise Http404
    return pdf_response(
        render_pdf_bundle(bundle),
        filename=f"ho-so-thi-dua-{cluster_year.year}-{cluster_year.pk}.pdf",
        inline=False,
    )
