"""Requests the server must bound or refuse, and what it keeps private: the body limit (413
before the body is read), Cache-Control on private pages and files, the Vietnamese 400 page,
and the permissions of uploaded files."""

import io
import os
import socket
import stat
import subprocess
import sys
import time
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.test import Client
from django.urls import include, path, reverse

from tests.test_url_access import member_evidence, scanned_pledge

LOGIN = "/dang-nhap/"
PASSWORD = "pw-test-123"  # noqa: S105 - a test user's


class UnreadableBody:
    """A wsgi.input that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the request body was read")

    readline = readlines = read

    def __iter__(self):
        raise AssertionError("the request body was read")


class CountingBody(io.BytesIO):
    """A de-chunked body as the WSGI server hands it over, without a Content-Length."""


@pytest.fixture
def clerk(django_user_model):
    return django_user_model.objects.create_user(username="thu-ky", password=PASSWORD)


def login_body(**extra) -> bytes:
    return urlencode({"username": "thu-ky", "password": PASSWORD, **extra}).encode()


def assert_the_413_page(response):
    assert response.status_code == 413
    page = response.content.decode()
    assert '<html lang="vi">' in page
    assert "Nội dung gửi lên quá lớn" in page and "Không có gì được lưu." in page
    assert "no-store" in response["Cache-Control"]


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- The body limit ------------------------------------------------------------------------------


def test_the_default_limit_refuses_a_300_mb_login_post_without_reading_it(client, db):
    response = client.generic(
        "POST",
        LOGIN,
        CONTENT_TYPE="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(300 * 1024 * 1024),
        **{"wsgi.input": UnreadableBody()},
    )
    assert_the_413_page(response)


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(
    client, clerk, settings
):
    settings.REQUEST_MAX_BYTES = 3 * 1024 * 1024
    response = client.generic(
        "POST",
        LOGIN,
        CONTENT_TYPE="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(3 * 1024 * 1024 + 1),
        **{"wsgi.input": UnreadableBody()},
    )
    assert_the_413_page(response)
    assert "(3 MB mỗi lần gửi)" in response.content.decode()
    assert not signed_in(client)


def test_a_body_at_the_limit_is_accepted_and_one_byte_more_is_not(client, clerk, settings):
    body = login_body(note="x" * 500)
    settings.REQUEST_MAX_BYTES = len(body)
    response = client.post(LOGIN, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302 and signed_in(client)  # the login form still works

    other = Client()
    settings.REQUEST_MAX_BYTES = len(body) - 1
    assert_the_413_page(other.post(LOGIN, body, content_type="application/x-www-form-urlencoded"))
    assert not signed_in(other)


def test_a_chunked_body_over_the_limit_is_refused_after_reading_at_most_the_limit(
    client, clerk, settings
):
    settings.REQUEST_MAX_BYTES = 1000
    body = CountingBody(login_body(note="x" * 100_000))
    response = client.generic(
        "POST",
        LOGIN,
        CONTENT_TYPE="application/x-www-form-urlencoded",
        CONTENT_LENGTH="",  # none declared
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": body},
    )
    assert_the_413_page(response)
    assert body.tell() <= 1001
    assert not signed_in(client)


def test_a_chunked_body_under_the_limit_is_read_and_the_login_works(client, clerk, settings):
    settings.REQUEST_MAX_BYTES = 1000
    response = client.generic(
        "POST",
        LOGIN,
        CONTENT_TYPE="application/x-www-form-urlencoded",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": CountingBody(login_body())},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("clusters:home")
    assert signed_in(client)


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn (the production server) on a free loopback port, REQUEST_MAX_BYTES=1000."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"},
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",  # /healthz's SELECT 1 only
        "REQUEST_MAX_BYTES": "1000",
    }
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                alive = server.poll() is None and time.monotonic() < deadline
                assert alive, (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(30)
        log.close()


def raw_request(port: int, head: str, body: bytes = b"") -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def chunked(data: bytes, size: int = 100) -> bytes:
    parts = [data[i : i + size] for i in range(0, len(data), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\n\r\n"


def test_gunicorn_refuses_bodies_over_the_limit_declared_or_chunked(gunicorn):
    """What the test client cannot show: the real server's environ (a de-chunked wsgi.input,
    Transfer-Encoding as HTTP_TRANSFER_ENCODING) and a 413 sent before the body is."""
    # Only the headers are sent: the answer comes without waiting for the 300 MB.
    head = f"POST {LOGIN} HTTP/1.1\nHost: localhost\nContent-Length: {300 * 1024 * 1024}\n"
    head += "Content-Type: application/x-www-form-urlencoded\nConnection: close\n"
    answer = raw_request(gunicorn, head)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert "Nội dung gửi lên quá lớn" in answer.decode()

    head = f"POST {LOGIN} HTTP/1.1\nHost: localhost\nTransfer-Encoding: chunked\n"
    head += "Content-Type: application/x-www-form-urlencoded\nConnection: close\n"
    answer = raw_request(gunicorn, head, chunked(b"note=" + b"x" * 5000))
    assert answer.startswith(b"HTTP/1.1 413 ")

    # Under the limit, a chunked body is read and the request carries on.
    head = "GET /healthz HTTP/1.1\nHost: localhost\nTransfer-Encoding: chunked\n"
    head += "Connection: close\n"
    answer = raw_request(gunicorn, head, chunked(b"x" * 900))
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:300]


# --- Cache-Control -------------------------------------------------------------------------------


def assert_private(response):
    assert response.status_code == 200
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives, response["Cache-Control"]


def test_private_pages_and_files_are_never_stored(client_as, world):
    staff = client_as("staff")
    assert_private(staff.get(reverse("clusters:home")))
    assert_private(staff.get(reverse("clusters:cluster_year_detail", args=[world.cluster_year.pk])))

    evidence = staff.get(reverse("scoring:evidence_download", args=[member_evidence(world).pk]))
    assert_private(evidence)
    assert evidence["Content-Disposition"].startswith("attachment")

    scan = staff.get(reverse("pledges:pledge_scan", args=[scanned_pledge(world)]))
    assert_private(scan)
    assert b"".join(scan.streaming_content if scan.streaming else [scan.content])


def test_the_login_page_is_never_stored(client, db):
    assert_private(client.get(LOGIN))


def test_static_files_keep_their_caching(client, db):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response["Cache-Control"]
    assert "private" not in response["Cache-Control"]
    assert "max-age" in response["Cache-Control"]


# --- The 400 page --------------------------------------------------------------------------------


def suspicious(request):
    raise SuspiciousOperation("a crafted request")


urlpatterns = [path("nghi-ngo/", suspicious), path("", include("config.urls"))]


def assert_the_400_page(response):
    assert response.status_code == 400
    page = response.content.decode()
    assert '<html lang="vi">' in page
    assert "Yêu cầu không hợp lệ" in page
    assert "Bad Request" not in page and "crafted" not in page


@pytest.mark.urls(__name__)
def test_a_suspicious_request_gets_the_vietnamese_400_page(client, db):
    assert_the_400_page(client.get("/nghi-ngo/"))


def test_a_host_not_allowed_gets_the_vietnamese_400_page(client, db):
    assert_the_400_page(client.get(LOGIN, HTTP_HOST="ke-gian.example"))


def test_too_many_form_fields_get_the_vietnamese_400_page(client, db, settings):
    """Under the body limit but over Django's own limits on a form (RequestDataTooBig)."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post(
        LOGIN, login_body(note="x" * 2000), content_type="application/x-www-form-urlencoded"
    )
    assert_the_400_page(response)


# --- Uploaded files ------------------------------------------------------------------------------


@pytest.fixture
def open_umask():
    """A umask that would leave new files readable by everyone (0644): the 0600 is ours."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_uploaded_files_are_readable_by_the_server_only(settings, open_umask):
    storage = FileSystemStorage()  # as the models' private_storage: MEDIA_ROOT, these settings
    small = storage.save("pledges/1/ban-ky.pdf", ContentFile(b"%PDF-1.4"))
    assert mode(storage.path(small)) == 0o600
    assert mode(storage.path("pledges")) == 0o700
    assert mode(storage.path("pledges/1")) == 0o700

    # A large upload arrives as a temporary file that is moved into place.
    upload = TemporaryUploadedFile("lon.pdf", "application/pdf", 0, None)
    upload.write(b"%PDF-1.4" + b"0" * 100_000)
    upload.seek(0)
    large = storage.save("minh-chung/lon.pdf", upload)
    upload.close()
    assert mode(storage.path(large)) == 0o600
    assert mode(storage.path("minh-chung")) == 0o700


def test_evidence_and_scans_saved_by_the_models_are_0600(world, open_umask):
    evidence = member_evidence(world)
    assert mode(evidence.file.path) == 0o600
    scanned_pledge(world)
    world.pledge.refresh_from_db()
    assert mode(world.pledge.scan.path) == 0o600
