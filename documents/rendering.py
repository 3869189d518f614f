"""PDF rendering of the official documents (WeasyPrint), safe by construction.

Documents are rendered in Vietnamese whatever the UI language, from the same templates as their
on-screen preview. WeasyPrint may load nothing but the project's own static files: every URL a
document refers to goes through StaticOnlyFetcher, which refuses http(s), file paths, data: and
anything else that user text could smuggle into the HTML.
"""

from __future__ import annotations

import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import translation
from django.utils._os import safe_join
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Relative and root-relative URLs in a document resolve against this base; only URLs under it
# and under STATIC_URL are ever served.
BASE_URL = "https://documents.invalid/"

PDF_LANGUAGE = "vi"


class RefusedURL(ValueError):
    """A document referred to something outside the project's static files."""


def static_path_for(url: str) -> Path:
    """The file on disk for a document URL, or RefusedURL."""
    parts = urlsplit(url)
    base = urlsplit(BASE_URL)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        raise RefusedURL(f"refused (not a static file of the project): {url[:200]}")
    path = unquote(parts.path)
    static_prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    if not path.startswith(static_prefix):
        raise RefusedURL(f"refused (outside {static_prefix}): {url[:200]}")
    relative = posixpath.normpath(path[len(static_prefix) :])
    if relative.startswith(("../", "/")) or relative in {"..", "."} or "\\" in relative:
        raise RefusedURL(f"refused (path escapes static): {url[:200]}")
    found = finders.find(relative) or _collected(relative)
    if not found:
        raise RefusedURL(f"refused (no such static file): {url[:200]}")
    return Path(found)


def _collected(relative: str) -> str | None:
    """A file of STATIC_ROOT (production: collectstatic's hashed names), never outside it."""
    try:
        path = Path(safe_join(str(settings.STATIC_ROOT), relative))
    except SuspiciousFileOperation:
        return None
    return str(path) if path.is_file() else None


class StaticOnlyFetcher(URLFetcher):
    """Serves the project's static files to WeasyPrint and nothing else."""

    def __init__(self):
        super().__init__(allowed_protocols=["https"], allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        try:
            path = static_path_for(url)
        except RefusedURL:
            self.refused.append(url)
            raise
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            url, body=path.read_bytes(), headers={"Content-Type": content_type}
        )


def render_document_html(template_name: str, context: dict, *, for_pdf: bool, request=None) -> str:
    """The document's HTML. ``for_pdf`` picks the stand-alone print page, rendered in
    Vietnamese; the screen preview embeds the same document in the application's page (whose
    menus follow the UI language; the document's own text is Vietnamese in the template)."""
    context = {
        **context,
        "doc_base": "documents/pdf.html" if for_pdf else "documents/preview.html",
        "for_pdf": for_pdf,
    }
    if not for_pdf:
        return render_to_string(template_name, context, request=request)
    with translation.override(PDF_LANGUAGE):
        return render_to_string(template_name, context)


def render_pdf(
    template_name: str, context: dict, *, fetcher: StaticOnlyFetcher | None = None
) -> bytes:
    """Render a print template to PDF bytes."""
    html = render_document_html(template_name, context, for_pdf=True)
    return html_to_pdf(html, fetcher=fetcher)


def html_to_pdf(html: str, *, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    return HTML(
        string=html, base_url=BASE_URL, url_fetcher=fetcher or StaticOnlyFetcher()
    ).write_pdf()


def static_url(path: str) -> str:
    """Absolute URL of a static file for print templates (resolves through the fetcher)."""
    return BASE_URL.rstrip("/") + "/" + settings.STATIC_URL.strip("/") + "/" + path.lstrip("/")


def render_pdf_bundle(parts: list[tuple[str, dict]]) -> bytes:
    """Several print templates as one PDF, each keeping its own page size and numbering."""
    documents = []
    for template_name, context in parts:
        html = render_document_html(template_name, context, for_pdf=True)
        documents.append(
            HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher()).render()
        )
    if not documents:
        raise ValueError("nothing to print")
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()
