"""Clusters, their years with the year's settings, and the year's members."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.freeze import FreezeGuardedQuerySet
from core.text import vn_sort_key

from .. import registry
from .units import Authority, Unit

T = TypeVar("T")

# --- Defaults of a cluster-year's settings (visible and editable on every year) -------------


def default_awards() -> list[dict]:
    """The awards a cluster usually proposes at year end; seats = how many units may get it."""
    return [
        {"name": "Cờ thi đua của Ủy ban nhân dân tỉnh", "seats": 1},
        {"name": "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh", "seats": 2},
    ]


def default_tier_bands() -> list[dict]:
    """Tiers by percentage of the table's nominal total, highest first."""
    return [
        {"name": "Hoàn thành xuất sắc nhiệm vụ", "min_percent": "90"},
        {"name": "Hoàn thành tốt nhiệm vụ", "min_percent": "70"},
        {"name": "Hoàn thành nhiệm vụ", "min_percent": "50"},
        {"name": "Không hoàn thành nhiệm vụ", "min_percent": "0"},
    ]


def validate_awards(value) -> None:
    """[{"name": str, "seats": int 1..100}, ...] (the admin edits this JSON by hand)."""
    if not isinstance(value, list):
        raise ValidationError(_("Awards must be a list."))
    for item in value:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("name"), str)
            and item["name"].strip()
            and isinstance(item.get("seats"), int)
            and 1 <= item["seats"] <= 100
            and (
                "nominees" not in item
                or (isinstance(item["nominees"], int) and item["seats"] <= item["nominees"] <= 100)
            )
        ):
            raise ValidationError(
                _('Each award needs a "name" and a whole number of "seats" from 1 to 100.')
            )


def nominees_of(award: dict) -> int:
    """How many of the top-ranked units an award's ballot proposes by default: the award's
    "nominees", or three per seat."""
    return int(award.get("nominees") or award["seats"] * 3)


def validate_tier_bands(value) -> None:
    """[{"name": str, "min_percent": "90"}, ...] with percentages from 0 to 100."""
    if not isinstance(value, list):
        raise ValidationError(_("Tier bands must be a list."))
    for item in value:
        try:
            ok = (
                isinstance(item, dict)
                and isinstance(item.get("name"), str)
                and item["name"].strip()
                and Decimal(0) <= Decimal(str(item.get("min_percent"))) <= Decimal(100)
            )
        except ArithmeticError:
            ok = False
        if not ok:
            raise ValidationError(
                _('Each tier band needs a "name" and a "min_percent" from 0 to 100.')
            )


# --- Cluster ---------------------------------------------------------------------------------


class Cluster(models.Model):
    class Kind(models.TextChoices):
        CLUSTER = "cum", _("cluster")
        BLOCK = "khoi", _("block")

    authority = models.ForeignKey(
        Authority, on_delete=models.PROTECT, related_name="clusters", verbose_name=_("authority")
    )
    name = models.CharField(
        _("name"), max_length=255, help_text=_('e.g. "Cụm thi đua các xã thuộc thành phố …"')
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CLUSTER)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    predecessors = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="successors",
        verbose_name=_("continues"),
        help_text=_("The clusters of former authorities that this cluster continues."),
    )

    class Meta:
        ordering = ["authority__name", "name"]
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "name"],
                name="cluster_name_unique_per_authority",
                violation_error_message=_("This authority already has a cluster of that name."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("clusters:cluster_detail", args=[self.pk])


class YearFrozen(PermissionDenied):
    """A change to a year whose results are final (answered as 403 with the reason). Staff
    reopen the results, with a reason, before anything of the year changes."""


class MembershipQuerySet(FreezeGuardedQuerySet):
    """Bulk paths refuse members of a year whose results are final, like save() and delete()."""

    def _refuse_frozen(self) -> None:
        for cluster_year in ClusterYear.objects.filter(
            pk__in=self.values("cluster_year_id")
        ).select_related("cluster"):
            cluster_year.ensure_changeable()

    def refuse_update(self, fields: set[str]) -> None:
        self._refuse_frozen()

    def refuse_delete(self) -> None:
        self._refuse_frozen()


# --- ClusterYear -----------------------------------------------------------------------------


class ClusterYearQuerySet(models.QuerySet):
    def with_summary(self) -> ClusterYearQuerySet:
        """Member count and memberships (with units), and what the other apps' summaries need
        (clusters.registry), for list pages, in a fixed number of queries whatever the number
        of years or members."""
        summary = (
            self.select_related("cluster__authority")
            .annotate(member_count=Count("memberships", distinct=True))
            .prefetch_related(
                Prefetch(
                    "memberships",
                    queryset=Membership.objects.select_related("unit").order_by("position", "pk"),
                )
            )
        )
        return registry.with_year_summary(summary)


def reminder_day_list(text: str) -> list[int]:
    """ "7, 1" → [7, 1]: the days before a deadline when people are reminded, largest first
    (ValueError on anything else)."""
    days = {int(part) for part in text.replace(";", ",").split(",") if part.strip()}
    if any(not 0 <= day <= 60 for day in days):
        raise ValueError(text)
    return sorted(days, reverse=True)


def validate_reminder_days(text: str) -> None:
    try:
        days = reminder_day_list(text)
    except ValueError:
        raise ValidationError(
            _('Write whole numbers of days from 0 to 60, separated by commas, e.g. "7, 1".')
        ) from None
    if len(days) > 5:
        raise ValidationError(_("At most five reminders before a deadline."))


class ClusterYear(models.Model):
    class AfterFinal(models.TextChoices):
        """What member units read once the results are final (before, each reads its own
        sheet only; staff, viewers and the reviewers read what their role gives them)."""

        EVERYTHING = "all", _("the summary and every unit's sheet")
        SUMMARY = "summary", _("the summary and their own sheet")
        OWN_SHEET = "own", _("their own sheet only")

    class ThresholdBasis(models.TextChoices):
        VALID_BALLOTS = "valid", _("of valid ballots")
        VOTERS_PRESENT = "present", _("of voters present")

    cluster = models.ForeignKey(
        Cluster, on_delete=models.PROTECT, related_name="years", verbose_name=_("cluster")
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    self_score_deadline = models.DateField(
        _("self-scoring deadline"),
        null=True,
        blank=True,
        help_text=_("Units can enter their own scores until the end of this day."),
    )
    review_deadline = models.DateField(
        _("review deadline"),
        null=True,
        blank=True,
        help_text=_("The leader unit can review scores until the end of this day."),
    )
    reminder_days = models.CharField(
        _("reminders before a deadline (days)"),
        max_length=40,
        default="7, 1",
        blank=True,
        validators=[validate_reminder_days],
        help_text=_(
            'Days before each deadline when units and reviewers are reminded, e.g. "7, 1"; '
            "empty: no reminders."
        ),
    )
    vote_threshold_strict = models.BooleanField(
        _("strictly more than the percentage"),
        default=True,
        help_text=_('On: "more than 50%". Off: "at least 50%".'),
    )
    vote_threshold_percent = models.DecimalField(
        _("vote threshold (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("50"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    vote_threshold_basis = models.CharField(
        _("threshold counted on"),
        max_length=10,
        choices=ThresholdBasis.choices,
        default=ThresholdBasis.VALID_BALLOTS,
    )
    awards = models.JSONField(
        _("awards"), default=default_awards, blank=True, validators=[validate_awards]
    )
    tier_bands = models.JSONField(
        _("tier bands"), default=default_tier_bands, blank=True, validators=[validate_tier_bands]
    )
    members_read_after_final = models.CharField(
        _("once the results are final, member units read"),
        max_length=10,
        choices=AfterFinal.choices,
        default=AfterFinal.EVERYTHING,
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ClusterYearQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "cluster__name"]
        verbose_name = _("cluster year")
        verbose_name_plural = _("cluster years")
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "year"],
                name="cluster_year_unique",
                violation_error_message=_("This cluster already has that year."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cluster.name} — {self.year}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            self.ensure_changeable()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("clusters:cluster_year_detail", args=[self.pk])

    @property
    def reminder_day_list(self) -> list[int]:
        """The days before each deadline when people are reminded, largest first."""
        try:
            return reminder_day_list(self.reminder_days)
        except ValueError:  # stored before validation, or by hand: no reminders rather than a crash
            return []

    def delete(self, *args, **kwargs):
        self.ensure_changeable()
        return super().delete(*args, **kwargs)

    def frozen_reason(self) -> str:
        """Why nothing of the year may change now ("" when it may): the apps above say it
        through clusters.registry (the scoring app: the results are final)."""
        return registry.frozen_reason(self)

    def ensure_changeable(self) -> None:
        reason = self.frozen_reason()
        if reason:
            raise YearFrozen(reason)

    @property
    def authority_id(self) -> int:
        return self.cluster.authority_id

    # Members come from the prefetch of with_summary() when present, else one query.
    def _members(self) -> list[Membership]:
        return list(self.memberships.all())

    @property
    def leader(self) -> Membership | None:
        return next((m for m in self._members() if m.role == Membership.Role.LEADER), None)

    @property
    def deputy(self) -> Membership | None:
        return next((m for m in self._members() if m.role == Membership.Role.DEPUTY), None)

    def in_member_order(self, items: Iterable[T], unit_of: Callable[[T], Unit]) -> list[T]:
        """``items`` (sheets, results…) in the year's member order: the leader unit first,
        then by position; a unit no longer a member last; equal places by name in the
        Vietnamese alphabet (the database would sort by bytes)."""
        order = {
            m.unit_id: (m.role != Membership.Role.LEADER, m.position, m.pk) for m in self._members()
        }
        last = (True, math.inf, math.inf)
        return sorted(
            items,
            key=lambda item: (
                order.get(unit_of(item).pk, last),
                vn_sort_key(unit_of(item).name),
            ),
        )

    def vote_threshold_text(self) -> str:
        from core.numbers import format_decimal

        percent = format_decimal(self.vote_threshold_percent)
        if self.vote_threshold_strict:
            text = _("more than %(percent)s%% %(basis)s")
        else:
            text = _("at least %(percent)s%% %(basis)s")
        return text % {"percent": percent, "basis": self.get_vote_threshold_basis_display()}

    def sorted_tier_bands(self) -> list[dict]:
        """Tier bands, highest first, each with its threshold as a Decimal under "percent"."""
        bands = []
        for band in self.tier_bands or []:
            try:
                bands.append({**band, "percent": Decimal(str(band["min_percent"]))})
            except (KeyError, TypeError, ArithmeticError):
                continue  # malformed by hand in the admin: shown without it, never a crash
        return sorted(bands, key=lambda band: band["percent"], reverse=True)

    def progress(self) -> list[tuple[str, bool]]:
        """The steps of the year, each with whether it is done: the organisation's here, then
        each app's (covenant, scoring…) through clusters.registry."""
        members = self._members()
        roles = {m.role for m in members}
        return [
            (_("Members"), len(members) >= 2),
            (
                _("Leader and deputy"),
                {Membership.Role.LEADER, Membership.Role.DEPUTY} <= roles,
            ),
            (_("Deadlines"), bool(self.self_score_deadline and self.review_deadline)),
            *registry.progress_steps(self),
        ]

    def cards(self) -> list[registry.YearCard]:
        """The other apps' cards of the year page (clusters.registry)."""
        return registry.year_cards(self)

    def progress_percent(self) -> int:
        steps = self.progress()
        return round(100 * sum(done for _label, done in steps) / len(steps))


# --- Membership ------------------------------------------------------------------------------


class Membership(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("leader")
        DEPUTY = "deputy", _("deputy")
        MEMBER = "member", _("member")

    cluster_year = models.ForeignKey(
        ClusterYear,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("cluster year"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("unit")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Display and signing order (1 first).")
    )
    representative_name = models.CharField(
        _("representative's name"),
        max_length=120,
        blank=True,
        help_text=_("Who signs for the unit; empty: the unit's head."),
    )
    representative_title = models.CharField(_("representative's title"), max_length=120, blank=True)
    # Copies of cluster_year.cluster.authority and cluster_year.year, so the database itself can
    # refuse a unit in two clusters of one authority in one year. Kept by save().
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, editable=False)
    year = models.PositiveSmallIntegerField(editable=False)

    history = HistoricalRecords()
    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["cluster_year", "unit"],
                name="membership_unit_once_per_cluster_year",
                violation_error_message=_("This unit is already a member."),
            ),
            models.UniqueConstraint(
                fields=["cluster_year"],
                condition=Q(role="leader"),
                name="membership_one_leader",
                violation_error_message=_("The cluster already has a leader unit this year."),
            ),
            models.UniqueConstraint(
                fields=["cluster_year"],
                condition=Q(role="deputy"),
                name="membership_one_deputy",
                violation_error_message=_("The cluster already has a deputy unit this year."),
            ),
            models.UniqueConstraint(
                fields=["authority", "year", "unit"],
                name="membership_one_cluster_per_authority_year",
                violation_error_message=_(
                    "This unit is already in another cluster of the authority that year."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} ({self.get_role_display()}, {self.year})"

    def save(self, *args, **kwargs) -> None:
        self.cluster_year.ensure_changeable()
        self.sync_denormalized()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.cluster_year.ensure_changeable()
        return super().delete(*args, **kwargs)

    def sync_denormalized(self) -> None:
        cluster_year = self.cluster_year
        self.authority_id = cluster_year.cluster.authority_id
        self.year = cluster_year.year

    def clean(self) -> None:
        super().clean()
        same_authority = (
            not (self.unit_id and self.cluster_year_id)
            or self.unit.authority_id == self.cluster_year.cluster.authority_id
        )
        if not same_authority:
            raise ValidationError(
                {"unit": _("The unit must belong to the authority of the cluster.")}
            )

    def validate_constraints(self, exclude=None) -> None:
        # authority and year are not form fields but copies kept by save(): fill them first so
        # that "one cluster per authority and year" is checked like the other constraints.
        if self.cluster_year_id:
            self.sync_denormalized()
        super().validate_constraints(exclude=set(exclude or ()) - {"authority", "year"})

    @property
    def signer_name(self) -> str:
        return self.representative_name or self.unit.head_name

    @property
    def signer_title(self) -> str:
        return self.representative_title or self.unit.head_title
