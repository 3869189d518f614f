"""Score sheets: each member unit's self-scores with evidence, and the leader unit's review.
A sheet's status changes only through its transitions (submit, return_to_unit, mark_reviewed),
each in a transaction on the locked row, with who did it in the history."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clusters.deadlines import Deadline
from clusters.models import Unit
from core.ids import check_reason
from core.text import refuse_nul

from .table import ScoringTable

TableStatus = ScoringTable.Status

ZERO = Decimal("0")


class SheetLocked(PermissionDenied):
    """A change the sheet's status, the deadlines or the table do not allow (403 + reason)."""


class StaleWrite(ValidationError):
    """Someone saved this score since the page was loaded (optimistic concurrency)."""


def private_storage() -> FileSystemStorage:
    return FileSystemStorage()  # MEDIA_ROOT, outside the web root; served by a checked view


def evidence_path(evidence: Evidence, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"evidence/{evidence.score.sheet_id}/{uuid.uuid4().hex}.{extension}"


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The last moment of ``day`` in the project's time zone (deadlines include their day)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


def deadline_passed(day: datetime.date | None, *, now: datetime.datetime | None = None) -> bool:
    return day is not None and (now or timezone.now()) > end_of_day(day)


def needs_evidence(kind: str, evidence_required: bool, value: Decimal | None, files: int) -> bool:
    """A criterion that requires evidence lacks it while it has no file, unless its value says
    there is nothing to prove (0, or no bonus or deduction at all). A score criterion still
    without a value counts too, so that the unit hears of both in one round."""
    if not evidence_required or files:
        return False
    if value is None:
        return kind == "score"  # Criterion.Kind.SCORE (the table module imports this one)
    return value != 0


class SheetIncomplete(ValidationError):
    """A submission refused for what the sheet lacks, all of it (``problems``: see
    scoring.checks), so that the page can link each to its row."""

    def __init__(self, messages: list[str], problems: list) -> None:
        super().__init__(messages)
        self.problems = problems


class ScoreSheet(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("being scored")
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned to the unit")
        REVIEWED = "reviewed", _("reviewed")

    table = models.ForeignKey(
        "scoring.ScoringTable", on_delete=models.PROTECT, related_name="sheets",
        verbose_name=_("table"),
    )  # fmt: skip
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="score_sheets", verbose_name=_("unit")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    return_reason = models.TextField(_("why it was returned"), blank=True)
    # An extension granted to this unit alone (scoring.models.ExtensionRequest.grant): the unit
    # scores until the end of this day even after the year's self-scoring deadline.
    extended_until = models.DateField(_("extended until"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(history_change_reason_field=models.TextField(null=True))

    class Meta:
        ordering = ["table", "unit__name"]
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        constraints = [
            models.UniqueConstraint(fields=["table", "unit"], name="score_sheet_once_per_unit")
        ]

    def __str__(self) -> str:
        return f"{self.unit} — {self.table}"

    @property
    def is_open_for_unit(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    @property
    def is_in_review(self) -> bool:
        return self.status in (self.Status.SUBMITTED, self.Status.REVIEWED)

    # --- State rules: why the unit or a reviewer cannot act now ---------------------------

    def entry_deadline(self) -> datetime.date | None:
        """The last day the unit may score: the year's self-scoring deadline, or the unit's own
        extension when one was granted past it; for a sheet returned by the reviewer, the
        review deadline (it is corrected and resubmitted within the review). None: no limit."""
        cluster_year = self.table.cluster_year
        if self.status == self.Status.RETURNED:
            return cluster_year.review_deadline
        day = cluster_year.self_score_deadline
        if day is not None and self.extended_until is not None:
            return max(day, self.extended_until)
        return day

    def deadline(self) -> Deadline | None:
        """The deadline that matters to the sheet now, as people read it: the unit's while it
        scores (its extension when granted), the review's once it is submitted or returned;
        none once reviewed. One place for the sheet, the to-do list and the reminders."""
        if self.status == self.Status.REVIEWED:
            return None
        if self.status == self.Status.SUBMITTED:
            day, label = self.table.cluster_year.review_deadline, gettext("Review deadline")
        elif self.status == self.Status.RETURNED:
            day, label = self.entry_deadline(), gettext("Review deadline")
        else:
            day = self.entry_deadline()
            year_day = self.table.cluster_year.self_score_deadline
            extended = day is not None and year_day is not None and day > year_day
            label = gettext("Extended until") if extended else gettext("Self-scoring deadline")
        return Deadline(day, label) if day else None

    def entry_blocked(self) -> str:
        """Why the unit cannot score its sheet now ("" when it can)."""
        if self.table.status != TableStatus.PUBLISHED:
            return gettext("The scoring table is not open for scoring.")
        if not self.is_open_for_unit:
            return gettext("The sheet is submitted: it is read-only for the unit.")
        if deadline_passed(self.entry_deadline()):
            if self.status == self.Status.RETURNED:
                return gettext("The review deadline has passed.")
            return gettext("The self-scoring deadline has passed.")
        return ""

    @property
    def deadline_missed(self) -> bool:
        """The unit could still score but for its deadline: it may ask for an extension."""
        return (
            self.status == self.Status.DRAFT
            and self.table.status == TableStatus.PUBLISHED
            and deadline_passed(self.entry_deadline())
        )

    def review_state_blocked(self) -> str:
        """Why the sheet cannot be reviewed now, whoever asks ("" when it can): only a submitted
        sheet, before the review deadline; once marked reviewed it is final."""
        if self.table.status != TableStatus.PUBLISHED:
            return gettext("The scoring table is not open for scoring.")
        if self.status == self.Status.REVIEWED:
            return gettext("The sheet is marked reviewed: its review is final.")
        if self.status != self.Status.SUBMITTED:
            return gettext("The sheet has not been submitted for review.")
        if deadline_passed(self.table.cluster_year.review_deadline):
            return gettext("The review deadline has passed.")
        return ""

    def missing_evidence(self, scores: list[Score]) -> list[Score]:
        """Scores whose criterion requires evidence that they lack (``needs_evidence``)."""
        return [
            score
            for score in scores
            if needs_evidence(
                score.criterion.kind,
                score.criterion.evidence_required,
                score.self_value,
                score.evidence_count,
            )
        ]

    def scores_in_order(self) -> list[Score]:
        """The sheet's scores in print order, with their criteria and evidence (2 queries)."""
        return list(
            self.scores.select_related("criterion")
            .prefetch_related("evidence")
            .order_by("criterion__position", "criterion__pk")
        )

    # --- Transitions: each on the locked row, in a transaction, with its history ----------

    def _locked(self) -> ScoreSheet:
        """The sheet, locked, refused once the table is not open (a final year changes in
        nothing, whoever asks)."""
        sheet = ScoreSheet.objects.select_for_update().select_related("table").get(pk=self.pk)
        if sheet.table.status != TableStatus.PUBLISHED:
            raise ValidationError(gettext("The scoring table is not open for scoring."))
        return sheet

    def _record(self, sheet: ScoreSheet, *, by, reason: str | None = None) -> None:
        sheet._history_user = by
        sheet._change_reason = reason
        sheet.save()
        self.refresh_from_db()

    @transaction.atomic
    def submit(self, *, by) -> None:
        """The unit hands its sheet in for review: every score criterion has a value and every
        criterion that requires evidence has a file unless its value is 0. Everything missing
        is refused at once, each criterion by its full path (scoring.checks)."""
        from ..checks import problems as sheet_problems

        sheet = self._locked()
        if not sheet.is_open_for_unit:
            raise ValidationError(gettext("The sheet is already submitted."))
        found = sheet_problems([sheet.pk]).get(sheet.pk, [])
        unscored = [problem.path for problem in found if problem.no_value]
        missing = [problem.path for problem in found if problem.no_evidence]
        messages = []
        if unscored:
            messages.append(
                gettext("Enter a score (0 if nothing was achieved) for: %(codes)s.")
                % {"codes": ", ".join(unscored)}
            )
        if missing:
            messages.append(
                gettext("Attach evidence for: %(codes)s.") % {"codes": ", ".join(missing)}
            )
        if found:
            raise SheetIncomplete(messages, found)
        sheet.status = ScoreSheet.Status.SUBMITTED
        sheet.submitted_at = timezone.now()
        sheet.return_reason = ""
        self._record(sheet, by=by)

    @transaction.atomic
    def return_to_unit(self, *, reason: str, by) -> None:
        """The reviewer sends a submitted sheet back to the unit, saying why."""
        sheet = self._locked()
        reason = check_reason(clean_text(reason))
        if not reason:
            raise ValidationError(gettext("Write why the sheet goes back to the unit."))
        if sheet.status != ScoreSheet.Status.SUBMITTED:
            raise ValidationError(gettext("Only a submitted sheet can be returned."))
        sheet.status = ScoreSheet.Status.RETURNED
        sheet.return_reason = reason
        sheet.reviewer = by
        self._record(sheet, by=by, reason=reason)

    @transaction.atomic
    def reopen_review(self, *, reason: str, by) -> None:
        """A reviewed sheet goes back to "submitted" so its review can go on, with the reason
        in the history; only before the results are final (the table still open)."""
        sheet = self._locked()
        reason = check_reason(clean_text(reason))
        if not reason:
            raise ValidationError(gettext("Write why the review is reopened."))
        if sheet.status != ScoreSheet.Status.REVIEWED:
            raise ValidationError(gettext("Only a reviewed sheet can be reopened."))
        sheet.status = ScoreSheet.Status.SUBMITTED
        sheet.reviewed_at = None
        self._record(sheet, by=by, reason=reason)

    @transaction.atomic
    def mark_reviewed(self, *, by) -> None:
        """The reviewer closes the review of a submitted sheet."""
        sheet = self._locked()
        if sheet.status != ScoreSheet.Status.SUBMITTED:
            raise ValidationError(gettext("Only a submitted sheet can be marked reviewed."))
        sheet.status = ScoreSheet.Status.REVIEWED
        sheet.reviewed_at = timezone.now()
        sheet.reviewer = by
        self._record(sheet, by=by)


def clean_text(value: str) -> str:
    """Typed text (basis, reasons) as stored: trimmed; a NUL character is refused (PostgreSQL
    cannot store one)."""
    value = (value or "").strip()
    refuse_nul(value)
    return value


class ScoreNumbers:
    """What a score's two values mean, for the model and for ScoreValues alike."""

    __slots__ = ()

    @property
    def effective_value(self) -> Decimal | None:
        """What counts: the reviewed value where reviewed, the unit's own otherwise."""
        return self.reviewed_value if self.reviewed_value is not None else self.self_value

    @property
    def differs(self) -> bool:
        return self.reviewed_value is not None and self.reviewed_value != (self.self_value or ZERO)


class ScoreValues(ScoreNumbers):
    """A score's numbers without the model: pages that total whole years read thousands of
    scores, and building a model instance for each costs more than the query."""

    __slots__ = ("pk", "sheet_id", "criterion_id", "self_value", "reviewed_value", "version")
    FIELDS = __slots__

    def __init__(self, pk, sheet_id, criterion_id, self_value, reviewed_value, version):
        self.pk, self.sheet_id, self.criterion_id = pk, sheet_id, criterion_id
        self.self_value, self.reviewed_value, self.version = self_value, reviewed_value, version

    @classmethod
    def of(cls, scores: models.QuerySet) -> list[ScoreValues]:
        return [cls(*row) for row in scores.order_by().values_list(*cls.FIELDS)]


class Score(ScoreNumbers, models.Model):
    """One criterion of one sheet: the unit's value and note, its evidence, and the reviewed
    value with the reviewer's reason. ``version`` grows with every save (lost-update guard)."""

    sheet = models.ForeignKey(
        ScoreSheet, on_delete=models.CASCADE, related_name="scores", verbose_name=_("sheet")
    )
    criterion = models.ForeignKey(
        "scoring.Criterion", on_delete=models.PROTECT, related_name="scores",
        verbose_name=_("criterion"),
    )  # fmt: skip
    self_value = models.DecimalField(
        _("self-score"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    self_note = models.TextField(_("basis"), blank=True)
    reviewed_value = models.DecimalField(
        _("reviewed score"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    review_reason = models.TextField(_("reviewer's reason"), blank=True)
    version = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(history_change_reason_field=models.TextField(null=True))

    class Meta:
        ordering = ["criterion__position"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["sheet", "criterion"], name="score_once_per_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.sheet.unit} — {self.criterion.code}: {self.self_value}"

    @property
    def evidence_count(self) -> int:
        """From the prefetched files of sheet pages, else one query."""
        if "evidence" in getattr(self, "_prefetched_objects_cache", {}):
            return len(self.evidence.all())
        return self.evidence.count()


class Evidence(models.Model):
    score = models.ForeignKey(
        Score, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("score")
    )
    file = models.FileField(_("file"), upload_to=evidence_path, storage=private_storage,
                            max_length=255)  # fmt: skip
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.original_name
