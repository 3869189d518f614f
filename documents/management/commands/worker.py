"""`manage.py worker`: django-tasks-db's `db_worker` (same options), which also queues again the
jobs of workers that died (documents/jobs.py, requeue_lost): the database backend alone would
leave them RUNNING for ever. Run one or more on any machine that reaches the database."""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.db import connection
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from documents.jobs import requeue_lost

logger = logging.getLogger("documents.jobs")


def sweep_for_ever(interval: float, stop: threading.Event) -> None:
    """Every ``interval`` seconds, queue again the lost jobs. On its own thread (and database
    connection): the worker's main thread stays free for the jobs, whose time limit needs it."""
    while not stop.is_set():
        try:
            found = requeue_lost()
            if found:
                logger.warning("queued again %s job(s) of a worker that stopped", found)
        except Exception:
            logger.exception("looking for lost jobs failed; trying again later")
        finally:
            connection.close()
        stop.wait(interval)


class Command(DbWorkerCommand):
    help = (
        "Run a database background worker (django-tasks-db's db_worker) that also queues again "
        "the jobs of workers that stopped."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        sweeper = threading.Thread(
            target=sweep_for_ever,
            args=(settings.WORKER_SWEEP_SECONDS, stop),
            name="lost-jobs",
            daemon=True,
        )
        sweeper.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
