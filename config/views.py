import contextlib
import logging
import os
import socket
import sys
import threading
from typing import Any

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# /healthz answers within this many seconds, whatever the database does.
HEALTH_TIMEOUT_SECONDS = 1.5
# The probe's own connect_timeout (libpq's smallest): a probe stuck connecting ends by then.
HEALTH_CONNECT_TIMEOUT = 2


class DatabaseProbe:
    """``SELECT 1`` on a fresh connection of its own, in a thread that the caller waits for.

    A database that accepts TCP but never answers (a hung server, a proxy or firewall that
    drops packets) blocks a client forever: statement_timeout is enforced by the server, and
    the server is the part that is not answering. So the health check neither uses the
    request's connection nor waits unbounded. The probe connects with the driver itself (no
    session set-up queries) and a short connect_timeout; it keeps a duplicate of the
    connection's socket, and when the caller stops waiting, ``abort`` shuts that socket down,
    which ends the probe's blocked read and so its thread. At most one probe runs per process:
    concurrent checks share it, and a check that finds an abandoned probe still stuck answers
    "unreachable" at once instead of starting another thread. One short connection per check is
    nothing at a load balancer's pace (a check every few seconds); /healthz is no benchmark floor.
    """

    _running: "DatabaseProbe | None" = None
    _running_lock = threading.Lock()

    def __init__(self, alias: str = "default") -> None:
        wrapper = connections[alias]
        settings_dict = dict(wrapper.settings_dict)
        options = dict(settings_dict.get("OPTIONS") or {})
        if settings_dict["ENGINE"].startswith("django.db.backends.postgresql"):
            options["connect_timeout"] = HEALTH_CONNECT_TIMEOUT
        settings_dict["OPTIONS"] = options
        self.settings_dict = settings_dict
        self.backend = type(wrapper)
        self.alias = alias
        self.ok = False
        self.lock = threading.Lock()
        self.sock: socket.socket | None = None  # a duplicate of the connection's socket
        self.abandoned = False  # the caller stopped waiting
        self.thread = threading.Thread(target=self.run, name="healthz-probe", daemon=True)

    @classmethod
    def database_answers(cls, timeout: float = HEALTH_TIMEOUT_SECONDS) -> bool:
        with cls._running_lock:
            probe = cls._running
            if probe is None or not probe.thread.is_alive():
                probe = cls._running = cls()
                probe.thread.start()
            elif probe.abandoned:  # stuck since an earlier check gave up on it
                return False
            # else: a check in another thread has just started one; its answer is ours too
        probe.thread.join(timeout)
        if probe.thread.is_alive():
            probe.abort()
            return False
        return probe.ok

    def run(self) -> None:
        raw: Any = None
        try:
            # A wrapper of the project's backend, made in this thread, used only for its
            # connection parameters and its driver's connect (no time zone or role queries).
            wrapper = self.backend(self.settings_dict, alias=f"{self.alias}-healthz")
            raw = wrapper.get_new_connection(wrapper.get_connection_params())
            self.watch(raw)
            cursor = raw.cursor()
            try:
                cursor.execute("SELECT 1")
                cursor.fetchone()
            finally:
                cursor.close()
            self.ok = True
        except Exception:  # whatever it is, the database did not answer; the log says what
            logger.warning("Health check: the database did not answer", exc_info=True)
        finally:
            with self.lock:
                if self.sock is not None:
                    self.sock.close()
                    self.sock = None
            if raw is not None:
                # A broken connection may fail to close; it is gone either way.
                with contextlib.suppress(Exception):
                    raw.close()

    def watch(self, raw: Any) -> None:
        """Keep a duplicate of the connection's socket, for ``abort`` (none for SQLite)."""
        fileno = getattr(raw, "fileno", None)
        if fileno is None:
            return
        sock = socket.socket(fileno=os.dup(fileno()))
        with self.lock:
            self.sock = sock
            if self.abandoned:  # the caller gave up while this probe was connecting
                self.shutdown()

    def abort(self) -> None:
        """Shut the probe's socket down, so that its blocked read returns and its thread ends.

        The duplicate is the probe's own until the probe closes it (under the lock), so this
        can never reach another connection's socket, even if the driver has closed its fd."""
        with self.lock:
            self.abandoned = True
            self.shutdown()

    def shutdown(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError):  # already shut down, or never connected
                self.sock.shutdown(socket.SHUT_RDWR)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and database check for load balancers and monitoring (no login).

    503 when the database refuses, fails or does not answer within HEALTH_TIMEOUT_SECONDS."""
    if not DatabaseProbe.database_answers():
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a lost database answers 503 in Vietnamese, anything else the plain 500 page.

    Django calls this inside its ``except`` block, so ``sys.exc_info()`` names the failure.
    The pages are rendered without the request: its context processors would reach for the
    session and the user, which live in the database that has just failed. Django drops the
    broken connection at the end of the request and the next request connects afresh, so
    service resumes by itself.
    """
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponse(loader.render_to_string("500.html"), status=500)
