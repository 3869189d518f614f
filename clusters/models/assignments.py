"""Who works in the application and as what: staff or viewer of an authority, clerk of a unit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .units import Authority, Unit

# --- Assignment ------------------------------------------------------------------------------


class Assignment(models.Model):
    """A user's role: staff or viewer of an authority, or clerk of a unit."""

    class Role(models.TextChoices):
        STAFF = "staff", _("staff")
        VIEWER = "viewer", _("viewer")
        CLERK = "clerk", _("clerk")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    authority = models.ForeignKey(
        Authority,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("authority"),
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("unit"),
    )

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role__in=["staff", "viewer"], authority__isnull=False, unit__isnull=True)
                    | Q(role="clerk", unit__isnull=False, authority__isnull=True)
                ),
                name="assignment_target_matches_role",
                violation_error_message=_(
                    "Staff and viewers belong to an authority; clerks belong to a unit."
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "authority"],
                condition=Q(authority__isnull=False),
                name="assignment_one_role_per_authority",
                violation_error_message=_("This user already has a role in this authority."),
            ),
            models.UniqueConstraint(
                fields=["user", "unit"],
                condition=Q(unit__isnull=False),
                name="assignment_one_role_per_unit",
                violation_error_message=_("This user is already a clerk of this unit."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.authority or self.unit}"
