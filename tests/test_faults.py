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
    assert client.get(reverse("clusters:home")).status_code == 200

    def unreachable(*args, **kwargs):
        raise error("could not connect to server: Connection refused")

    with monkeypatch.context() as patch:  # undone before the test database is torn down
        patch.setattr(connection, "cursor", unreachable)
        response = client.get(reverse("clusters:home"))
        health = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "Hệ thống tạm thời gián đoạn" in page
    assert "Traceback" not in page and "connection refused" not in page.lower()
    assert health.status_code == 503 and health.json()["database"] == "unreachable"

    # The database is back: the same session carries on without anyone restarting anything.
    assert client.get(reverse("clusters:home")).status_code == 200
    assert client.get(reverse("healthz")).json()["status"] == "ok"


def test_other_server_errors_keep_the_plain_500_page(client_as, monkeypatch):
    client = client_as("staff")
    client.raise_request_exception = False

    def broken(*args, **kwargs):
        raise ValueError("a bug")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", broken)
        response = client.get(reverse("clusters:home"))
    assert response.status_code == 500
    assert "Lỗi hệ thống" in response.content.decode()


# --- PDF rendering -------------------------------------------------------------------------------


def _pdf_url(world):
    return reverse("scoring:table_document_pdf", args=[world.cluster_year.pk, "phieu-cham"])


def test_a_failing_pdf_is_a_message_on_the_page_the_user_came_from(client_as, world, monkeypatch):
    from weasyprint import HTML

    def broken(self, *args, **kwargs):
        raise RuntimeError("cairo exploded")

    monkeypatch.setattr(HTML, "write_pdf", broken)
    client = client_as("staff")
    back = "http://testserver" + reverse(
        "clusters:cluster_year_detail", args=[world.cluster_year.pk]
    )
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


def test_a_bundle_whose_forked_workers_fail_or_hang_is_a_message_and_leaves_no_process(
    client_as, world, monkeypatch, settings
):
    import multiprocessing
    import time

    from weasyprint import HTML

    settings.PDF_BUNDLE_PROCESSES = 2
    url = reverse("results:year_bundle", args=[world.cluster_year.pk])
    client = client_as("staff")
    assert client.get(url).status_code == 200  # the world prints as a bundle

    def broken(self, *args, **kwargs):
        raise RuntimeError("cairo exploded")

    def hanging(self, *args, **kwargs):
        time.sleep(60)

    with monkeypatch.context() as patch:  # the workers are forked with the patch in place
        patch.setattr(HTML, "write_pdf", broken)
        response = client.get(url)
    assert response.status_code == 503
    assert "Không tạo được bản PDF" in response.content.decode()

    # A gunicorn worker catches TERM and only sets a flag: forked children that kept that
    # handler would ignore Pool.terminate(), and the request would hang. faulthandler ends the
    # test run with a traceback instead of hanging CI, should that come back.
    import faulthandler
    import signal

    settings.PDF_TIMEOUT_SECONDS = 0.5
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)
    faulthandler.dump_traceback_later(120, exit=True)
    try:
        with monkeypatch.context() as patch:
            patch.setattr(HTML, "write_pdf", hanging)
            started = time.monotonic()
            response = client.get(url)
            assert time.monotonic() - started < 10
    finally:
        faulthandler.cancel_dump_traceback_later()
        signal.signal(signal.SIGTERM, previous)
    assert response.status_code == 503
    assert "nên đã dừng lại" in response.content.decode()
    assert multiprocessing.active_children() == []  # the hung workers were terminated


# --- A crash between the steps of a multi-step action leaves nothing half-done -------------------
# (Copying a covenant and starting the next year have the same tests next to their services.)


def _server_error(client, url, data):
    client.raise_request_exception = False
    response = client.post(url, data)
    assert response.status_code == 500
    return response


def test_a_crash_while_publishing_opens_no_sheet_and_keeps_the_draft(client_as, world, monkeypatch):
    from scoring.models import ScoreSheet

    table = world.table
    assert table.tree().problems == []

    def crash(*args, **kwargs):
        raise RuntimeError("injected failure after the status changed")

    monkeypatch.setattr("scoring.sheets.Score.objects.bulk_create", crash)
    _server_error(client_as("staff"), reverse("scoring:table_status", args=[world.cluster_year.pk]),
                  {"action": "publish"})  # fmt: skip
    table.refresh_from_db()
    assert table.status == "draft" and table.published_at is None
    assert not ScoreSheet.objects.filter(table=table).exists()


def test_a_crash_while_finalising_leaves_the_results_open(client_as, world, monkeypatch):
    from simple_history.models import HistoricalRecords

    from scoring.sheets import publish_table

    table = world.table
    publish_table(table)
    history_before = table.history.count()

    def crash(*args, **kwargs):
        raise RuntimeError("injected failure while recording the history")

    monkeypatch.setattr(HistoricalRecords, "create_historical_record", crash)
    _server_error(client_as("staff"),
                  reverse("results:results_status", args=[world.cluster_year.pk]),
                  {"action": "finalise", "confirmed": "1", "unsubmitted": "count"})  # fmt: skip
    monkeypatch.undo()
    table.refresh_from_db()
    assert table.status == "published" and table.closed_at is None
    assert table.history.count() == history_before


def test_a_crash_in_the_middle_of_an_excel_import_keeps_the_old_table(
    client_as, world, monkeypatch
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from scoring.demo import SAMPLE_XLSX
    from scoring.models import Criterion

    table = world.table
    fields = ("pk", "code", "text", "max_points")
    before = list(table.criteria.order_by("pk").values_list(*fields))
    title = table.title
    client = client_as("staff")
    url = reverse("scoring:table_import", args=[world.cluster_year.pk])
    preview = client.post(url, {"file": SimpleUploadedFile("mau.xlsx", SAMPLE_XLSX.read_bytes())})
    payload = preview.context["payload"]

    saved = []
    real_save = Criterion.save

    def crash_on_the_30th(self, *args, **kwargs):
        saved.append(self.code)
        if len(saved) == 30:
            raise RuntimeError("injected failure in the middle of the rows")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Criterion, "save", crash_on_the_30th)
    _server_error(client, url, {"payload": payload})
    monkeypatch.undo()
    assert len(saved) == 30  # the crash came after the old rows were deleted and 29 new ones saved
    table.refresh_from_db()
    assert table.title == title
    assert list(table.criteria.order_by("pk").values_list(*fields)) == before
