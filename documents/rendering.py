"""PDF rendering of the official documents (WeasyPrint), safe by construction.

Documents are rendered in Vietnamese whatever the UI language, from the same templates as their
on-screen preview. WeasyPrint may load nothing but the project's own static files: every URL a
document refers to goes through StaticOnlyFetcher, which refuses http(s), file paths, data: and
anything else that user text could smuggle into the HTML. The type is the project's own
(static/fonts, loaded by print.css), so a document prints the same on every machine.

Every document, and the year's bundle, is an archival PDF (PDF/A-3b) with structure tags, its own
title and subject, and the language "vi": the options are set here once, for every kind.
"""

from __future__ import annotations

import logging
import mimetypes
import multiprocessing
import posixpath
import signal
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import translation
from django.utils._os import safe_join
from django.utils.html import escape
from django.utils.translation import gettext as _

from .pdfjoin import join_pdfs

with warnings.catch_warnings():
    # Said once per process instead, on the first render (see _SubsetterNotice).
    warnings.filterwarnings("ignore", "HarfBuzz-Subset will be required", DeprecationWarning)
    from weasyprint import HTML
    from weasyprint.logger import LOGGER as WEASYPRINT_LOGGER
    from weasyprint.urls import URLFetcher, URLFetcherResponse

# Relative and root-relative URLs in a document resolve against this base; only URLs under it
# and under STATIC_URL are ever served.
BASE_URL = "https://documents.invalid/"

PDF_LANGUAGE = "vi"

# PDF/A-3, level B (ISO 19005-3): the archival form of every document. Level B keeps how the
# document looks; the tags WeasyPrint adds (pdf_tags) give it a reading order and structure for
# screen readers, without claiming level A, which no validator of ours checks. Part 3 rather than
# 2 leaves room to attach the source data (the summary's spreadsheet) to a document later.
PDF_OPTIONS = {"pdf_variant": "pdf/a-3b", "pdf_tags": True}


logger = logging.getLogger(__name__)


class _SubsetterNotice(logging.Filter):
    """Without the system's HarfBuzz-Subset library, WeasyPrint subsets the embedded fonts with
    fontTools (a Python package it depends on: the same PDF, about 50 ms more per typeface and
    document) and warns about it on every render. Once per process is enough to know it."""

    said = False

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith("Using fontTools instead of HarfBuzz-Subset"):
            return True
        if self.said:
            return False
        self.said = True
        return True


WEASYPRINT_LOGGER.addFilter(_SubsetterNotice())


class RefusedURL(ValueError):
    """A document referred to something outside the project's static files."""


class PdfRenderError(Exception):
    """The PDF could not be made; the message is for the user (DocumentErrorMiddleware shows it)."""


class _PdfTimeout(BaseException):
    # BaseException, so that no ``except Exception`` inside WeasyPrint swallows it.
    pass


@contextmanager
def time_limit(seconds: float):
    """Interrupt the block after ``seconds`` (SIGALRM, on the main thread only).

    Sync gunicorn workers and the development server's request threads differ: on a thread
    other than the main one no alarm can be set and gunicorn's own ``--timeout`` remains the
    backstop. The previous handler and timer are restored, so nothing leaks into the next request.
    """
    on_main_thread = threading.current_thread() is threading.main_thread()
    usable = seconds > 0 and hasattr(signal, "SIGALRM") and on_main_thread
    if not usable:
        yield
        return

    def expired(signum, frame):
        raise _PdfTimeout

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def rendering_guard(seconds: float | None = None):
    """Turn any failure or overrun of WeasyPrint into a PdfRenderError whose message (in the UI
    language) the user can act on; the details go to the log. The time limit is a request's
    (PDF_TIMEOUT_SECONDS) unless ``seconds`` says otherwise (a background job's)."""
    if seconds is None:
        seconds = float(getattr(settings, "PDF_TIMEOUT_SECONDS", 25))
    try:
        with time_limit(seconds):
            yield
    except _PdfTimeout:
        logger.error("PDF rendering stopped after %s s", seconds)
        raise PdfRenderError(
            _(
                "The PDF took longer than %(seconds)s seconds to make and was stopped. "
                "Please try again later; if it happens again, tell the emulation staff."
            )
            % {"seconds": f"{seconds:g}"}
        ) from None
    except PdfRenderError:
        raise
    except Exception as error:
        logger.exception("PDF rendering failed")
        raise PdfRenderError(
            _(
                "The PDF could not be made (%(error)s). Nothing has been changed; please try "
                "again, and tell the emulation staff if it happens again."
            )
            % {"error": type(error).__name__}
        ) from error


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
        html = render_to_string(template_name, context)
    return with_subject(html, document_subject(context))


def document_subject(context: dict) -> str:
    """A document's subject in its PDF metadata: whose it is and which year ("Cụm thi đua các
    xã thuộc thành phố Thái Nguyên, năm 2024"), from two keys every print context carries:
    ``cluster`` (anything with a name) and ``year``."""
    name = str(getattr(context.get("cluster"), "name", "") or "")
    year = context.get("year")
    return ", ".join(part for part in (name, f"năm {year}" if year else "") if part)


def with_subject(html: str, subject: str) -> str:
    """The HTML with ``<meta name="description">``, which WeasyPrint writes as the PDF's
    subject (the title is the template's own ``<title>``)."""
    if not subject:
        return html
    return html.replace("<head>", f'<head><meta name="description" content="{escape(subject)}">', 1)


def render_pdf(
    template_name: str, context: dict, *, fetcher: StaticOnlyFetcher | None = None
) -> bytes:
    """Render a print template to PDF bytes."""
    html = render_document_html(template_name, context, for_pdf=True)
    return html_to_pdf(html, fetcher=fetcher)


def html_to_pdf(html: str, *, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    with rendering_guard():
        return _pdf_of(html, fetcher=fetcher)


def _pdf_of(html: str, *, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """One document as an archival PDF (in this process or in a forked bundle worker: no
    database, the HTML is made before)."""
    return HTML(
        string=html, base_url=BASE_URL, url_fetcher=fetcher or StaticOnlyFetcher()
    ).write_pdf(**PDF_OPTIONS)


def static_url(path: str) -> str:
    """Absolute URL of a static file for print templates (resolves through the fetcher)."""
    return BASE_URL.rstrip("/") + "/" + settings.STATIC_URL.strip("/") + "/" + path.lstrip("/")


@dataclass(frozen=True)
class BundlePart:
    """One document of a bundle: its print template and context, and its place in the bundle's
    outline: ("Bản giao ước thi đua",), or ("Phiếu chấm điểm", "xã Đồng Liên") for an entry
    under a heading that the documents after it with the same heading share. Unpacks as
    ``(template, context)``, the two things a document is rendered from."""

    template: str
    context: dict
    outline: tuple[str, ...]

    def __iter__(self) -> Iterator:
        return iter((self.template, self.context))


@dataclass(frozen=True)
class PdfBundle:
    """Documents printed as one PDF, with the bundle's own title and subject (its language is
    the documents' own, "vi"). Iterates over its parts."""

    title: str
    subject: str
    parts: list[BundlePart]

    def __iter__(self) -> Iterator[BundlePart]:
        return iter(self.parts)

    def __len__(self) -> int:
        return len(self.parts)


def bundle_htmls(bundle: PdfBundle) -> list[str]:
    """The print HTML of each document of the bundle: what its PDF is made from (and what a
    generated file's key is computed from, documents/jobs.py)."""
    return [render_document_html(part.template, part.context, for_pdf=True) for part in bundle]


def render_pdf_bundle(
    bundle: PdfBundle, *, htmls: list[str] | None = None, seconds: float | None = None
) -> bytes:
    """Several documents as one archival PDF, in the bundle's order. Each document is rendered
    on its own, so it keeps its page size, its page numbers (from its page 2, as Decree 30 has
    them) and its structure; the joined file has one outline entry per document (pdfjoin).
    ``htmls``: the documents' HTML when already built (bundle_htmls); ``seconds``: the time
    limit, when not a request's.

    A year's bundle runs to about 90 pages. On the main thread (a background worker; gunicorn's
    sync workers) its documents are laid out in parallel by PDF_BUNDLE_PROCESSES forked copies
    of this warm process, then joined; elsewhere (the development server's threads), one after
    the other.
    """
    parts = list(bundle)
    if htmls is None:
        htmls = bundle_htmls(bundle)
    if not htmls:
        raise ValueError("nothing to print")
    processes = min(int(getattr(settings, "PDF_BUNDLE_PROCESSES", 1)), len(htmls))
    with rendering_guard(seconds):  # one time limit for the whole bundle, joining included
        if processes > 1 and threading.current_thread() is threading.main_thread():
            pdfs = _rendered_in_processes(htmls, processes)
        else:
            pdfs = [_pdf_of(html) for html in htmls]
        return join_pdfs(
            pdfs,
            outline=[part.outline for part in parts],
            title=bundle.title,
            subject=bundle.subject,
            lang=PDF_LANGUAGE,
        )


# Signals a forked worker must not inherit from its parent: gunicorn's worker catches TERM (only
# setting a flag), QUIT, INT, ABRT, WINCH and USR1/2, and our time limit catches ALRM. A child
# that kept gunicorn's TERM handler would ignore Pool.terminate() and hang the request.
_RESET_IN_CHILD = ("SIGTERM", "SIGINT", "SIGQUIT", "SIGABRT", "SIGALRM", "SIGHUP", "SIGWINCH",
                   "SIGUSR1", "SIGUSR2")  # fmt: skip


def _child_signals() -> None:
    for name in _RESET_IN_CHILD:
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    signal.set_wakeup_fd(-1)  # gunicorn's wake-up pipe belongs to the parent


def _rendered_in_processes(htmls: list[str], processes: int) -> list[bytes]:
    # fork: the children start warm, with WeasyPrint, fonts and settings already loaded (a fresh
    # interpreter would spend about 0.35 s on imports). Leaving the block, on success, error or
    # time limit, terminates them.
    context = multiprocessing.get_context("fork")
    with context.Pool(processes, initializer=_child_signals) as pool:
        return pool.map(_pdf_of, htmls, chunksize=1)
