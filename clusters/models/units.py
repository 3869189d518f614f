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
        return reverse("clusters:unit_detail", args=[self.pk])

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
