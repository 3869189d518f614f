"""The year's bundle page: who may see and ask for it, that looking changes nothing, that asking
twice queues one job, that the file is served until the data change, and that a failure is a
message with a way to try again. The layout of the bundle itself: tests/results/test_bundle.py;
the job's recovery: tests/documents/test_jobs.py."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django.urls import reverse
from django_tasks import task_backends

from documents.models import GeneratedFile
from scoring.models import Score
from tests.conftest import PERSONAS
from tests.documents.year import full_year

OK, FOUND, NOT_FOUND = 200, 302, 404
# As every route of the year's documents: readers of the cluster-year read, others 404.
READERS = {"staff", "viewer", "leader_clerk", "member_clerk"}
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def queue(settings):
    """Jobs are queued and not run (no worker): the queue to look into."""
    settings.TASKS = DUMMY
    return task_backends["default"]


@pytest.fixture
def made(monkeypatch):
    """The jobs run in the request (the tests' immediate backend) and make a small stand-in PDF
    quickly; the bundles it was asked for, in order."""
    bundles = []

    def render(bundle, *, htmls=None, seconds=None):
        bundles.append(bundle)
        return b"%PDF-1.7 stand-in " + str(len(bundles)).encode()

    monkeypatch.setattr("documents.jobs.render_pdf_bundle", render)
    return bundles


def page(world) -> str:
    return reverse("results:year_bundle", args=[world.cluster_year.pk])


def pdf(world) -> str:
    return reverse("results:year_bundle_pdf", args=[world.cluster_year.pk])


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_sees_asks_for_and_downloads_the_bundle_as_the_years_documents_allow(
    client_as, world, persona, made
):
    client = client_as(persona)
    reads = persona in READERS
    assert client.get(page(world)).status_code == (OK if reads else NOT_FOUND)
    assert client.get(pdf(world)).status_code == (FOUND if reads else NOT_FOUND)  # not made yet
    assert client.post(page(world)).status_code == (FOUND if reads else NOT_FOUND)
    assert GeneratedFile.objects.count() == (1 if reads else 0)
    response = client.get(pdf(world))
    assert response.status_code == (OK if reads else NOT_FOUND)
    if reads:
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment")
        assert response.getvalue().startswith(b"%PDF-1.7 stand-in")


@pytest.mark.parametrize("url", [page, pdf])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_login(client_as, world, url, method):
    response = getattr(client_as("anonymous"), method)(url(world))
    assert response.status_code == FOUND
    assert urlparse(response["Location"]).path == reverse("login")
    assert not GeneratedFile.objects.exists()


def test_looking_at_the_page_or_the_file_writes_nothing(client_as, world, queue):
    for persona in PERSONAS:
        client = client_as(persona)
        client.get(page(world))
        client.get(page(world), headers={"HX-Request": "true"})
        client.get(pdf(world))
    assert not GeneratedFile.objects.exists()
    assert queue.results == []


def test_asking_twice_or_by_two_readers_of_the_same_documents_queues_one_job(
    client_as, world, queue
):
    staff, viewer = client_as("staff"), client_as("viewer")
    assert staff.post(page(world)).status_code == FOUND
    assert staff.post(page(world)).status_code == FOUND
    assert viewer.post(page(world)).status_code == FOUND  # reads what staff read: the same file
    job = GeneratedFile.objects.get()
    assert job.status == GeneratedFile.Status.QUEUED and job.requested_by == world.users["staff"]
    assert [result.args for result in queue.results] == [[job.pk, job.ticket]]
    assert job.task_id == queue.results[0].id

    # A member reads less before the results are final: another file of its own.
    assert client_as("member_clerk").post(page(world)).status_code == FOUND
    assert GeneratedFile.objects.count() == 2 and len(queue.results) == 2


def test_while_it_is_made_the_page_refreshes_itself_with_and_without_javascript(
    client_as, world, queue
):
    client = client_as("staff")
    client.post(page(world))
    html = client.get(page(world)).content.decode()
    assert 'data-state="queued"' in html
    assert 'hx-trigger="every 2s"' in html  # htmx asks for the state again
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html

    GeneratedFile.objects.update(status=GeneratedFile.Status.RUNNING)
    from django.utils import timezone

    GeneratedFile.objects.update(started_at=timezone.now())
    fragment = client.get(page(world), headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="bundle-state"')  # the state alone
    assert 'data-state="running"' in fragment and 'hx-trigger="every 2s"' in fragment
    assert "<html" not in fragment


def test_a_poll_while_it_is_made_builds_no_document_and_reads_only_its_own_job(
    client_as, world, queue, monkeypatch
):
    """The page polls every 2 s with its job's id: while the job waits or runs, the answer is
    read from the job alone (the year's documents are not built, about 0.1 s each time); a job
    of other documents, a finished job or junk fall back to the whole state."""
    from django.utils import timezone

    client = client_as("staff")
    client.post(page(world))
    job = GeneratedFile.objects.get()
    html = client.get(page(world)).content.decode()
    poll = f"{page(world)}?cong-viec={job.pk}"
    assert f'hx-get="{poll}"' in html
    GeneratedFile.objects.update(status=GeneratedFile.Status.RUNNING, started_at=timezone.now())
    built = []
    real = __import__("results.views.bundle", fromlist=["year_parts"]).year_parts

    def counting(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr("results.views.bundle.year_parts", counting)
    htmx = {"HX-Request": "true"}
    fragment = client.get(poll, headers=htmx).content.decode()
    assert 'data-state="running"' in fragment and f'hx-get="{poll}"' in fragment
    assert not built
    # Another reader's job (other documents) is not read through this page.
    assert client_as("member_clerk").get(poll, headers=htmx).status_code == OK
    assert len(built) == 1
    # Junk, or a job no longer being made: the whole state, worked out again.
    for junk in ("abc", "-1", "9" * 40, str(job.pk + 1000)):
        assert client.get(f"{page(world)}?cong-viec={junk}", headers=htmx).status_code == OK
    GeneratedFile.objects.update(status=GeneratedFile.Status.FAILED, error="Hỏng")
    fragment = client.get(poll, headers=htmx).content.decode()
    assert 'data-state="failed"' in fragment and "hx-trigger" not in fragment
    assert len(built) == 6


def test_a_made_file_stops_the_refreshing_and_is_served_until_a_score_changes(
    client_as, world, made
):
    full_year(world)
    client = client_as("staff")
    client.post(page(world))
    html = client.get(page(world)).content.decode()
    assert 'data-state="done"' in html and "hx-trigger" not in html and "refresh" not in html
    assert reverse("results:year_bundle_pdf", args=[world.cluster_year.pk]) in html
    first = client.get(pdf(world)).getvalue()
    client.post(page(world))  # asked again with the same data: served, not made again
    assert client.get(pdf(world)).getvalue() == first and len(made) == 1
    old = GeneratedFile.objects.get()

    score = Score.objects.filter(sheet__unit=world.member, criterion__kind="score").first()
    score.self_value -= 1
    score.save()

    response = client.get(pdf(world))
    assert response.status_code == FOUND and response["Location"] == page(world)  # not the old
    html = client.get(page(world)).content.decode()
    assert 'data-state="none"' in html
    assert 'data-testid="bundle-outdated"' in html  # and the reader is told why
    client.post(page(world))
    assert client.get(pdf(world)).getvalue() != first and len(made) == 2
    new = GeneratedFile.objects.get()  # the file of the older data is gone, from storage too
    assert new.key != old.key and not old.file.storage.exists(old.file.name)


def test_a_failing_render_is_a_message_on_the_page_and_can_be_tried_again(
    client_as, world, monkeypatch
):
    from documents.rendering import PdfRenderError

    def failing(bundle, **kwargs):
        raise PdfRenderError("Không tạo được bản PDF (RuntimeError).")

    monkeypatch.setattr("documents.jobs.render_pdf_bundle", failing)
    client = client_as("viewer")
    client.post(page(world))
    html = client.get(page(world)).content.decode()
    assert 'data-state="failed"' in html
    assert "Không tạo được bản PDF (RuntimeError)." in html
    assert 'data-testid="bundle-ask"' in html  # try again
    assert client.get(pdf(world)).status_code == FOUND

    monkeypatch.setattr("documents.jobs.render_pdf_bundle", lambda bundle, **kwargs: b"%PDF-")
    client.post(page(world))  # the retry button
    assert 'data-state="done"' in client.get(page(world)).content.decode()
    assert GeneratedFile.objects.get().attempts == 1  # a new round of attempts


def test_an_unexpected_error_in_the_job_is_a_message_too(client_as, world, monkeypatch):
    def broken(bundle, **kwargs):
        raise KeyError("bug")

    monkeypatch.setattr("documents.jobs.render_pdf_bundle", broken)
    client = client_as("staff")
    client.post(page(world))  # the immediate backend records the task's failure and carries on
    job = GeneratedFile.objects.get()
    assert job.status == GeneratedFile.Status.FAILED and job.error
    assert job.error in client.get(page(world)).content.decode()


def test_a_made_file_gone_from_storage_is_made_again_when_asked(client_as, world, made):
    client = client_as("staff")
    client.post(page(world))
    job = GeneratedFile.objects.get()
    job.file.storage.delete(job.file.name)
    assert client.get(pdf(world)).status_code == FOUND  # not a server error
    assert 'data-state="lost"' in client.get(page(world)).content.decode()
    assert GeneratedFile.objects.get().status == GeneratedFile.Status.DONE  # looking wrote nothing
    client.post(page(world))
    assert client.get(pdf(world)).status_code == OK and len(made) == 2
