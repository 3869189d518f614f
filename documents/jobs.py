"""Long documents made off the web workers: a request asks for a file, a background job
(django-tasks; the database backend's `manage.py worker`) makes it, and the file is stored and
served again until the data it was made from changes.

A file is named by its key: the SHA-256 of everything it is made from — the HTML of each of its
documents (built before the slow layout, so the key costs a tenth of a second for a year's
bundle, not seconds), their outline, the bundle's title and subject, what it was asked with (e.g.
what its reader may read), the static files the HTML refers to (print.css and its fonts), and the
renderer (its own source and the versions of WeasyPrint, pydyf and pikepdf). The page computes
the key from the current data and serves the file only under that key, so a file is never
stale, with no version to bump on every write anywhere.

An app registers how to make its kind from JSON parameters (``register``); the job makes it
again from the data of the moment it runs: if the data changed since the request, what it makes
goes under the new key (or nowhere, when another job already has that key).

django-tasks' database backend does not recover a job whose worker died: its row stays RUNNING.
Here an attempt has ``PDF_JOB_SECONDS`` (a time limit that stops it on the worker's main
thread), so an attempt not finished ``JOB_LOST_AFTER_SECONDS`` after it began was lost; every
worker sweeps for lost jobs (``requeue_lost``) and a POST for the file queues a lost job again.
Each queuing draws a new ticket, and an attempt records its outcome only under its own ticket.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import FileResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus, task, task_backends
from django_tasks.exceptions import TaskResultDoesNotExist

from .models import GeneratedFile
from .rendering import (
    BASE_URL,
    PdfBundle,
    PdfRenderError,
    RefusedURL,
    bundle_htmls,
    render_pdf_bundle,
    static_path_for,
)

logger = logging.getLogger(__name__)

Status = GeneratedFile.Status

# Bump when what is stored changes in a way the inputs below do not show.
KEY_FORMAT = "1"

# What an app makes from the JSON parameters of a request: the bundle and its download name.
Maker = Callable[[dict], tuple[PdfBundle, str]]
MAKERS: dict[str, Maker] = {}


def register(kind: str, maker: Maker) -> None:
    """Say how files of ``kind`` are made (an app's ``ready``)."""
    MAKERS[kind] = maker


@dataclass(frozen=True)
class Wanted:
    """A file as the current data would make it: what it is of, and its key."""

    kind: str
    params: dict
    bundle: PdfBundle
    htmls: list[str]
    filename: str
    key: str
    subject: str


def wanted(kind: str, params: dict, bundle: PdfBundle, *, filename: str) -> Wanted:
    """The file ``bundle`` would print, named by its key (the HTML is built here, once)."""
    htmls = bundle_htmls(bundle) if bundle.parts else []
    return Wanted(
        kind=kind,
        params=params,
        bundle=bundle,
        htmls=htmls,
        filename=filename,
        key=file_key(kind, params, bundle, htmls),
        subject=subject_of(kind, params),
    )


def subject_of(kind: str, params: dict) -> str:
    """What a file is of (the same thing for the same reader), whatever the data: cheap, with
    no document built."""
    return _digest(kind, _canonical(params))


def still_making(kind: str, params: dict, job_id: int | None) -> GeneratedFile | None:
    """The job a waiting page polls, while it is still queued or running for a worker that is
    alive; None otherwise (the page then works out the whole state again). Reads only; costs
    no document built, which the whole state does (about 0.1 s)."""
    if job_id is None:
        return None
    job = GeneratedFile.objects.filter(
        pk=job_id, subject=subject_of(kind, params), status__in=[Status.QUEUED, Status.RUNNING]
    ).first()
    return None if job is None or is_lost(job) else job


def wanted_now(kind: str, params: dict) -> Wanted:
    bundle, filename = MAKERS[kind](params)
    return wanted(kind, params, bundle, filename=filename)


def file_key(kind: str, params: dict, bundle: PdfBundle, htmls: list[str]) -> str:
    outline = [list(part.outline) for part in bundle.parts]
    return _digest(
        KEY_FORMAT,
        kind,
        _canonical(params),
        bundle.title,
        bundle.subject,
        _canonical(outline),
        *htmls,
        assets_identity(htmls),
        renderer_identity(),
    )


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _digest(*texts: str) -> str:
    digest = hashlib.sha256()
    for text in texts:
        data = text.encode()
        digest.update(len(data).to_bytes(8, "big"))  # no two lists of texts hash alike
        digest.update(data)
    return digest.hexdigest()


# --- What the HTML refers to ---------------------------------------------------------------------

_HTML_REFS = re.compile(r"""(?:href|src)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
_CSS_REFS = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)|@import\s+["']([^"']+)["']""")

# path -> (mtime_ns, size, sha256): a static file is read again only when it changed on disk.
_file_digests: dict[Path, tuple[int, int, str]] = {}


def _file_digest(path: Path) -> str:
    stat = path.stat()
    known = _file_digests.get(path)
    if known and known[:2] == (stat.st_mtime_ns, stat.st_size):
        return known[2]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    _file_digests[path] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest


def assets_identity(htmls: Iterable[str]) -> str:
    """The static files the documents load (stylesheets, the fonts they name, images), each by
    the SHA-256 of its content: a new print.css or font makes new files."""
    pending = {urljoin(BASE_URL, ref) for html in htmls for ref in _refs(html, _HTML_REFS)}
    seen: dict[str, str] = {}
    while pending:
        url = pending.pop()
        if url in seen:
            continue
        try:
            path = static_path_for(url)
        except RefusedURL:
            seen[url] = "-"  # never loaded (the fetcher refuses it): not part of the file
            continue
        seen[url] = _file_digest(path)
        if path.suffix == ".css":
            css = path.read_text(encoding="utf-8", errors="replace")
            pending |= {urljoin(url, ref) for ref in _refs(css, _CSS_REFS)} - seen.keys()
    return _canonical(sorted(seen.items()))


def _refs(text: str, pattern: re.Pattern[str]) -> set[str]:
    return {next(group for group in match.groups() if group) for match in pattern.finditer(text)}


def renderer_identity() -> str:
    """What turns the HTML into the file: our rendering and joining code, and the libraries."""
    here = Path(__file__).resolve().parent
    sources = [_file_digest(here / name) for name in ("rendering.py", "pdfjoin.py")]
    versions = [f"{name}=={metadata.version(name)}" for name in ("weasyprint", "pydyf", "pikepdf")]
    return _canonical([*sources, *versions])


# --- Asking (POST) and looking (GET) -------------------------------------------------------------


def find(wanted: Wanted) -> GeneratedFile | None:
    """The file of the current data, in whatever state its job is (reads only)."""
    return GeneratedFile.objects.filter(key=wanted.key).first()


def previous(wanted: Wanted) -> GeneratedFile | None:
    """The last file made of the same thing from older data (to say the data changed)."""
    return (
        GeneratedFile.objects.filter(subject=wanted.subject, status=Status.DONE)
        .exclude(key=wanted.key)
        .order_by("-finished_at")
        .first()
    )


def request_file(
    wanted: Wanted, *, by: AbstractBaseUser | AnonymousUser | None = None
) -> GeneratedFile:
    """Ask for the file: queued once whoever asks and however often; queued again when it
    failed or its worker was lost. A file already made, or being made, is left as it is."""
    user = by if isinstance(by, AbstractBaseUser) else None
    now = timezone.now()
    with transaction.atomic():
        job, created = GeneratedFile.objects.get_or_create(
            key=wanted.key,
            defaults={
                "kind": wanted.kind,
                "subject": wanted.subject,
                "params": wanted.params,
                "filename": wanted.filename,
                "requested_by": user,
                "requested_at": now,
                "queued_at": now,
                "ticket": _new_ticket(),
            },
        )
        if created:
            _enqueue(job)
    if not created and (job.status == Status.FAILED or is_lost(job) or is_missing(job)):
        _requeue(job, by=user)
    job.refresh_from_db()
    return job


def is_lost(job: GeneratedFile, *, now: datetime | None = None) -> bool:
    """Whether the job waits for a worker that is gone: its attempt began longer ago than any
    attempt may last, or its task is no longer waiting. Reads only."""
    now = now or timezone.now()
    lost_before = now - timedelta(seconds=settings.JOB_LOST_AFTER_SECONDS)
    if job.status == Status.RUNNING:
        return job.started_at is None or job.started_at < lost_before
    if job.status != Status.QUEUED:
        return False
    backend = task_backends[make_generated_file.backend]
    if not backend.supports_get_result:
        return False  # the immediate backend: the job ran in the request
    if not job.task_id:
        return job.queued_at < lost_before
    try:
        result = backend.get_result(job.task_id)
    except (TaskResultDoesNotExist, ValidationError):
        return True
    if result.status == TaskResultStatus.READY:
        return False
    if result.status == TaskResultStatus.RUNNING:  # claimed, then the worker died at once
        return result.started_at is None or result.started_at < lost_before
    return True  # the task ended without recording anything here


def is_missing(job: GeneratedFile) -> bool:
    """Whether a made file is gone from storage (removed by hand, or a node that does not share
    MEDIA_ROOT): it is made again when next asked for."""
    return job.status == Status.DONE and not (job.file and job.file.storage.exists(job.file.name))


def requeue_lost() -> int:
    """Queue again every job whose worker was lost; after JOB_MAX_ATTEMPTS attempts, say it
    failed instead. The number of jobs found lost."""
    now = timezone.now()
    found = 0
    for job in GeneratedFile.objects.filter(status__in=[Status.QUEUED, Status.RUNNING]):
        if not is_lost(job, now=now):
            continue
        found += 1
        if job.attempts >= settings.JOB_MAX_ATTEMPTS:
            with translation.override(settings.LANGUAGE_CODE):
                message = _(
                    "The PDF could not be made: the worker making it stopped %(count)s times. "
                    "Please try again later; if it happens again, tell the emulation staff."
                ) % {"count": job.attempts}
            _record(job, status=Status.FAILED, error=message, expect=job.status)
        else:
            _requeue(job)
    return found


def _new_ticket() -> str:
    return secrets.token_hex(16)


def _enqueue(job: GeneratedFile) -> None:
    """Hand the job to the task backend; called inside the transaction that queued it, so the
    database backend's task and the job commit together."""
    result = make_generated_file.enqueue(job.pk, job.ticket)
    GeneratedFile.objects.filter(pk=job.pk, ticket=job.ticket).update(task_id=result.id)


def _requeue(job: GeneratedFile, *, by: AbstractBaseUser | None = None) -> bool:
    ticket = _new_ticket()
    changes: dict[str, Any] = {
        "status": Status.QUEUED,
        "ticket": ticket,
        "queued_at": timezone.now(),
        "started_at": None,
        "finished_at": None,
        "error": "",
        "task_id": "",
    }
    if by is not None:  # asked again by someone: a new round of attempts
        changes |= {"requested_by": by, "requested_at": changes["queued_at"], "attempts": 0}
    with transaction.atomic():
        moved = GeneratedFile.objects.filter(
            pk=job.pk, ticket=job.ticket, status=job.status
        ).update(**changes)
        if not moved:
            return False  # someone else queued it again, or its attempt ended meanwhile
        _give_up_task(job.task_id)
        job.refresh_from_db()
        _enqueue(job)
    return True


def _give_up_task(task_id: str) -> None:
    """The database backend keeps a dead worker's task RUNNING for ever: mark it failed."""
    from django_tasks_db import DatabaseBackend

    if not task_id or not isinstance(task_backends[make_generated_file.backend], DatabaseBackend):
        return
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(id=task_id, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path="documents.jobs.WorkerLost",
        traceback="The worker running this task stopped; the job was queued again.",
    )


def _record(
    job: GeneratedFile, *, status: str, expect: str = Status.RUNNING, **changes: Any
) -> bool:
    """The outcome of an attempt, only while the attempt is still the job's."""
    return bool(
        GeneratedFile.objects.filter(pk=job.pk, ticket=job.ticket, status=expect).update(
            status=status, finished_at=timezone.now(), **changes
        )
    )


# --- The job -------------------------------------------------------------------------------------


@task()
def make_generated_file(file_id: int, ticket: str) -> str:
    """Make a queued file (in a worker, or in the request with the immediate backend)."""
    with translation.override(settings.LANGUAGE_CODE):  # messages stored for the page
        return _make(file_id, ticket)


def _make(file_id: int, ticket: str) -> str:
    claimed = GeneratedFile.objects.filter(pk=file_id, ticket=ticket, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return "superseded"  # queued again since, or already made
    job = GeneratedFile.objects.get(pk=file_id)
    try:
        current = wanted_now(job.kind, job.params)
        if not current.htmls:
            _record(job, status=Status.FAILED, error=_("There is nothing to print any more."))
            return "failed"
        if current.key != job.key and not _retarget(job, current.key):
            return "superseded"
        pdf = render_pdf_bundle(
            current.bundle, htmls=current.htmls, seconds=settings.PDF_JOB_SECONDS
        )
    except PdfRenderError as error:
        _record(job, status=Status.FAILED, error=str(error))
        return "failed"
    except Exception:
        logger.exception("generated file %s failed", job.pk)
        _record(
            job,
            status=Status.FAILED,
            error=_(
                "The PDF could not be made. Please try again, and tell the emulation staff if "
                "it happens again."
            ),
        )
        raise
    name = default_storage.save(
        f"generated/{job.kind}/{job.key}-{ticket[:8]}.pdf", ContentFile(pdf)
    )
    if not _record(job, status=Status.DONE, file=name, error=""):
        default_storage.delete(name)  # given to another attempt meanwhile
        return "superseded"
    _remove_older(job)
    return "done"


def _retarget(job: GeneratedFile, key: str) -> bool:
    """The data changed after the request: what is made now goes under the data's key. False
    when another job has that key already (this one is then of no use and is removed)."""
    try:
        with transaction.atomic():
            GeneratedFile.objects.filter(pk=job.pk, ticket=job.ticket).update(key=key)
    except IntegrityError:
        GeneratedFile.objects.filter(pk=job.pk, ticket=job.ticket).delete()
        return False
    job.key = key
    return True


def _remove_older(job: GeneratedFile) -> None:
    """Files of the same thing made from older data are never served again: remove them."""
    older = GeneratedFile.objects.filter(
        subject=job.subject, status__in=[Status.DONE, Status.FAILED]
    ).exclude(pk=job.pk)
    for old in older:
        if old.file:
            default_storage.delete(old.file.name)
        old.delete()


def file_response(job: GeneratedFile) -> FileResponse:
    """A made file, downloaded under its name."""
    return FileResponse(
        job.file.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=job.filename,
    )
