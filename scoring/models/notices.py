"""A unit's request for more time after its deadline ("Xin gia hạn"), answered by staff; and the
reminders sent to people (in the app and by e-mail), each recorded once.

A request changes only through its transitions (ask, grant, refuse), each in a transaction on
the locked rows with who did it in the history. Granting extends that unit's sheet alone
(ScoreSheet.extended_until), never the year's deadline for everyone."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.types import AnyUser

from .sheet import ScoreSheet, clean_text
from .table import ScoringTable

MAX_EXTENSION_DAYS = 60  # the furthest day a request may ask for, from today


def _day(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


class ExtensionRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for an answer")
        GRANTED = "granted", _("granted")
        REFUSED = "refused", _("refused")

    sheet = models.ForeignKey(
        ScoreSheet, on_delete=models.CASCADE, related_name="extension_requests",
        verbose_name=_("score sheet"),
    )  # fmt: skip
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("asked by"),
    )  # fmt: skip
    asked_at = models.DateTimeField(_("asked at"), default=timezone.now)
    reason = models.TextField(_("reason"))
    wanted_until = models.DateField(_("until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("answered by"),
    )  # fmt: skip
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    granted_until = models.DateField(_("granted until"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-asked_at", "-pk"]
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        constraints = [
            models.UniqueConstraint(
                fields=["sheet"],
                condition=models.Q(status="pending"),
                name="extension_request_one_pending_per_sheet",
                violation_error_message=_("A request is already waiting for an answer."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.sheet.unit} — {self.get_status_display()}"

    @classmethod
    @transaction.atomic
    def ask(
        cls, sheet: ScoreSheet, *, by: AnyUser, reason: str, until: datetime.date | None = None
    ) -> ExtensionRequest:
        """The unit asks for more time: only once its deadline has passed, for a sheet still
        being scored, one request waiting at a time."""
        locked = ScoreSheet.objects.select_for_update().select_related("table__cluster_year")
        sheet = locked.get(pk=sheet.pk)
        reason = clean_text(reason)
        if not reason:
            raise ValidationError(gettext("Write why the unit needs more time."))
        if not sheet.deadline_missed:
            raise ValidationError(
                gettext("The sheet can be scored now: no extension is needed.")
                if not sheet.entry_blocked()
                else sheet.entry_blocked()
            )
        today = timezone.localdate()
        if until is not None and not today <= until <= today + datetime.timedelta(
            days=MAX_EXTENSION_DAYS
        ):
            raise ValidationError(
                gettext("Ask for a day from today to %(last)s.")
                % {"last": _day(today + datetime.timedelta(days=MAX_EXTENSION_DAYS))}
            )
        if cls.objects.filter(sheet=sheet, status=cls.Status.PENDING).exists():
            raise ValidationError(gettext("A request is already waiting for an answer."))
        request = cls(sheet=sheet, asked_by_id=by.pk or 0, reason=reason, wanted_until=until)
        request._history_user = by  # type: ignore[attr-defined]
        request.save()
        return request

    def _locked(self) -> ExtensionRequest:
        request = (
            ExtensionRequest.objects.select_for_update()
            .select_related("sheet__table__cluster_year")
            .get(pk=self.pk)
        )
        if request.status != self.Status.PENDING:
            raise ValidationError(gettext("This request has already been answered."))
        return request

    def _record(self, request: ExtensionRequest, *, by: AnyUser, answer: str) -> None:
        request.answered_by_id = by.pk
        request.answered_at = timezone.now()
        request.answer = answer
        request._history_user = by  # type: ignore[attr-defined]
        request.save()
        self.refresh_from_db()

    @transaction.atomic
    def grant(self, *, by: AnyUser, until: datetime.date, answer: str = "") -> None:
        """Staff give the unit until ``until`` (from today, not past the review deadline, so
        that the review keeps its time); the sheet opens again for the unit."""
        request = self._locked()
        sheet = (
            ScoreSheet.objects.select_for_update(of=("self",))
            .select_related("table")
            .get(pk=request.sheet_id)
        )
        if sheet.table.status != ScoringTable.Status.PUBLISHED:  # the results are final
            raise ValidationError(gettext("The scoring table is not open for scoring."))
        cluster_year = request.sheet.table.cluster_year
        today = timezone.localdate()
        if until < today:
            raise ValidationError(gettext("The new deadline must not be in the past."))
        review = cluster_year.review_deadline
        if review is not None and until > review:
            raise ValidationError(
                gettext("The extension cannot go past the review deadline (%(day)s).")
                % {"day": _day(review)}
            )
        if sheet.status != ScoreSheet.Status.DRAFT:
            raise ValidationError(gettext("The sheet is no longer being scored."))
        answer = clean_text(answer)
        request.status = self.Status.GRANTED
        request.granted_until = until
        self._record(request, by=by, answer=answer)
        sheet.extended_until = until
        sheet._history_user = by  # type: ignore[attr-defined]
        sheet._change_reason = gettext(  # type: ignore[attr-defined]
            "Extended until %(day)s: %(reason)s"
        ) % {
            "day": _day(until),
            "reason": request.reason,
        }
        sheet.save(update_fields=["extended_until", "updated_at"])

    @transaction.atomic
    def refuse(self, *, by: AnyUser, answer: str) -> None:
        """Staff say no, and why; the unit may ask again."""
        request = self._locked()
        answer = clean_text(answer)
        if not answer:
            raise ValidationError(gettext("Write why the request is refused."))
        request.status = self.Status.REFUSED
        self._record(request, by=by, answer=answer)


class Reminder(models.Model):
    """What a person was reminded of, once: shown in the app (the top bar's count, the list of
    reminders) and e-mailed when the person has an address. ``key`` names the occasion (the
    sheet, the deadline day and how many days before it, the return…), unique per person, so
    that a reminder is never made or sent twice however often the job runs."""

    class Kind(models.TextChoices):
        DEADLINE = "deadline", _("deadline approaching")
        RETURNED = "returned", _("sheet returned")
        REVIEWED = "reviewed", _("sheet reviewed")
        EXTENSION_ASKED = "ext-asked", _("extension asked")
        EXTENSION_ANSWERED = "ext-answer", _("extension answered")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders",
        verbose_name=_("user"),
    )  # fmt: skip
    key = models.CharField(_("occasion"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=250)
    body = models.TextField(_("text"))
    url = models.CharField(_("address"), max_length=300)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_to = models.CharField(_("e-mailed to"), max_length=254, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    email_error = models.CharField(_("e-mail error"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="reminder_once_per_occasion")
        ]
        indexes = [
            models.Index(
                fields=["user"], condition=models.Q(read_at__isnull=True), name="reminder_unread"
            ),
            models.Index(
                fields=["created_at"],
                condition=models.Q(emailed_at__isnull=True),
                name="reminder_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.subject}"
