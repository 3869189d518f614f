import io
import logging
import tempfile
from collections.abc import Callable
from typing import IO, Any, BinaryIO, cast

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream, WSGIRequest
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.template import loader
from django.utils.cache import patch_cache_control

logger = logging.getLogger(__name__)


class VietnameseByDefaultMiddleware:
    """The UI is Vietnamese unless the user chose English with the language switch.

    Many officials use browsers set to English; the browser's Accept-Language must not switch
    the UI for them. Runs before LocaleMiddleware, which then reads only the language cookie
    (set by the switch) and falls back to LANGUAGE_CODE ("vi")."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class PrivateByDefaultMiddleware:
    """Every page and file is private to whoever asked for it: ``Cache-Control: no-store``.

    The pages show a unit's scores, its evidence and the covenant's scans; on the shared
    computers of commune offices a browser's cache or a proxy's must keep none of them. A view
    that sets Cache-Control itself keeps its own (``never_cache`` on /healthz and the login
    page). Static files never reach this middleware: whitenoise, above it, answers them with
    their long cache lifetime. The public verification page (issuing:verify) is no-store too: its
    answer changes when a document is superseded.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response


class RequestSizeLimitMiddleware:
    """Refuses a request body larger than REQUEST_MAX_BYTES with a 413 page, before it is read.

    Django reads a body when something first asks for ``request.POST`` (the CSRF check does,
    even on the login page), and spools an upload to disk as it parses it: without this, an
    anonymous 300 MB POST costs the server 300 MB of disk and the time to write it. A declared
    Content-Length is checked without reading a byte. A body without one (``Transfer-Encoding:
    chunked``, which the WSGI server de-chunks) is read here, at most REQUEST_MAX_BYTES + 1
    bytes, into a spooled file that Django then parses as if its length had been declared; one
    byte more and the answer is 413. (Left alone, Django would read such a body as empty.)
    The reverse proxy's own limit (nginx: ``client_max_body_size``) should match, so that the
    body is refused before it reaches the application server at all.
    """

    chunk_size = 64 * 1024

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        limit = settings.REQUEST_MAX_BYTES
        declared = request.META.get("CONTENT_LENGTH")
        if declared:
            try:
                too_large = int(declared) > limit
            except ValueError:
                too_large = False  # Django reads nothing of a body of unreadable length
            if too_large:
                return self.refuse(request, f"{declared} bytes declared")
            return self.get_response(request)
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not (chunked and isinstance(request, WSGIRequest)):
            return self.get_response(request)
        body = self.read_capped(request.META["wsgi.input"], limit)
        if body is None:
            return self.refuse(request, "chunked, longer")
        length = body.tell()
        body.seek(0)
        request.META["wsgi.input"] = body
        request.META["CONTENT_LENGTH"] = str(length)
        # What WSGIRequest made of the declared length, made of the read one.
        request._stream = cast(BinaryIO, LimitedStream(cast(io.BytesIO, body), length))
        response = self.get_response(request)
        # Closed with the response (after a streamed one has been sent), like Django's files.
        cast(Any, response)._resource_closers.append(body.close)
        return response

    def read_capped(self, stream: IO[bytes], limit: int) -> IO[bytes] | None:
        """The body in a spooled file, or None if it has more than ``limit`` bytes."""
        # Not a context manager: the file outlives this function as the request's body.
        body = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)  # noqa: SIM115
        read = 0
        while chunk := stream.read(min(self.chunk_size, limit + 1 - read)):
            read += len(chunk)
            if read > limit:
                body.close()
                return None
            body.write(chunk)
        return body

    def refuse(self, request: HttpRequest, size: str) -> HttpResponse:
        logger.warning(
            "Request body too large (%s; the limit is %s bytes): %s %s",
            size,
            settings.REQUEST_MAX_BYTES,
            request.method,
            request.path,
        )
        # Rendered without the request: its context processors would read the session.
        max_mb = settings.REQUEST_MAX_BYTES // (1024 * 1024)
        response = HttpResponse(loader.render_to_string("413.html", {"max_mb": max_mb}), status=413)
        patch_cache_control(response, private=True, no_store=True)
        return response
