"""The register of issued documents (sổ đăng ký văn bản đi): one register per issuing body and
year, numbered 1, 2, 3… without gaps, and the frozen copy of every document issued.

Numbers come from RegisterCounter, whose row is locked (select_for_update) for the whole issue:
two clerks issuing at once wait for each other, and a failed issue rolls its number back with
everything else, so no number is lost. The unique constraint on (body, year, number) is the
database's own guarantee behind the lock.

An issued document never changes: its copy, hash and number are refused on save, on delete and
on bulk paths. A correction is a new issue that supersedes the old one; both are kept."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clusters.models import ClusterYear

# No 0/O, 1/I/L: a code is read off paper and typed by hand.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalised_code(text: str) -> str:
    """A code as typed ("abcd-efgh 23") in its stored form."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


class RegisterCounter(models.Model):
    """The last number given in one register: an issuing body's documents of one year."""

    body_key = models.CharField(max_length=40)  # "unit:12" or "authority:3"
    year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["body_key", "year"], name="register_one_per_body_year")
        ]

    def __str__(self) -> str:
        return f"{self.body_key} {self.year}: {self.last_number}"


class FrozenQuerySet(models.QuerySet["IssuedDocument"]):
    def update(self, **kwargs: object) -> int:
        raise ValidationError(_("An issued document never changes: issue a correction instead."))

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValidationError(_("An issued document is never deleted: issue a correction instead."))

    def valid(self) -> FrozenQuerySet:
        return self.filter(superseded_by__isnull=True)

    def of_year(self, year: int) -> FrozenQuerySet:
        return self.filter(year=year)


class IssuedDocument(models.Model):
    """One entry of the register and the document exactly as issued (its PDF bytes)."""

    cluster_year = models.ForeignKey(
        ClusterYear, on_delete=models.PROTECT, related_name="issued_documents"
    )
    kind = models.CharField(_("kind"), max_length=40)  # the DocumentKind's slug
    kind_label = models.CharField(_("kind"), max_length=200)  # its printed title, as issued
    body_key = models.CharField(max_length=40)
    body_name = models.CharField(_("issuing body"), max_length=300)
    year = models.PositiveIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    symbol = models.CharField(_("symbol"), max_length=40)
    issued_on = models.DateField(_("issue date"))
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issued by"),
    )
    signer_name = models.CharField(_("signer"), max_length=200, blank=True)
    signer_title = models.CharField(_("signer's title"), max_length=200, blank=True)
    pdf = models.BinaryField()
    # Signed digitally when issued (issuing/signing.py): the copy above is then the signed PDF.
    signed = models.BooleanField(_("signed digitally"), default=False)
    sha256 = models.CharField(max_length=64)
    code = models.CharField(max_length=CODE_LENGTH, unique=True)
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        verbose_name=_("supersedes"),
    )

    objects = FrozenQuerySet.as_manager()
    # The copy itself is not repeated in the history; its hash is.
    history = HistoricalRecords(excluded_fields=["pdf"])

    class Meta:
        ordering = ["year", "body_key", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["body_key", "year", "number"], name="issued_number_unique_in_register"
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="issued_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.kind_label}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValidationError(
                _("An issued document never changes: issue a correction instead.")
            )
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValidationError(_("An issued document is never deleted: issue a correction instead."))

    @property
    def reference(self) -> str:
        """The number as printed: "05/BB-CTĐ" (a leading zero below 10)."""
        return f"{self.number:02d}/{self.symbol}"

    @property
    def is_superseded(self) -> bool:
        return IssuedDocument.objects.filter(supersedes=self).exists()
