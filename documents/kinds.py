"""What every printed document is made of, whatever app prints it: its kind (template, title,
file name), its Decree 30 header, and the HTTP responses that carry it (preview, PDF, file)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header

from .rendering import render_document_html, render_pdf

DOTS = "……………"  # what a văn thư fills in by hand


@dataclass(frozen=True)
class DocumentKind:
    """A printed document: its URL slug, its print template, its title as printed (Vietnamese,
    whatever the UI language) and the stem of its file name."""

    slug: str
    template: str
    label: str
    filename: str


def kinds_by_slug(*kinds: DocumentKind) -> dict[str, DocumentKind]:
    return {kind.slug: kind for kind in kinds}


def document_header(
    *,
    issuer_parent: str,
    issuer: str,
    year: int,
    place: str = DOTS,
    date: datetime.date | None = None,
    number: str | None = None,
    upper: bool = True,
    **extra: object,
) -> dict:
    """The Decree 30 header of a document (templates/documents/_header.html): the parent body
    and the issuing body (printed in capitals), the number, and the place and date line (left
    blank for the văn thư when not known; the year alone when only it is). ``upper=False`` keeps
    the bodies as typed (the covenant's, which the clerk writes as they are to be printed)."""
    return {
        "issuer_parent": issuer_parent.upper() if upper else issuer_parent,
        "issuer": issuer.upper() if upper else issuer,
        "number": number,
        "place": place,
        "date": date,
        "year": year,
        **extra,
    }


def file_response(
    content: bytes, *, filename: str, content_type: str, inline: bool = False
) -> HttpResponse:
    """A generated file (PDF, spreadsheet) with a download name that survives any browser."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = str(content_disposition_header(not inline, filename))
    return response


def stored_file_response(file: FieldFile, *, filename: str, content_type: str) -> FileResponse:
    """An uploaded file (evidence, a signed scan) given back as a download, never rendered by
    the browser: an attachment, in a sandbox that runs nothing even if it is opened."""
    response = FileResponse(
        file.open("rb"),
        content_type=content_type or "application/octet-stream",
        as_attachment=True,
        filename=filename,
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def pdf_response(pdf: bytes, *, filename: str, inline: bool = True) -> HttpResponse:
    """A PDF, shown in the browser unless ``inline`` is off (the year's bundle downloads)."""
    return file_response(pdf, filename=filename, content_type="application/pdf", inline=inline)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, *, filename: str) -> HttpResponse:
    return file_response(content, filename=filename, content_type=XLSX)


def render_pdf_response(template: str, context: dict, *, filename: str) -> HttpResponse:
    return pdf_response(render_pdf(template, context), filename=filename)


def preview_response(
    request: HttpRequest,
    template: str,
    context: dict,
    *,
    title: str,
    pdf_url: str,
    back_url: str,
    crumbs: list,
    subtitle: str = "",
) -> HttpResponse:
    """The on-screen preview of a document: the same print template, inside the page."""
    html = render_document_html(
        template,
        {
            **context,
            "preview_title": title,
            "preview_subtitle": subtitle,
            "pdf_url": pdf_url,
            "back_url": back_url,
            "crumbs": crumbs,
        },
        for_pdf=False,
        request=request,
    )
    return HttpResponse(html)
