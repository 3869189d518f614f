"""The signing conference (hội nghị ký kết giao ước thi đua) and its attendees; frozen with
the covenant once it is signed."""

from __future__ import annotations

from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clusters.models import Unit

from .covenant import FrozenWhenSignedQuerySet, Pledge


class Ceremony(models.Model):
    """The signing conference (hội nghị ký kết giao ước thi đua)."""

    pledge = models.OneToOneField(
        Pledge, on_delete=models.CASCADE, related_name="ceremony", verbose_name=_("covenant")
    )
    starts_at = models.DateTimeField(_("date and time"), null=True, blank=True)
    venue = models.CharField(_("venue"), max_length=255, blank=True)
    host_unit = models.ForeignKey(
        Unit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("host unit"),
    )
    chair_name = models.CharField(_("chair"), max_length=120, blank=True)
    chair_title = models.CharField(_("chair's title"), max_length=200, blank=True)
    secretary_name = models.CharField(_("secretary"), max_length=120, blank=True)
    secretary_title = models.CharField(_("secretary's title"), max_length=200, blank=True)
    adopted_documents = models.TextField(
        _("adopted at the conference"),
        blank=True,
        help_text=_("One per line, e.g. “Quy chế hoạt động của Cụm thi đua”."),
    )
    proceedings = models.TextField(
        _("proceedings"),
        blank=True,
        help_text=_("What happened, one paragraph per line (opening, reports, discussion)."),
    )
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()
    objects = FrozenWhenSignedQuerySet.as_manager()

    class Meta:
        verbose_name = _("signing conference")
        verbose_name_plural = _("signing conferences")

    def __str__(self) -> str:
        return f"{_('Signing conference')} — {self.pledge}"

    def save(self, *args, **kwargs) -> None:
        self.pledge.ensure_changeable()  # the conference's record is signed with the covenant
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.pledge.ensure_changeable()
        return super().delete(*args, **kwargs)

    @cached_property
    def adopted_lines(self) -> list[str]:
        return Pledge._lines(self.adopted_documents)

    @cached_property
    def proceeding_paragraphs(self) -> list[str]:
        return Pledge._lines(self.proceedings)


class AttendeeQuerySet(FrozenWhenSignedQuerySet):
    pledge_path = "ceremony__pledge"


class Attendee(models.Model):
    class Kind(models.TextChoices):
        DELEGATE = "delegate", _("delegate of a member unit")
        GUEST = "guest", _("guest")
        WITNESS = "witness", _("witness")

    ceremony = models.ForeignKey(
        Ceremony, on_delete=models.CASCADE, related_name="attendees", verbose_name=_("conference")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DELEGATE)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member unit"),
    )
    name = models.CharField(
        _("name"),
        max_length=120,
        blank=True,
        help_text=_("May stay empty when only the title is known."),
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation"), max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    history = HistoricalRecords()
    objects = AttendeeQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "position", "pk"]
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="delegate") | models.Q(unit__isnull=False),
                name="attendee_delegate_has_unit",
                violation_error_message=_("A delegate belongs to a member unit."),
            )
        ]

    def __str__(self) -> str:
        return self.name or self.title

    def save(self, *args, **kwargs) -> None:
        self.ceremony.pledge.ensure_changeable()
        if self.unit_id and not self.organisation:
            self.organisation = self.unit.name  # printed as it was, even after a renaming
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.ceremony.pledge.ensure_changeable()
        return super().delete(*args, **kwargs)

    @property
    def organisation_name(self) -> str:
        return self.organisation or (self.unit.name if self.unit_id else "")
