"""Two web nodes, one site: nothing a request leaves behind is kept on the node that served it.

Two gunicorn servers (the production server) on two loopback ports share what several machines
would share: the PostgreSQL database (the test's own, its rows committed: transaction=True), one
MEDIA_ROOT (a shared directory: NFS on real machines) and one Redis database (REDIS_URL). A
browser's cookies go to both, as behind a round-robin proxy. Signed in through A, the session
works on B; a file uploaded through A is downloaded, byte for byte, through B; requests counted
by the throttle on A are counted on B.
"""

from __future__ import annotations

import datetime
import http.cookiejar
import os
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

from pledges.models import Pledge

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
        message = f"needs Redis at {REDIS_URL} (TWO_NODES_REDIS_URL): {exc}"
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
            pytest.fail(message)
        pytest.skip(message)
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


class Node:
    """One gunicorn server with the shared environment; its output in a log file."""

    def __init__(self, name: str, env: dict[str, str], logs: Path):
        self.name = name
        self.port = _free_port()
        self.log_path = logs / f"node-{name}.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
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
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
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
            assert time.monotonic() < deadline, f"node {self.name} not up:\n{self.output()}"
            time.sleep(0.3)

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()


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


def test_a_session_a_file_and_a_throttle_are_the_same_on_both_nodes(nodes, world):
    node_a, node_b, redis_client = nodes
    clerk = world.users["leader_clerk"]
    pledge = _signed_pledge(world)
    browser = Browser()
    home = reverse("clusters:home")
    login = reverse("login")

    # Signed in through A (its form, its CSRF cookie) ...
    status, _headers, page = browser.request(node_a.url(login))
    assert status == 200, page[:2000]
    status, headers, _page = browser.post(
        node_a.url(login), {"username": clerk.username, "password": PASSWORD}, node_a.url(login)
    )
    assert (status, headers["Location"]) == (302, home), node_a.output()
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
