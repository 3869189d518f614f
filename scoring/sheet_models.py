"""Score sheets: each member unit's self-scores with evidence, and the leader unit's review.

Imported by scoring.models (Django finds the models there)."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clusters.models import Unit

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

    def missing_evidence(self, scores: list[Score]) -> list[Score]:
        """Scores whose criterion requires evidence and that have a value but no file."""
        return [
            score
            for score in scores
            if score.criterion.evidence_required and score.self_value and not score.evidence_count
        ]


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


@dataclass
class SheetTotals:
    """Totals of a sheet for one column (self or reviewed/effective)."""

    score: Decimal
    bonus: Decimal
    deduction: Decimal
    sections: dict[int, Decimal]  # root criterion pk -> subtotal (before caps)

    @property
    def total(self) -> Decimal:
        return self.score + self.bonus - self.deduction
