"""The organising authorities and their member units (communes, wards…), with validity dates
and successors: units merge and are renamed, and history keeps the old names."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.text import fold

# --- Validity (authorities and units alike) --------------------------------------------------


class ValidityQuerySet(models.QuerySet):
    """Rows with ``valid_from``/``valid_to`` dates (the last day inclusive; none: open)."""

    def current(self):
        """Those not ended by today."""
        today = timezone.localdate()
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))

    def valid_in_year(self, year: int):
        """Those that exist at some point of ``year`` (an ended one stops at its valid_to)."""
        start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=end),
            Q(valid_to__isnull=True) | Q(valid_to__gte=start),
        )


class Validity:
    """The same reading of ``valid_from``/``valid_to`` on an instance as ValidityQuerySet's."""

    valid_from: datetime.date | None
    valid_to: datetime.date | None

    @property
    def is_former(self) -> bool:
        return self.valid_to is not None and self.valid_to < timezone.localdate()

    def _overlaps(self, start: datetime.date, end: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= end) and (
            self.valid_to is None or self.valid_to >= start
        )

    def is_valid_on(self, day: datetime.date) -> bool:
        return self._overlaps(day, day)

    def is_valid_in_year(self, year: int) -> bool:
        return self._overlaps(datetime.date(year, 1, 1), datetime.date(year, 12, 31))


# --- Authority -------------------------------------------------------------------------------


class AuthorityQuerySet(ValidityQuerySet):
    pass


class Authority(Validity, models.Model):
    """The organising body of the clusters (a province or, before 7/2025, a district). An
    authority that ended (the districts on 1/7/2025, a province merged into another) names its
    successor, whose staff and viewers then read its records (clusters.roles: custody)."""

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
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent authority"),
        help_text=_("The authority above it (a province above its districts), for grouping."),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("Last day, when it ended or merged.")
    )
    successor = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="predecessors",
        verbose_name=_("successor"),
        help_text=_("The authority that took over its records."),
    )

    objects = AuthorityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="authority_valid_to_after_valid_from",
                violation_error_message=_("The end of validity is before its start."),
            ),
            models.CheckConstraint(
                condition=~Q(successor=models.F("pk")),
                name="authority_not_own_successor",
                violation_error_message=_("An authority cannot be its own successor."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def successor_on(self, day: datetime.date) -> Authority | None:
        """This authority if it exists on ``day``, else the first successor that does."""
        seen: set[int] = set()
        current: Authority | None = self
        while current is not None and current.pk not in seen:
            if current.is_valid_on(day):
                return current
            seen.add(current.pk)
            current = current.successor
        return None

    def predecessor_ids(self) -> set[int]:
        """Every authority whose records passed to this one, however many steps back."""
        return predecessors_of({self.pk})

    def area_ids(self) -> set[int]:
        """Authorities a reorganisation received by this one may end: those under it (by
        parent) or under one of its predecessors, and its predecessors themselves."""
        return area_of({self.pk}) - {self.pk}


def predecessors_of(pks: set[int]) -> set[int]:
    """Every authority whose records passed to one of ``pks``, however many steps back (one
    query a step, whatever the number of authorities)."""
    found: set[int] = set()
    frontier = set(pks)
    while frontier:
        frontier = set(
            Authority.objects.filter(successor_id__in=frontier)
            .exclude(pk__in=found | pks)
            .values_list("pk", flat=True)
        )
        found |= frontier
    return found


def area_of(pks: set[int]) -> set[int]:
    """``pks``, their predecessors and every authority under one of them (by parent)."""
    found = set(pks) | predecessors_of(pks)
    frontier = set(found)
    while frontier:
        frontier = set(
            Authority.objects.filter(parent_id__in=frontier)
            .exclude(pk__in=found)
            .values_list("pk", flat=True)
        )
        found |= frontier
    return found


# --- Unit ------------------------------------------------------------------------------------


class UnitQuerySet(ValidityQuerySet):
    def search(self, query: str) -> UnitQuerySet:
        """Match every word of ``query`` ignoring case and diacritics ("dong lien"), in the
        unit's name or code or in a former name: a unit formed by a merger is found by the
        name of a unit it took over (two steps back through the lineage links)."""
        qs = self
        # Control characters are no part of a name (NUL even breaks a PostgreSQL query), and
        # no name is longer than a few words.
        query = "".join(ch if ch.isprintable() else " " for ch in query[:200])
        for word in fold(query).split()[:10]:
            named = Q(search_text__contains=word) | Q(code__iexact=word)
            direct = UnitLink.objects.filter(predecessor__search_text__contains=word)
            two_back = UnitLink.objects.filter(
                predecessor_id__in=direct.values("successor_id")
            ).values("successor_id")
            qs = qs.filter(named | Q(pk__in=direct.values("successor_id")) | Q(pk__in=two_back))
        return qs


class Unit(Validity, models.Model):
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
        return reverse("clusters:unit_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.successor_id and self.pk and self.successor_id == self.pk:
            raise ValidationError({"successor": _("A unit cannot be its own successor.")})
        # The successor may belong to another authority: on 1/7/2025 communes merged across
        # the old district lines and the province took over from the districts.

    def predecessors_in_lineage(self) -> list[Unit]:
        """The units this one took over from, however many steps back (lineage links, and the
        plain successor field of units recorded before the links existed)."""
        found: dict[int, Unit] = {}
        frontier = [self.pk]
        while frontier:
            units = list(
                Unit.objects.filter(
                    Q(successor_links__successor_id__in=frontier) | Q(successor_id__in=frontier)
                )
                .exclude(pk__in=[self.pk, *found])
                .distinct()
            )
            found.update({unit.pk: unit for unit in units})
            frontier = [unit.pk for unit in units]
        return list(found.values())

    def lineage(self) -> list[Unit]:
        """This unit's successors in order (a merged unit's chain), guarding against cycles."""
        chain, seen, current = [], {self.pk}, self.successor
        while current is not None and current.pk not in seen:
            chain.append(current)
            seen.add(current.pk)
            current = current.successor
        return chain


# --- Lineage links ---------------------------------------------------------------------------


class UnitLink(models.Model):
    """One step of a unit's lineage: ``predecessor`` ended and ``successor`` took over, from
    ``effective_date``, by a resolution. Several links to one successor are a merger; several
    from one predecessor, a split; one to one, a renaming or a change of kind."""

    class Kind(models.TextChoices):
        MERGE = "merge", _("merger")
        SPLIT = "split", _("split")
        RENAME = "rename", _("renaming")

    predecessor = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        related_name="successor_links",
        verbose_name=_("former unit"),
    )
    successor = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        related_name="predecessor_links",
        verbose_name=_("new unit"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    effective_date = models.DateField(_("effective date"))
    resolution_number = models.CharField(_("resolution"), max_length=100, blank=True)
    resolution_date = models.DateField(_("resolution date"), null=True, blank=True)
    reorganisation = models.ForeignKey(
        "clusters.Reorganisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="links",
        verbose_name=_("reorganisation"),
    )

    class Meta:
        ordering = ["effective_date", "pk"]
        verbose_name = _("lineage link")
        verbose_name_plural = _("lineage links")
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"],
                name="unit_link_once",
                violation_error_message=_("This lineage link is already recorded."),
            ),
            models.CheckConstraint(
                condition=~Q(predecessor=models.F("successor")),
                name="unit_link_not_to_itself",
                violation_error_message=_("A unit cannot be its own successor."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.get_kind_display()})"
