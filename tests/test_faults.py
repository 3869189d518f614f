"""Faults: what users see when the database goes away, and that service resumes when it returns."""

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.urls import reverse


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_lost_database_answers_a_vietnamese_503_and_service_resumes(
    client_as, monkeypatch, error
):
    client = client_as("staff")
    client.raise_request_exception = False
    assert client.get(reverse("home")).status_code == 200

    def unreachable(*args, **kwargs):
        raise error("could not connect to server: Connection refused")

    with monkeypatch.context() as patch:  # undone before the test database is torn down
        patch.setattr(connection, "cursor", unreachable)
        response = client.get(reverse("home"))
        health = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "Hệ thống tạm thời gián đoạn" in page
    assert "Traceback" not in page and "connection refused" not in page.lower()
    assert health.status_code == 503 and health.json()["database"] == "unreachable"

    # The database is back: the same session carries on without anyone restarting anything.
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("healthz")).json()["status"] == "ok"


def test_other_server_errors_keep_the_plain_500_page(client_as, monkeypatch):
    client = client_as("staff")
    client.raise_request_exception = False

    def broken(*args, **kwargs):
        raise ValueError("a bug")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", broken)
        response = client.get(reverse("home"))
    assert response.status_code == 500
    assert "Lỗi hệ thống" in response.content.decode()


# --- PDF rendering -------------------------------------------------------------------------------


def _pdf_url(world):
    return reverse("table_document_pdf", args=[world.cluster_year.pk, "phieu-cham"])


def test_a_failing_pdf_is_a_message_on_the_page_the_user_came_from(client_as, world, monkeypatch):
    from weasyprint import HTML

    def broken(self, *args, **kwargs):
        raise RuntimeError("cairo exploded")

    monkeypatch.setattr(HTML, "write_pdf", broken)
    client = client_as("staff")
    back = "http://testserver" + reverse("cluster_year_detail", args=[world.cluster_year.pk])
    response = client.get(_pdf_url(world), HTTP_REFERER=back, follow=True)
    assert response.redirect_chain == [(back, 302)]
    page = response.content.decode()
    assert "Không tạo được bản PDF" in page and "RuntimeError" in page
    assert "cairo exploded" not in page  # the inner detail goes to the log, not to the user

    # Without a page to go back to (a bookmarked link), the message has a page of its own.
    response = client.get(_pdf_url(world), HTTP_REFERER="https://elsewhere.example/")
    assert response.status_code == 503
    assert "Không tạo được bản PDF" in response.content.decode()


def test_a_pdf_that_overruns_its_time_is_stopped_and_the_worker_carries_on(
    client_as, world, monkeypatch, settings
):
    import time

    from weasyprint import HTML

    real_write_pdf = HTML.write_pdf

    def slow(self, *args, **kwargs):
        time.sleep(5)
        return real_write_pdf(self, *args, **kwargs)

    settings.PDF_TIMEOUT_SECONDS = 0.2
    client = client_as("staff")
    with monkeypatch.context() as patch:
        patch.setattr(HTML, "write_pdf", slow)
        started = time.monotonic()
        response = client.get(_pdf_url(world))
        assert time.monotonic() - started < 4
    assert response.status_code == 503
    assert "quá 0.2 giây nên đã dừng lại" in response.content.decode()

    # The same worker makes the next PDF normally, and no alarm is left armed.
    settings.PDF_TIMEOUT_SECONDS = 25
    response = client.get(_pdf_url(world))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    import signal

    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
