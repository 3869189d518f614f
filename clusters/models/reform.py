"""A reorganisation of administrative units ("sắp xếp đơn vị hành chính") as the receiving
authority records it: a table of rows (former unit, new unit, the new unit's kind, effective
date, resolution), checked row by row (clusters.reform), then applied all at once — old units
end, new units begin, lineage links and the authorities that ended are recorded — and reversible
while no year uses the new units. Who, when and why stay in the history."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.ids import check_reason
from core.types import AnyUser

from .units import Authority


class Reorganisation(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        APPLIED = "applied", _("applied")
        REVERSED = "reversed", _("reversed")

    authority = models.ForeignKey(
        Authority,
        on_delete=models.PROTECT,
        related_name="reorganisations",
        verbose_name=_("receiving authority"),
    )
    title = models.CharField(_("title"), max_length=255)
    source_name = models.CharField(_("source"), max_length=255, blank=True)
    # The rows as typed (text), in order: [{"row": 2, "old": …, "new": …, "kind": …,
    # "effective": …, "resolution": …, "resolution_date": …}]; checked again on every read.
    rows = models.JSONField(_("rows"), default=list, blank=True)
    ending_authorities = models.ManyToManyField(
        Authority,
        blank=True,
        related_name="ended_by_reorganisations",
        verbose_name=_("authorities that end"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    # What applying changed, so that reversing restores it exactly: {"units": {pk: [valid_to,
    # successor_id]}, "authorities": {pk: [valid_to, successor_id]}, "created": [unit pks]}.
    undo = models.JSONField(default=dict, blank=True, editable=False)

    history = HistoricalRecords(history_change_reason_field=models.TextField(null=True))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("reorganisation")
        verbose_name_plural = _("reorganisations")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("clusters:reorganisation_detail", args=[self.pk])

    def _locked(self, status: str) -> Reorganisation:
        locked = Reorganisation.objects.select_for_update().get(pk=self.pk)
        if locked.status != status:
            raise ValidationError(
                gettext("This reorganisation is %(status)s: nothing was changed.")
                % {"status": locked.get_status_display()}
            )
        return locked

    def _record(self, locked: Reorganisation, *, by: AnyUser | None, reason: str | None) -> None:
        locked._history_user = by  # type: ignore[attr-defined]
        locked._change_reason = reason  # type: ignore[attr-defined]
        locked.save()
        self.refresh_from_db()

    @transaction.atomic
    def apply(self, *, by: AnyUser | None) -> None:
        """End the former units and authorities, create the new units and record the lineage,
        all or nothing; refused while any row has a problem."""
        from ..reform import check, execute

        locked = self._locked(self.Status.DRAFT)
        plan = check(locked, lock=True)
        if plan.errors:
            # Said with the problems: another reorganisation may have changed the units since
            # the preview.
            raise ValidationError(
                [gettext("The table has problems; nothing was applied."), *plan.errors]
            )
        locked.undo = execute(locked, plan)
        locked.status = self.Status.APPLIED
        locked.applied_at = timezone.now()
        self._record(locked, by=by, reason=gettext("Applied"))

    @transaction.atomic
    def reverse(self, *, by: AnyUser | None, reason: str) -> None:
        """Undo an applied reorganisation while no year, user or later reorganisation uses its
        new units; the reason stays in the history."""
        from ..reform import undo

        reason = " ".join((reason or "").replace("\x00", " ").split())
        if not reason:
            raise ValidationError(gettext("Write why the reorganisation is reversed."))
        check_reason(reason)
        locked = self._locked(self.Status.APPLIED)
        undo(locked)
        locked.status = self.Status.REVERSED
        locked.reversed_at = timezone.now()
        self._record(locked, by=by, reason=reason)
