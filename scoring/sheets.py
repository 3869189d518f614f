"""Workflows of the score sheets: open them when a table is published, save self-scores and
reviewed values (refusing lost updates), extend deadlines. A sheet's own status changes are
its model's transitions (ScoreSheet.submit, return_to_unit, mark_reviewed)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from clusters.models import ClusterYear
from core.numbers import format_decimal

from .models import (
    Criterion,
    Evidence,
    Score,
    ScoreSheet,
    ScoringTable,
    SheetLocked,
    StaleWrite,
    clean_text,
)

ZERO = Decimal("0")


@transaction.atomic
def publish_table(table: ScoringTable) -> None:
    """Publish the table and open a score sheet for every member unit."""
    table.publish()
    ensure_sheets(table)


def ensure_sheets(table: ScoringTable) -> int:
    """A sheet per member unit and a score row per leaf criterion (missing ones only)."""
    tree = table.tree()
    leaves = [node.criterion for node in tree.rows if node.is_leaf]
    existing = set(table.sheets.values_list("unit_id", flat=True))
    unit_ids = table.cluster_year.memberships.values_list("unit_id", flat=True)
    ScoreSheet.objects.bulk_create(
        [
            ScoreSheet(table=table, unit_id=unit_id)
            for unit_id in unit_ids
            if unit_id not in existing
        ]
    )
    have = set(Score.objects.filter(sheet__table=table).values_list("sheet_id", "criterion_id"))
    missing = [
        Score(sheet_id=sheet_id, criterion=criterion)
        for sheet_id in table.sheets.values_list("pk", flat=True)
        for criterion in leaves
        if (sheet_id, criterion.pk) not in have
    ]
    Score.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def check_value(criterion: Criterion, value: Decimal | None) -> None:
    """0 ≤ value ≤ max, a multiple of the step (ValidationError in Vietnamese otherwise)."""
    if value is None:
        return
    if value < 0:
        raise ValidationError(_("The score cannot be negative."))
    if value > criterion.max_points:
        raise ValidationError(
            _("The score cannot exceed %(max)s.") % {"max": format_decimal(criterion.max_points)}
        )
    if value % criterion.step:
        raise ValidationError(
            _("The score must be a multiple of %(step)s (e.g. %(example)s).")
            % {
                "step": format_decimal(criterion.step),
                "example": format_decimal(
                    min(criterion.max_points, criterion.step * (value // criterion.step))
                ),
            }
        )


def _locked_sheet(sheet_pk: int) -> ScoreSheet:
    """The sheet, locked until the end of the transaction (on PostgreSQL; SQLite serialises
    writing transactions): status, deadline and caps are checked where the write happens."""
    return (
        ScoreSheet.objects.select_for_update()
        .select_related("table__cluster_year")
        .get(pk=sheet_pk)
    )


def _locked_for_write(score: Score, version: int, **wanted) -> Score:
    """The score, locked, with ``changed`` telling whether ``wanted`` (field: value) differs from
    it. This is judged on the locked row, not on the caller's copy: a row already holding the
    values is left alone whatever version the form had, and a real change needs the current
    version, so that no one overwrites a change they have not seen."""
    current = (
        Score.objects.select_for_update()
        .select_related("criterion", "sheet__table")
        .get(pk=score.pk)
    )
    current.changed = any(getattr(current, field) != value for field, value in wanted.items())
    if current.changed and current.version != version:
        message = _(
            "Someone else saved this score in the meantime: it is now %(value)s "
            "(reviewed: %(reviewed)s). Reload and check before saving again."
        ) % {
            "value": format_decimal(current.self_value) or "—",
            "reviewed": format_decimal(current.reviewed_value) or "—",
        }
        record = current.history.select_related("history_user").first()  # the newest
        if record is not None:
            who = record.history_user
            message += " " + _("Saved by %(who)s at %(when)s.") % {
                "who": (who.get_full_name() or who.get_username()) if who else "—",
                "when": formats.date_format(
                    timezone.localtime(record.history_date), "SHORT_DATETIME_FORMAT"
                ),
            }
        raise StaleWrite(message, code="stale")
    return current


@transaction.atomic
def save_self(score: Score, *, value: Decimal | None, note: str, version: int) -> Score:
    blocked = _locked_sheet(score.sheet_id).entry_blocked()
    if blocked:
        raise SheetLocked(blocked)
    note = clean_text(note)
    current = _locked_for_write(score, version, self_value=value, self_note=note)
    if not current.changed:
        return current
    check_value(current.criterion, value)
    current.self_value = value
    current.self_note = note
    current.version += 1
    current.save()
    return current


@transaction.atomic
def save_review(score: Score, *, value: Decimal | None, reason: str, version: int) -> Score:
    blocked = _locked_sheet(score.sheet_id).review_state_blocked()
    if blocked:
        raise SheetLocked(blocked)
    reason = clean_text(reason)
    current = _locked_for_write(score, version, reviewed_value=value, review_reason=reason)
    if not current.changed:
        return current
    check_value(current.criterion, value)
    if value is not None and value != (current.self_value or ZERO) and not reason:
        raise ValidationError(_("Write why the reviewed score differs from the unit's own."))
    current.reviewed_value = value
    current.review_reason = reason
    current.version += 1
    current._change_reason = reason or None
    current.save()
    return current


@transaction.atomic
def attach_evidence(score: Score, *, upload, content_type: str, by, limit: int) -> Evidence:
    """A file on a score, under the sheet's lock with the same state and deadline checks as a
    score save: a sheet cannot be submitted between the check and the file, nor lose a file
    it was submitted with. At most ``limit`` files per criterion, counted under the lock."""
    blocked = _locked_sheet(score.sheet_id).entry_blocked()
    if blocked:
        raise SheetLocked(blocked)
    if Evidence.objects.filter(score=score).count() >= limit:
        raise ValidationError(
            _("A criterion takes at most %(count)d files.") % {"count": limit}, code="too_many"
        )
    evidence = Evidence(
        score=score,
        original_name=upload.name[:255],
        content_type=content_type,
        size=upload.size,
        uploaded_by=by,
    )
    evidence._history_user = by
    evidence.file.save(upload.name, upload, save=False)
    evidence.save()
    return evidence


@transaction.atomic
def remove_evidence(evidence: Evidence, *, by) -> None:
    """The same lock and checks as attach_evidence (the file stays on disk: the history still
    names it)."""
    blocked = _locked_sheet(evidence.score.sheet_id).entry_blocked()
    if blocked:
        raise SheetLocked(blocked)
    evidence._history_user = by
    evidence.delete()


@transaction.atomic
def extend_deadlines(cluster_year: ClusterYear, *, self_score, review, reason: str) -> None:
    reason = clean_text(reason)
    if not reason:
        raise ValidationError(_("Write why the deadlines change."))
    if self_score and review and review < self_score:
        raise ValidationError(_("The review deadline must not be before the self-scoring one."))
    cluster_year.self_score_deadline = self_score
    cluster_year.review_deadline = review
    cluster_year._change_reason = reason
    cluster_year.save(update_fields=["self_score_deadline", "review_deadline", "updated_at"])
