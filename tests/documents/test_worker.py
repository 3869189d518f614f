"""A worker killed mid-job loses nothing: `manage.py worker` processes against the test
database, the first SIGKILLed while it makes the year's bundle, the second finishing it.

django-tasks' database backend leaves the killed worker's task RUNNING for ever (checked here);
the second worker's sweep finds the job lost once its attempt has outlived the job time limit
(JOB_LOST_AFTER_SECONDS), queues it again and makes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from documents import jobs
from documents.models import GeneratedFile
from results.bundle import YEAR_BUNDLE, bundle_filename, bundle_params, year_parts
from scoring.access import Reading

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (make test-pg; CI runs it): the tests' SQLite database lives "
        "in the test process's memory, where a worker process cannot reach it",
    ),
    pytest.mark.django_db(transaction=True),  # the workers read what the test committed
]

# The first worker lays every document out for a minute, so that it is surely killed mid-job.
SLOW_WORKER = """
import time, django
django.setup()
from weasyprint import HTML
HTML.write_pdf = lambda self, *args, **kwargs: time.sleep(60)
from django.core.management import call_command
call_command("worker", "--no-startup-delay", "--interval", "0.2", "--no-reload")
"""


def worker_environment(settings) -> dict[str, str]:
    db = connection.settings_dict
    url = "postgres://{user}{password}@{host}:{port}/{name}".format(
        user=db["USER"],
        password=f":{db['PASSWORD']}" if db["PASSWORD"] else "",
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        name=db["NAME"],  # the test database
    )
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "PDF_BUNDLE_PROCESSES": "2",  # laid out by forked copies of the worker, as in production
        # An attempt may take 8 s; one not finished after 9 s was lost.
        "PDF_JOB_SECONDS": "8",
        "JOB_LOST_AFTER_SECONDS": "9",
        "WORKER_SWEEP_SECONDS": "0.5",
    }


def wait_for(condition, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(0.1)


def test_a_worker_killed_mid_job_loses_nothing(world, client_as, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    reading = Reading(None, True)
    job = jobs.request_file(
        jobs.wanted(
            YEAR_BUNDLE,
            bundle_params(world.cluster_year, reading),
            year_parts(world.cluster_year, reading),
            filename=bundle_filename(world.cluster_year),
        )
    )
    environment = worker_environment(settings)
    started: list[subprocess.Popen] = []

    def state() -> GeneratedFile:
        return GeneratedFile.objects.get(pk=job.pk)

    try:
        first = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", SLOW_WORKER],
            cwd=ROOT,
            env={**environment, "PDF_BUNDLE_PROCESSES": "1"},  # no forked child left behind
        )
        started.append(first)
        wait_for(lambda: state().status == "running", seconds=60, what="the first worker")
        first.send_signal(signal.SIGKILL)
        first.wait(10)

        # What the database backend alone leaves behind: both rows running, for ever.
        assert state().status == "running"
        assert DBTaskResult.objects.get(id=job.task_id).status == TaskResultStatus.RUNNING

        second = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "worker", "--no-startup-delay", "--interval", "0.2"],
            cwd=ROOT,
            env=environment,
        )
        started.append(second)
        wait_for(lambda: state().status in ("done", "failed"), seconds=90, what="the job")
    finally:
        for process in started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()

    done = state()
    assert done.status == "done", done.error
    assert done.attempts == 2  # the killed attempt and the one that finished
    assert DBTaskResult.objects.get(id=job.task_id).status == TaskResultStatus.FAILED
    assert DBTaskResult.objects.get(id=done.task_id).status == TaskResultStatus.SUCCESSFUL
    response = client_as("staff").get(
        reverse("results:year_bundle_pdf", args=[world.cluster_year.pk])
    )
    assert response.status_code == 200 and response.getvalue().startswith(b"%PDF-")
