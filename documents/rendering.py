"""PDF rendering of the official documents (WeasyPrint), safe by construction.

Documents are rendered in Vietnamese whatever the UI language, from the same templates as their
on-screen preview. WeasyPrint may load nothing but the project's own static files: every URL a
document refers to goes through StaticOnlyFetcher, which refuses http(s), file paths, data: and
anything else that user text could smuggle into the HTML.
"""

from __future__ import annotations

import io
import logging
import mimetypes
import multiprocessing
import posixpath
import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import translation
from django.utils._os import safe_join
from django.utils.translation import gettext as _
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Relative and root-relative URLs in a document resolve against this base; only URLs under it
# and under STATIC_URL are ever served.
BASE_URL = "https://documents.invalid/"

PDF_LANGUAGE = "vi"


logger = logging.getLogger(__name__)


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
def rendering_guard():
    """Turn any failure or overrun of WeasyPrint into a PdfRenderError whose message (in the UI
    language) the user can act on; the details go to the log."""
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
        return render_to_string(template_name, context)


def render_pdf(
    template_name: str, context: dict, *, fetcher: StaticOnlyFetcher | None = None
) -> bytes:
    """Render a print template to PDF bytes."""
    html = render_document_html(template_name, context, for_pdf=True)
    return html_to_pdf(html, fetcher=fetcher)


def html_to_pdf(html: str, *, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    with rendering_guard():
        return HTML(
            string=html, base_url=BASE_URL, url_fetcher=fetcher or StaticOnlyFetcher()
        ).write_pdf()


def static_url(path: str) -> str:
    """Absolute URL of a static file for print templates (resolves through the fetcher)."""
    return BASE_URL.rstrip("/") + "/" + settings.STATIC_URL.strip("/") + "/" + path.lstrip("/")


def render_pdf_bundle(parts: list[tuple[str, dict]]) -> bytes:
    """Several print templates as one PDF, each keeping its own page size and numbering.

    A year's bundle runs to about 90 pages. On the main thread (gunicorn's sync workers) its
    documents are laid out in parallel by PDF_BUNDLE_PROCESSES forked copies of this warm
    process, then joined; elsewhere (the development server's threads), one after the other.
    """
    htmls = [render_document_html(name, context, for_pdf=True) for name, context in parts]
    if not htmls:
        raise ValueError("nothing to print")
    processes = min(int(getattr(settings, "PDF_BUNDLE_PROCESSES", 1)), len(htmls))
    with rendering_guard():  # one time limit for the whole bundle
        if processes > 1 and threading.current_thread() is threading.main_thread():
            return _joined(_rendered_in_processes(htmls, processes))
        documents = [
            HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher()).render()
            for html in htmls
        ]
        pages = [page for document in documents for page in document.pages]
        return documents[0].copy(pages).write_pdf()


def _pdf_of(html: str) -> bytes:
    """One document, in a forked worker (no database: the HTML is made before the fork)."""
    return HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher()).write_pdf()


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


def _joined(pdfs: list[bytes]) -> bytes:
    """The documents' pages in order in one PDF, with the first document's title."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    readers = [PdfReader(io.BytesIO(pdf)) for pdf in pdfs]
    for reader in readers:
        writer.append(reader)
    if readers[0].metadata:
        writer.add_metadata(dict(readers[0].metadata))
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()
