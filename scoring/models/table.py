"""The scoring table (biểu chấm điểm) of a cluster-year: a tree of criteria with points, bonus
and deductions, adopted at the signing conference and then frozen."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clusters.models import ClusterYear
from core.freeze import FreezeGuardedQuerySet, locked_read
from core.ids import check_reason
from core.text import fold

if TYPE_CHECKING:
    from ..tree import TableTree

ZERO = Decimal("0")


def default_tie_break() -> list[str]:
    """Visible, editable tie-break order: higher total of the score criteria (bonus and
    deductions left out), then fewer deduction points."""
    return ["score_total", "fewer_deductions"]


TIE_BREAK_RULES = {
    "score_total": _("higher total of the score criteria (without bonus and deductions)"),
    "fewer_deductions": _("fewer deduction points"),
    "more_bonus": _("more bonus points"),
}


# How each rule is written in the settings form and in Excel (Vietnamese, one per line).
TIE_BREAK_WORDS = {
    "score_total": "tổng điểm chấm",
    "fewer_deductions": "ít điểm trừ hơn",
    "more_bonus": "nhiều điểm thưởng hơn",
}


def tie_break_to_words(rules: list[str]) -> list[str]:
    return [
        f"phần {rule[8:]}" if rule.startswith("section:") else TIE_BREAK_WORDS.get(rule, rule)
        for rule in rules
    ]


def tie_break_from_words(lines: list[str]) -> tuple[list[str], list[str]]:
    """Rules from their Vietnamese words (or their keys); returns (rules, unreadable lines)."""
    by_word = {fold(word): rule for rule, word in TIE_BREAK_WORDS.items()}
    by_word.update({rule: rule for rule in TIE_BREAK_WORDS})
    rules, bad = [], []
    for line in lines:
        folded = fold(line)
        if not folded:
            continue
        if folded.startswith(("phan ", "section:")):
            code = line.strip().replace(":", " ").split(None, 1)[1].strip().upper()
            rules.append(f"section:{code}")
        elif folded in by_word:
            rules.append(by_word[folded])
        else:
            bad.append(line.strip())
    return rules, bad


def describe_tie_break(rule: str) -> str:
    if rule.startswith("section:"):
        return _("higher subtotal of section %(code)s") % {"code": rule.split(":", 1)[1]}
    return str(TIE_BREAK_RULES.get(rule, rule))


def validate_tie_break(value) -> None:
    if not isinstance(value, list):
        raise ValidationError(_("The tie-break order must be a list."))
    for rule in value:
        if not isinstance(rule, str) or not (
            rule in TIE_BREAK_RULES or (rule.startswith("section:") and rule[8:].strip())
        ):
            raise ValidationError(_("Unknown tie-break rule: %(rule)s") % {"rule": rule})


class TableLocked(PermissionDenied):
    """A change the table's status does not allow (answered as 403 with this message)."""


TABLE_WORDING_FIELDS = frozenset({"title", "legal_bases", "date", "updated_at"})


class ScoringTableQuerySet(FreezeGuardedQuerySet):
    """Bulk paths (admin actions, .update(), .delete()) obey the same freeze as save()."""

    def refuse_update(self, fields: set[str]) -> None:
        statuses = set(self.values_list("status", flat=True))
        if ScoringTable.Status.CLOSED in statuses or (
            ScoringTable.Status.PUBLISHED in statuses and not fields <= TABLE_WORDING_FIELDS
        ):
            raise TableLocked(_("The table is published: its settings are frozen."))

    def refuse_delete(self) -> None:
        if self.exclude(status=ScoringTable.Status.DRAFT).exists():
            raise TableLocked(_("Only a draft table can be deleted."))


class ScoringTable(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        CLOSED = "closed", _("closed")

    class Unsubmitted(models.TextChoices):
        """What the final results do with the sheets a unit never submitted (chosen by staff
        when they finalise, shown on the results and in every document)."""

        COUNT = "count", _("count their self-scores as they stand")
        LAST = "last", _("mark them “not submitted” and rank them last")

    cluster_year = models.OneToOneField(
        ClusterYear,
        on_delete=models.PROTECT,
        related_name="scoring_table",
        verbose_name=_("cluster year"),
    )
    title = models.CharField(_("title"), max_length=255)
    legal_bases = models.TextField(
        _("legal bases"), blank=True, help_text=_("One per line; copied from last year's table.")
    )
    # The date printed on the table (Decree 30 date line): the day it was adopted, usually at
    # the signing conference; never the day it is printed. Empty: a blank for the văn thư.
    date = models.DateField(
        _("date of the table"),
        null=True,
        blank=True,
        help_text=_("Printed on the table, e.g. the day the signing conference adopted it."),
    )
    nominal_total = models.DecimalField(
        _("nominal total"),
        max_digits=7,
        decimal_places=2,
        default=Decimal("100"),
        validators=[MinValueValidator(Decimal("1"))],
        help_text=_("What the score criteria add up to (bonus and deductions aside)."),
    )
    bonus_cap = models.DecimalField(
        _("bonus cap"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("5"),
        validators=[MinValueValidator(ZERO)],
        help_text=_("The most bonus points a unit can get in total."),
    )
    deduction_cap = models.DecimalField(
        _("deduction cap"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("10"),
        validators=[MinValueValidator(ZERO)],
        help_text=_("The most points that can be taken away from a unit in total."),
    )
    tie_break = models.JSONField(
        _("tie-break order"), default=default_tie_break, blank=True, validators=[validate_tie_break]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    unsubmitted = models.CharField(
        _("sheets never submitted"),
        max_length=10,
        choices=Unsubmitted.choices,
        default=Unsubmitted.COUNT,
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(history_change_reason_field=models.TextField(null=True))
    objects = ScoringTableQuerySet.as_manager()

    class Meta:
        verbose_name = _("scoring table")
        verbose_name_plural = _("scoring tables")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        stored = self.status_in_database() if self.pk else None
        if stored == self.Status.CLOSED and not getattr(self, "_transition", False):
            raise TableLocked(_("The table is closed: nothing in it can change."))
        if stored == self.Status.PUBLISHED and not getattr(self, "_transition", False):
            update_fields = kwargs.get("update_fields")
            if update_fields is None or not set(update_fields) <= TABLE_WORDING_FIELDS:
                raise TableLocked(
                    _("The table is published: its settings are frozen. Only wording can be fixed.")
                )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status_in_database() != self.Status.DRAFT:
            raise TableLocked(_("Only a draft table can be deleted."))
        return super().delete(*args, **kwargs)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    def status_in_database(self) -> str | None:
        return (
            locked_read(ScoringTable.objects.filter(pk=self.pk))
            .values_list("status", flat=True)
            .first()
        )

    def ensure_structure_changeable(self) -> None:
        if self.status_in_database() != self.Status.DRAFT:
            raise TableLocked(
                _("The table is published: its structure is frozen. Only wording can be fixed.")
            )

    def ensure_wording_changeable(self) -> None:
        if self.status_in_database() == self.Status.CLOSED:
            raise TableLocked(_("The table is closed: nothing in it can change."))

    # --- The tree -------------------------------------------------------------------------

    def tree(self) -> TableTree:
        """All criteria as a tree with totals and problems (one query)."""
        from ..tree import TableTree

        return TableTree.build(self, list(self.criteria.order_by("position", "pk")))

    # --- Status ---------------------------------------------------------------------------

    def _set_status(self, status: str, **fields) -> None:
        """Save the new status (and its date) only: nothing else a stale object holds."""
        self.status = status
        for name, value in fields.items():
            setattr(self, name, value)
        self._transition = True
        try:
            self.save(update_fields=["status", *fields, "updated_at"])
        finally:
            self._transition = False

    @transaction.atomic
    def publish(self) -> None:
        if self.status_in_database() != self.Status.DRAFT:
            raise ValidationError(_("Only a draft table can be published."))
        problems = self.tree().problems
        if problems:
            raise ValidationError(
                [_("The table cannot be published yet:")] + [str(p) for p in problems]
            )
        self._set_status(self.Status.PUBLISHED, published_at=timezone.now())

    @transaction.atomic
    def reopen(self, *, reason: str) -> None:
        """Staff reopen closed (finalised) results; the reason stays in the history."""
        reason = check_reason((reason or "").strip())
        if not reason:
            raise ValidationError(_("Write why the results are reopened."))
        if self.status_in_database() != self.Status.CLOSED:
            raise ValidationError(_("Only closed results can be reopened."))
        self._change_reason = reason
        self._set_status(self.Status.PUBLISHED, closed_at=None)

    @transaction.atomic
    def close(self, *, reason: str = "", unsubmitted: str | None = None) -> None:
        """Finalise the results; ``unsubmitted`` says what they do with the sheets a unit never
        submitted (Unsubmitted; unchanged when not given)."""
        if self.status_in_database() != self.Status.PUBLISHED:
            raise ValidationError(_("Only a published table can be closed."))
        if unsubmitted is not None and unsubmitted not in self.Unsubmitted.values:
            raise ValidationError(_("Choose what to do with the sheets never submitted."))
        self._change_reason = check_reason(reason or "") or None
        fields: dict = {"closed_at": timezone.now()}
        if unsubmitted is not None:
            fields["unsubmitted"] = unsubmitted
        self._set_status(self.Status.CLOSED, **fields)


# What may still be corrected in a published table (with history).
WORDING_FIELDS = ("text", "guidance")


class CriterionQuerySet(FreezeGuardedQuerySet):
    """Bulk paths obey the same freeze as save() and delete()."""

    def _statuses(self) -> set[str]:
        return set(self.values_list("table__status", flat=True).distinct())

    def refuse_update(self, fields: set[str]) -> None:
        if "table" in fields or "table_id" in fields:
            raise TableLocked(_("A criterion cannot move to another table."))
        statuses = self._statuses()
        if ScoringTable.Status.CLOSED in statuses or (
            ScoringTable.Status.PUBLISHED in statuses and not fields <= set(WORDING_FIELDS)
        ):
            raise TableLocked(_("The table is published: its structure is frozen."))

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        table_ids = {obj.table_id for obj in objs}
        tables = ScoringTable.objects.filter(pk__in=table_ids)
        if tables.exclude(status=ScoringTable.Status.DRAFT).exists():
            raise TableLocked(_("The table is published: its structure is frozen."))
        return super().bulk_create(objs, *args, **kwargs)

    def refuse_delete(self) -> None:
        if self._statuses() - {ScoringTable.Status.DRAFT}:
            raise TableLocked(_("The table is published: its structure is frozen."))


class Criterion(models.Model):
    class Kind(models.TextChoices):
        SCORE = "score", _("score")
        BONUS = "bonus", _("bonus")
        DEDUCTION = "deduction", _("deduction")

    table = models.ForeignKey(
        ScoringTable, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("table")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    code = models.CharField(_("code"), max_length=20, help_text=_('e.g. "I", "1", "1.1", "a"'))
    text = models.TextField(_("content"))
    guidance = models.TextField(_("scoring guidance"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SCORE)
    max_points = models.DecimalField(
        _("max points"), max_digits=7, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    step = models.DecimalField(
        _("step"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.5"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Scores are multiples of this, e.g. 0,25 or 0,5 or 1."),
    )
    evidence_required = models.BooleanField(_("evidence required"), default=False)

    history = HistoricalRecords()
    objects = CriterionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")

    def __str__(self) -> str:
        return f"{self.code}. {self.text[:60]}"

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        wording_only = update_fields is not None and set(update_fields) <= set(WORDING_FIELDS)
        if wording_only or (self.pk is not None and not self._structure_changed()):
            self.table.ensure_wording_changeable()
        else:
            self.table.ensure_structure_changeable()
        super().save(*args, **kwargs)

    def _structure_changed(self) -> bool:
        fields = [
            "table_id", "parent_id", "position", "code", "kind", "max_points", "step",
            "evidence_required",
        ]  # fmt: skip
        stored = Criterion.objects.filter(pk=self.pk).values(*fields).first()
        if stored is None:
            return True
        if stored["table_id"] != self.table_id:
            raise TableLocked(_("A criterion cannot move to another table."))
        return any(stored[name] != getattr(self, name) for name in fields)

    def delete(self, *args, **kwargs):
        self.table.ensure_structure_changeable()
        return super().delete(*args, **kwargs)
