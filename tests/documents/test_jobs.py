"""Generated files (documents/jobs.py): the key names everything a file is made from, a job of
a worker that died is queued again (django-tasks' database backend leaves it RUNNING), an
attempt that was given away changes nothing, data that change before the job runs give the
file of the new data, and the file is stored readable by the server alone. The year's bundle
is the kind used here; a worker killed for real: tests/documents/test_worker.py."""

from __future__ import annotations

import datetime
import stat
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus, task_backends
from django_tasks_db.models import DBTaskResult

from clusters.models import ClusterYear
from documents import jobs
from documents.models import GeneratedFile
from results.bundle import YEAR_BUNDLE, bundle_filename, bundle_params, year_parts
from scoring.access import Reading
from scoring.models import Score

EVERYTHING = Reading(None, True)
Status = GeneratedFile.Status


@pytest.fixture
def made(monkeypatch):
    """A small stand-in PDF instead of the layout (tests/results/test_bundle.py lays it out)."""
    bundles = []

    def render(bundle, *, htmls=None, seconds=None):
        bundles.append((bundle, seconds))
        return b"%PDF-1.7 stand-in"

    monkeypatch.setattr(jobs, "render_pdf_bundle", render)
    return bundles


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    return task_backends["default"]


def wanted_of(cluster_year: ClusterYear, reading: Reading = EVERYTHING) -> jobs.Wanted:
    return jobs.wanted(
        YEAR_BUNDLE,
        bundle_params(cluster_year, reading),
        year_parts(cluster_year, reading),
        filename=bundle_filename(cluster_year),
    )


def claimed_by_a_worker_that_died(job: GeneratedFile, *, minutes_ago: float) -> None:
    """What a worker leaves when it is killed mid-job: the task and the job both running."""
    started = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    DBTaskResult.objects.filter(id=job.task_id).update(
        status=TaskResultStatus.RUNNING, started_at=started, worker_ids=["dead"]
    )
    GeneratedFile.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, started_at=started, attempts=job.attempts + 1
    )


def test_the_key_is_the_same_for_the_same_data_and_changes_with_a_score(world):
    first = wanted_of(world.cluster_year)
    assert wanted_of(world.cluster_year).key == first.key
    member = Reading(frozenset({world.member.pk}), False)
    assert wanted_of(world.cluster_year, member).key != first.key  # what the reader reads

    from scoring.sheets import publish_table

    publish_table(world.table)  # the sheets are printed from now on
    published = wanted_of(world.cluster_year)
    score = Score.objects.filter(sheet__unit=world.member, criterion__kind="score").first()
    score.self_value = 3
    score.save()
    assert wanted_of(world.cluster_year).key not in {first.key, published.key}
    assert published.subject == first.subject  # of the same thing


def test_the_key_names_the_print_stylesheet_and_its_fonts_by_their_content(world, monkeypatch):
    htmls = wanted_of(world.cluster_year).htmls
    identity = jobs.assets_identity(htmls)
    assert "/static/css/print.css" in identity
    assert "/static/fonts/LiberationSerif-Regular.ttf" in identity
    # Another print.css (same path, other content) is another identity.
    real = jobs._file_digest
    monkeypatch.setattr(
        jobs,
        "_file_digest",
        lambda path: "other" if Path(path).name == "print.css" else real(path),
    )
    assert jobs.assets_identity(htmls) != identity


def test_the_file_is_stored_under_generated_readable_by_the_server_alone(world, made, settings):
    job = jobs.request_file(wanted_of(world.cluster_year))
    assert job.status == Status.DONE and job.attempts == 1
    assert job.file.name.startswith("generated/year-bundle/")
    path = Path(job.file.path)
    assert path.read_bytes() == b"%PDF-1.7 stand-in"
    assert stat.S_IMODE(path.stat().st_mode) == settings.FILE_UPLOAD_PERMISSIONS == 0o600
    assert made[0][1] == settings.PDF_JOB_SECONDS  # the job's time limit, not a request's


def test_a_job_whose_worker_died_is_queued_again_and_finished(
    client_as, world, database_queue, made, settings
):
    job = jobs.request_file(wanted_of(world.cluster_year))
    task = DBTaskResult.objects.get(id=job.task_id)
    assert job.status == Status.QUEUED and task.status == TaskResultStatus.READY
    assert jobs.requeue_lost() == 0  # waiting for a worker is not lost

    claimed_by_a_worker_that_died(job, minutes_ago=1)
    assert jobs.requeue_lost() == 0  # it may still be running: its time limit is not over
    lost_for = settings.JOB_LOST_AFTER_SECONDS / 60 + 1
    claimed_by_a_worker_that_died(job, minutes_ago=lost_for)

    # The page says so, and looking changes nothing.
    page = reverse("results:year_bundle", args=[world.cluster_year.pk])
    assert 'data-state="lost"' in client_as("staff").get(page).content.decode()
    assert GeneratedFile.objects.get().ticket == job.ticket

    assert jobs.requeue_lost() == 1
    again = GeneratedFile.objects.get()
    assert again.status == Status.QUEUED and again.ticket != job.ticket
    assert again.attempts == 1  # the lost attempt counts
    assert DBTaskResult.objects.get(id=job.task_id).status == TaskResultStatus.FAILED
    retry = DBTaskResult.objects.get(id=again.task_id)
    assert retry.status == TaskResultStatus.READY and retry.args_kwargs["args"] == [
        again.pk,
        again.ticket,
    ]

    # The dead worker's attempt, were it to come back, changes nothing; the new one finishes.
    assert jobs.make_generated_file.call(job.pk, job.ticket) == "superseded"
    assert jobs.make_generated_file.call(again.pk, again.ticket) == "done"
    done = GeneratedFile.objects.get()
    assert done.status == Status.DONE and done.attempts == 2 and len(made) == 1


def test_a_job_lost_before_it_began_is_queued_again(world, database_queue, made, settings):
    job = jobs.request_file(wanted_of(world.cluster_year))
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.JOB_LOST_AFTER_SECONDS + 60)
    # The worker claimed the task and died before the job itself began.
    DBTaskResult.objects.filter(id=job.task_id).update(
        status=TaskResultStatus.RUNNING, started_at=long_ago
    )
    assert jobs.requeue_lost() == 1
    assert GeneratedFile.objects.get().status == Status.QUEUED

    # A task that vanished (pruned) is lost too.
    DBTaskResult.objects.all().delete()
    assert jobs.requeue_lost() == 1


def test_a_job_lost_too_often_fails_with_a_message_and_is_asked_for_again(
    client_as, world, database_queue, made, settings
):
    settings.JOB_MAX_ATTEMPTS = 2
    job = jobs.request_file(wanted_of(world.cluster_year))
    for _attempt in range(2):
        job = GeneratedFile.objects.get()
        claimed_by_a_worker_that_died(job, minutes_ago=settings.JOB_LOST_AFTER_SECONDS / 60 + 1)
        assert jobs.requeue_lost() == 1
    failed = GeneratedFile.objects.get()
    assert failed.status == Status.FAILED and "2" in failed.error
    page = reverse("results:year_bundle", args=[world.cluster_year.pk])
    client = client_as("viewer")
    assert failed.error in client.get(page).content.decode()

    client.post(page)  # try again: a new round
    again = GeneratedFile.objects.get()
    assert again.status == Status.QUEUED and again.attempts == 0
    assert again.requested_by == world.users["viewer"]


def test_a_post_queues_a_lost_job_again_at_once(client_as, world, database_queue, settings):
    job = jobs.request_file(wanted_of(world.cluster_year))
    claimed_by_a_worker_that_died(job, minutes_ago=settings.JOB_LOST_AFTER_SECONDS / 60 + 1)
    client_as("staff").post(reverse("results:year_bundle", args=[world.cluster_year.pk]))
    again = GeneratedFile.objects.get()
    assert again.status == Status.QUEUED and again.ticket != job.ticket
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1


def test_data_changed_before_the_job_ran_give_the_file_of_the_new_data(world, database_queue, made):
    from scoring.sheets import publish_table

    publish_table(world.table)
    asked = wanted_of(world.cluster_year)
    job = jobs.request_file(asked)
    score = Score.objects.filter(sheet__unit=world.member, criterion__kind="score").first()
    score.self_value = 2
    score.save()
    now = wanted_of(world.cluster_year)

    assert jobs.make_generated_file.call(job.pk, job.ticket) == "done"
    done = GeneratedFile.objects.get()
    assert done.key == now.key != asked.key  # never under the key of data it does not show
    assert jobs.find(asked) is None and jobs.find(now) == done


def test_data_changed_to_what_another_job_makes_leave_this_one_out(world, database_queue, made):
    from scoring.sheets import publish_table

    publish_table(world.table)
    old = jobs.request_file(wanted_of(world.cluster_year))
    score = Score.objects.filter(sheet__unit=world.member, criterion__kind="score").first()
    score.self_value = 2
    score.save()
    new = jobs.request_file(wanted_of(world.cluster_year))
    assert jobs.make_generated_file.call(old.pk, old.ticket) == "superseded"
    assert list(GeneratedFile.objects.all()) == [new]
