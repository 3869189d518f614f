"""Who and when: authorities, their member units, clusters, the clusters' years and members,
and which user acts for which authority or unit."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.text import fold

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
        ):
            raise ValidationError(
                _('Each award needs a "name" and a whole number of "seats" from 1 to 100.')
            )


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


# --- Authority -------------------------------------------------------------------------------


class Authority(models.Model):
    """The organising body of the clusters (a province or, before 7/2025, a district)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    place_name = models.CharField(
        _("place name"),
        max_length=100,
        help_text=_('Used in the date line of documents, e.g. "Thái Nguyên".'),
    )
    parent_body = models.CharField(
        _("parent body"),
        max_length=200,
        blank=True,
        help_text=_("The line above the issuing body in document headers."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")

    def __str__(self) -> str:
        return self.name


# --- Unit ------------------------------------------------------------------------------------


class UnitQuerySet(models.QuerySet):
    def valid_in_year(self, year: int) -> UnitQuerySet:
        """Units that exist at some point of ``year`` (merged units stop at their valid_to)."""
        start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=end),
            Q(valid_to__isnull=True) | Q(valid_to__gte=start),
        )

    def current(self) -> UnitQuerySet:
        today = timezone.localdate()
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))

    def search(self, query: str) -> UnitQuerySet:
        """Match every word of ``query`` ignoring case and diacritics ("dong lien")."""
        qs = self
        for word in fold(query).split():
            qs = qs.filter(Q(search_text__contains=word) | Q(code__iexact=word))
        return qs


class Unit(models.Model):
    class Kind(models.TextChoices):
        COMMUNE = "xa", _("commune")
        WARD = "phuong", _("ward")
        TOWNSHIP = "thi_tran", _("township")
        SPECIAL_ZONE = "dac_khu", _("special zone")
        AGENCY = "co_quan", _("agency")

    authority = models.ForeignKey(
        Authority, on_delete=models.PROTECT, related_name="units", verbose_name=_("authority")
    )
    name = models.CharField(_("name"), max_length=200, help_text=_('e.g. "xã Đồng Liên"'))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.COMMUNE)
    code = models.CharField(
        _("official code"), max_length=20, blank=True, help_text=_("Administrative unit code.")
    )
    head_name = models.CharField(_("head's name"), max_length=120, blank=True)
    head_title = models.CharField(
        _("head's title"), max_length=120, blank=True, help_text=_('e.g. "Chủ tịch UBND xã"')
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("Last day, when merged or dissolved.")
    )
    successor = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="predecessors",
        verbose_name=_("successor"),
        help_text=_("The unit that took over after a merger or renaming."),
    )
    # Diacritics-free, lower-case copy of name and code for search; kept by save().
    search_text = models.CharField(max_length=255, editable=False, db_index=True, default="")

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "code"],
                condition=~Q(code=""),
                name="unit_code_unique_per_authority",
                violation_error_message=_("Another unit of this authority has this code."),
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="unit_valid_to_after_valid_from",
                violation_error_message=_("The end of validity is before its start."),
            ),
            models.CheckConstraint(
                condition=~Q(successor=models.F("pk")),
                name="unit_not_own_successor",
                violation_error_message=_("A unit cannot be its own successor."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.search_text = fold(f"{self.name} {self.code}")[:255]  # folding can lengthen text
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and ("name" in update_fields or "code" in update_fields):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("unit_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.successor_id and self.pk and self.successor_id == self.pk:
            raise ValidationError({"successor": _("A unit cannot be its own successor.")})
        if self.successor_id and self.successor.authority_id != self.authority_id:
            raise ValidationError(
                {"successor": _("The successor must belong to the same authority.")}
            )

    def is_valid_in_year(self, year: int) -> bool:
        start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        return (self.valid_from is None or self.valid_from <= end) and (
            self.valid_to is None or self.valid_to >= start
        )

    @property
    def is_former(self) -> bool:
        return self.valid_to is not None and self.valid_to < timezone.localdate()

    def lineage(self) -> list[Unit]:
        """This unit's successors in order (a merged unit's chain), guarding against cycles."""
        chain, seen, current = [], {self.pk}, self.successor
        while current is not None and current.pk not in seen:
            chain.append(current)
            seen.add(current.pk)
            current = current.successor
        return chain


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
        return reverse("cluster_detail", args=[self.pk])


# --- ClusterYear -----------------------------------------------------------------------------


class ClusterYearQuerySet(models.QuerySet):
    def with_summary(self) -> ClusterYearQuerySet:
        """Member count, memberships (with units) and the number of score sheets waiting for
        review, for list pages, in a fixed number of queries whatever the number of years or
        members. (Sheets are reached through reverse relations: clusters imports no app.)"""
        return (
            self.select_related("cluster__authority", "pledge", "scoring_table")
            .annotate(
                member_count=Count("memberships", distinct=True),
                awaiting_review=Count(
                    "scoring_table__sheets",
                    filter=Q(scoring_table__sheets__status="submitted"),
                    distinct=True,
                ),
            )
            .prefetch_related(
                Prefetch(
                    "memberships",
                    queryset=Membership.objects.select_related("unit").order_by("position", "pk"),
                )
            )
        )


class ClusterYear(models.Model):
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

    def get_absolute_url(self) -> str:
        return reverse("cluster_year_detail", args=[self.pk])

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
        """The steps of the year that can be checked now, each with whether it is done.

        Later stages (covenant, scoring, results) add their steps as they are built."""
        members = self._members()
        roles = {m.role for m in members}
        return [
            (_("Members"), len(members) >= 2),
            (
                _("Leader and deputy"),
                {Membership.Role.LEADER, Membership.Role.DEPUTY} <= roles,
            ),
            (_("Deadlines"), bool(self.self_score_deadline and self.review_deadline)),
            (_("Covenant signed"), self.covenant_status() == "signed"),
            (_("Scoring table published"), self.table_status() in ("published", "closed")),
        ]

    def table_status(self) -> str | None:
        """The status of this year's scoring table (scoring app, through the reverse
        relation), None before one exists."""
        try:
            return self.scoring_table.status
        except ObjectDoesNotExist:
            return None

    def covenant_status(self) -> str | None:
        """The status of this year's covenant (pledges app, reached through the reverse
        relation so that clusters does not import pledges), None before one is drafted."""
        try:
            return self.pledge.status
        except ObjectDoesNotExist:
            return None

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
        self.sync_denormalized()
        super().save(*args, **kwargs)

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
