"""Generated files: a long document (the year's bundle) made by a background job and kept until
the data it was made from changes (documents/jobs.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class GeneratedFile(models.Model):
    """One file made by a job, named by ``key``: the SHA-256 of everything it is made from (the
    HTML of every document in it, its outline and metadata, the print assets and the renderer's
    versions). The same key always describes the same file, so a file is served only while the
    data still gives its key, and is never stale; a change of data gives another key, hence
    another file. ``subject`` names what the file is of (its kind and parameters, e.g. a year
    and what its reader may read), so the files of older data can be found and removed.

    Each attempt is claimed with ``ticket``: a new ticket is drawn whenever the job is queued
    again, and an attempt only records its outcome while its ticket is the row's, so a worker
    that comes back after its job was given to another changes nothing."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being made")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=40)
    key = models.CharField(_("key"), max_length=64, unique=True)
    subject = models.CharField(_("subject"), max_length=64, db_index=True)
    params = models.JSONField(_("parameters"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    file = models.FileField(_("file"), upload_to="generated/", max_length=200, blank=True)
    filename = models.CharField(_("download name"), max_length=200)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"))
    queued_at = models.DateTimeField(_("queued at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    ticket = models.CharField(_("ticket"), max_length=32)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("generated file")
        verbose_name_plural = _("generated files")

    def __str__(self) -> str:
        return f"{self.kind} {self.key[:12]} ({self.status})"
