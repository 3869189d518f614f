"""Two web nodes, one site: nothing a request leaves behind is kept on the node that served it.

Two gunicorn servers (the production server) on two loopback ports share what several machines
would share: the PostgreSQL database (the test's own, its rows committed: transaction=True), one
MEDIA_ROOT (a shared directory: NFS on real machines) and one Redis database (REDIS_URL). A
browser's cookies go to both, as behind a round-robin proxy. Signed in through A, the session
works on B; a file uploaded through A is downloaded, byte for byte, through B; requests counted
by the throttle on A are counted on B. With a job worker (`manage.py worker`, a third process
with the same environment): the year's bundle asked for on A is made by the worker into the
shared directory and served by B.
"""

from __future__ import annotations

import datetime
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from documents.models import GeneratedFile
from pledges.models import Pledge
from results.bundle import YEAR_BUNDLE
from tests.conftest import needs

REDIS_URL = os.environ.get("TWO_NODES_REDIS_URL", "redis://127.0.0.1:6379/9")
PASSWORD = "pw-test-123"  # noqa: S105 - the world's users (tests/conftest.py)

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (make test-pg; CI runs it): two server processes cannot share "
        "the SQLite test database, which pytest-django keeps in memory",
    ),
    pytest.mark.django_db(transaction=True),
]


def _redis_or_skip():
    """A client of the tests' Redis database, emptied. Outside CI a machine without Redis skips
    the test; in CI, whose machines run Redis on 127.0.0.1:6379, that is a failure."""
    import redis  # noqa: PLC0415 - the dependency only the Redis deployments load

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.flushdb()
    except redis.RedisError as exc:
        needs(f"needs Redis at {REDIS_URL} (TWO_NODES_REDIS_URL): {exc}")
    return client


def _database_url() -> str:
    """The test database, as a server process reaches it."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{quote(db['USER'] or '')}{password}@{host}:{db['PORT'] or 5432}/" + quote(
        db["NAME"]
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Process:
    """One process of the site with the shared environment; its output in a log file."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], logs: Path):
        self.name = name
        self.env = env
        self.log_path = logs / f"{name}.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and commands
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """Asked to stop (SIGTERM), then killed if it has not within 20 s."""
        try:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(20)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(10)
        finally:
            self.log.close()


class Node(Process):
    """One gunicorn server."""

    def __init__(self, name: str, env: dict[str, str], logs: Path):
        self.port = _free_port()
        super().__init__(
            f"node-{name}",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--timeout",
                "60",
                # gunicorn 27's control socket has one default path per user: two servers on
                # one machine would share it.
                "--no-control-socket",
            ],
            env,
            logs,
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_until_up(self, within: float = 90) -> None:
        deadline = time.monotonic() + within
        while True:
            try:
                with urllib.request.urlopen(self.url("/healthz"), timeout=5) as answer:
                    if answer.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            assert self.process.poll() is None, self.output()
            assert time.monotonic() < deadline, f"{self.name} not up:\n{self.output()}"
            time.sleep(0.3)


@pytest.fixture(params=["db", "cached_db"])
def nodes(request, settings, tmp_path):
    """Nodes A and B: sessions in the database, or read from Redis and written through to it."""
    redis_client = _redis_or_skip()
    env = {
        **os.environ,
        # DEBUG off, as in production. PYTEST_VERSION stays: the servers keep the test settings'
        # password hasher (the world's users were saved with it) and plain static files (the
        # production manifest needs a collectstatic of about 35 s).
        "DEBUG": "0",
        "SECRET_KEY": "two-nodes-" + uuid.uuid4().hex,  # one key: both nodes sign alike
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": _database_url(),
        "CONN_MAX_AGE": "0",  # no connection left open when the test database is flushed
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "REDIS_URL": REDIS_URL,
        "SESSION_CACHE": "1" if request.param == "cached_db" else "0",
        "VERIFY_PER_MINUTE": "3",
        # Jobs queued in the database, for a worker (not run inside the request, the tests'
        # default).
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    }
    started: list[Node] = []
    try:
        for name in ("a", "b"):
            started.append(Node(name, env, tmp_path))
        for node in started:
            node.wait_until_up()
        yield started[0], started[1], redis_client
    finally:
        for node in started:
            node.stop()
        redis_client.flushdb()
        redis_client.close()


@pytest.fixture
def worker(nodes, tmp_path):
    """A job worker (`manage.py worker`) with the nodes' environment: same database, same
    MEDIA_ROOT. Stopped (SIGTERM, then SIGKILL) whatever the test's outcome."""
    node_a, _node_b, _redis_client = nodes
    process = Process(
        "worker",
        [sys.executable, "manage.py", "worker", "--no-startup-delay", "--interval", "0.2"],
        # The bundle laid out in the worker itself: no forked copies to wait for on 2 cores.
        {**node_a.env, "PDF_BUNDLE_PROCESSES": "1"},
        tmp_path,
    )
    try:
        yield process
    finally:
        process.stop()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One browser: cookies go to every node of the site (cookies ignore the port)."""

    def __init__(self):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect()
        )

    def request(self, url: str, data: bytes | None = None, headers: dict | None = None):
        """(status, headers, body) of the answer, redirects not followed."""
        try:
            with self.opener.open(
                urllib.request.Request(url, data=data, headers=headers or {}), timeout=60
            ) as answer:
                return answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers, error.read()

    def csrf_token(self) -> str:
        return next(c.value for c in self.cookies if c.name == settings.CSRF_COOKIE_NAME)

    def post(self, url: str, fields: dict[str, str], referer: str):
        fields = {"csrfmiddlewaretoken": self.csrf_token(), **fields}
        return self.request(
            url,
            urlencode(fields).encode(),
            {"Content-Type": "application/x-www-form-urlencoded", "Referer": referer},
        )

    def upload(self, url: str, field: str, filename: str, content: bytes, referer: str):
        boundary = uuid.uuid4().hex
        body = (
            (
                f"--{boundary}\r\nContent-Disposition: form-data; "
                f'name="csrfmiddlewaretoken"\r\n\r\n{self.csrf_token()}\r\n'
                f"--{boundary}\r\nContent-Disposition: form-data; "
                f'name="{field}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return self.request(
            url,
            body,
            {"Content-Type": f"multipart/form-data; boundary={boundary}", "Referer": referer},
        )


def _signed_pledge(world) -> Pledge:
    pledge = world.pledge
    pledge.date = datetime.date(2024, 3, 20)
    pledge.save()
    pledge.adopt()
    pledge.sign()
    return pledge


def _sign_in(browser: Browser, node: Node, username: str) -> None:
    """Signed in through the node's login form (its CSRF cookie)."""
    login = reverse("login")
    status, _headers, page = browser.request(node.url(login))
    assert status == 200, page[:2000]
    status, headers, _page = browser.post(
        node.url(login), {"username": username, "password": PASSWORD}, node.url(login)
    )
    assert (status, headers["Location"]) == (302, reverse("clusters:home")), node.output()


def test_a_session_a_file_and_a_throttle_are_the_same_on_both_nodes(nodes, world):
    node_a, node_b, redis_client = nodes
    clerk = world.users["leader_clerk"]
    pledge = _signed_pledge(world)
    browser = Browser()
    home = reverse("clusters:home")
    login = reverse("login")

    # Signed in through A ...
    _sign_in(browser, node_a, clerk.username)
    # ... the session works on B.
    status, _headers, page = browser.request(node_b.url(home))
    assert status == 200, node_b.output()
    assert clerk.username.encode() in page or world.leader.name.encode() in page

    # A file uploaded through A (the signed covenant's scan) is stored once, in the shared
    # directory, and B gives back the same bytes.
    content = b"%PDF-1.7\n1 0 obj\n<< /Hai /May >>\nendobj\n" + os.urandom(4096)
    detail = node_a.url(reverse("pledges:pledge_detail", args=[world.cluster_year.pk]))
    status, _headers, _page = browser.upload(
        node_a.url(reverse("pledges:pledge_scan_upload", args=[world.cluster_year.pk])),
        "scan",
        "ban-ky.pdf",
        content,
        detail,
    )
    assert status == 302, node_a.output()
    pledge.refresh_from_db()
    assert pledge.scan and (Path(settings.MEDIA_ROOT) / pledge.scan.name).read_bytes() == content
    status, headers, body = browser.request(
        node_b.url(reverse("pledges:pledge_scan", args=[world.cluster_year.pk]))
    )
    assert status == 200, node_b.output()
    assert headers["Content-Type"] == "application/pdf"
    assert body == content

    # The verification page allows 3 checks a minute per address: 3 on A, the 4th on B is one
    # too many. (Counted per calendar minute: not started in its last seconds.)
    if time.time() % 60 > 50:
        time.sleep(61 - time.time() % 60)
    verify = reverse("issuing:verify", args=["KHONGCO"])
    answers = [browser.request(node_a.url(verify))[0] for _ in range(3)]
    assert answers == [404, 404, 404]  # no such code; counted all the same
    status, headers, _page = browser.request(node_b.url(verify))
    assert status == 429 and headers["Retry-After"] == "60"
    assert any(key.startswith(b"giaouoc:") for key in redis_client.keys("*"))

    # Signed out through B: A no longer knows the session either.
    status, _headers, _page = browser.post(node_b.url(reverse("logout")), {}, node_b.url(home))
    assert status == 302
    status, headers, _page = browser.request(node_a.url(home))
    assert status == 302 and headers["Location"].startswith(login)


BUNDLE_STATE = re.compile(rb'data-testid="bundle-state" data-state="([a-z]+)"')
DOWNLOAD = re.compile(rb'<a [^>]*href="([^"]+)"[^>]*data-testid="bundle-download"')


# The session store is not what this test is about (the test above tries both): Redis' alone.
@pytest.mark.parametrize("nodes", ["cached_db"], indirect=True)
def test_a_bundle_asked_for_on_one_node_is_made_by_the_worker_and_served_by_the_other(
    nodes, worker, world
):
    node_a, node_b, _redis_client = nodes
    browser = Browser()
    _sign_in(browser, node_a, world.users["leader_clerk"].username)  # reads the year's documents
    page = reverse("results:year_bundle", args=[world.cluster_year.pk])

    # Asked for on A: queued in the database, not made in A's request.
    status, _headers, html = browser.request(node_a.url(page))
    assert status == 200, node_a.output()
    assert BUNDLE_STATE.search(html).group(1) == b"none"
    status, headers, _html = browser.post(node_a.url(page), {}, node_a.url(page))
    assert (status, headers["Location"]) == (302, page), node_a.output()
    job = GeneratedFile.objects.get()
    assert job.kind == YEAR_BUNDLE

    # B shows the job's progress until the worker has made the file.
    waited, started = 120, time.monotonic()
    states = []
    while True:
        status, _headers, html = browser.request(node_b.url(page))
        assert status == 200, node_b.output()
        state = BUNDLE_STATE.search(html).group(1).decode()
        if not states or states[-1] != state:
            states.append(state)
        if state == "done":
            break
        job.refresh_from_db()
        assert state in ("queued", "running"), (
            f"the bundle is {state} on B (states seen: {states}; job: {job.status}, "
            f"{job.error!r}):\nworker:\n{worker.output()}"
        )
        assert worker.process.poll() is None, f"the worker stopped:\n{worker.output()}"
        assert time.monotonic() - started < waited, (
            f"the bundle not made within {waited} s (states seen on B: {states}; job: "
            f"{job.status}, attempts {job.attempts}):\nworker:\n{worker.output()}"
        )
        time.sleep(0.5)

    # Downloaded through B by the page's link: the PDF the worker stored in the shared directory.
    link = DOWNLOAD.search(html)
    assert link, html.decode(errors="replace")
    href = link.group(1).decode()
    assert href == reverse("results:year_bundle_pdf", args=[world.cluster_year.pk])
    status, headers, body = browser.request(node_b.url(href))
    assert status == 200, node_b.output()
    assert headers["Content-Type"] == "application/pdf"
    assert body.startswith(b"%PDF-")
    job.refresh_from_db()
    assert (job.status, job.attempts) == (GeneratedFile.Status.DONE, 1)
    task = DBTaskResult.objects.get(id=job.task_id)  # run by the worker, in one attempt
    assert task.status == TaskResultStatus.SUCCESSFUL and len(task.worker_ids) == 1
    assert job.file.name.startswith("generated/")
    stored = Path(settings.MEDIA_ROOT) / job.file.name
    assert stored.is_file() and stored.read_bytes() == body
    assert list((Path(settings.MEDIA_ROOT) / "generated").rglob("*.pdf")) == [stored]
