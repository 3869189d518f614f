"""The covenant (giao ước thi đua) of a cluster-year: its clauses and signatories."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_update_with_history

from clusters.models import ClusterYear, Membership, Unit
from core.freeze import FreezeGuardedQuerySet, locked_read
from documents.formatting import roman


class PledgeLocked(PermissionDenied):
    """A change to a signed covenant (answered as 403 with this message wherever it surfaces)."""

    def __init__(self):
        super().__init__(
            _("The covenant is signed: nothing in it can change. Staff can reopen it.")
        )


class FrozenWhenSignedQuerySet(FreezeGuardedQuerySet):
    """Bulk paths (admin "delete selected", .update(), bulk_update) refuse rows of a signed
    covenant, like save() and delete() do for one object."""

    pledge_path = "pledge"

    def _touches_signed(self) -> bool:
        return self.filter(**{f"{self.pledge_path}__status": Pledge.Status.SIGNED}).exists()

    def refuse_update(self, fields: set[str]) -> None:
        if self._touches_signed():
            raise PledgeLocked()

    def refuse_delete(self) -> None:
        if self._touches_signed():
            raise PledgeLocked()


class PledgeQuerySet(FreezeGuardedQuerySet):
    def refuse_update(self, fields: set[str]) -> None:
        if (
            not fields <= Pledge.CHANGEABLE_WHEN_SIGNED
            and self.filter(status=Pledge.Status.SIGNED).exists()
        ):
            raise PledgeLocked()

    def refuse_delete(self) -> None:
        if self.filter(status=Pledge.Status.SIGNED).exists():
            raise PledgeLocked()


def private_storage() -> FileSystemStorage:
    """Uploaded scans live under MEDIA_ROOT, outside the web root, served only by a view that
    checks access (there is no MEDIA_URL route)."""
    return FileSystemStorage()  # MEDIA_ROOT, read when used (tests point it elsewhere)


def scan_path(pledge: Pledge, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"pledges/{pledge.cluster_year_id}/{uuid.uuid4().hex}.{extension}"


class Pledge(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ADOPTED = "adopted", _("adopted")
        SIGNED = "signed", _("signed")

    # What may still change once signed: the scanned copy, and the status when staff reopen.
    CHANGEABLE_WHEN_SIGNED = frozenset(
        {"status", "signed_at", "scan", "scan_content_type", "scan_uploaded_at", "updated_at"}
    )
    SCAN_FIELDS = frozenset({"scan", "scan_content_type", "scan_uploaded_at", "updated_at"})

    cluster_year = models.OneToOneField(
        ClusterYear, on_delete=models.PROTECT, related_name="pledge", verbose_name=_("cluster year")
    )
    number = models.CharField(
        _("number and symbol"), max_length=60, blank=True, help_text=_('e.g. "01/GƯ-CTĐ"')
    )
    issuer_parent = models.CharField(
        _("parent body"), max_length=200, blank=True, help_text=_('e.g. "UBND TỈNH THÁI NGUYÊN"')
    )
    issuer = models.CharField(
        _("issuing body"), max_length=255, help_text=_('e.g. "CỤM THI ĐUA CÁC XÃ"')
    )
    place = models.CharField(_("place"), max_length=100, help_text=_("For the date line."))
    date = models.DateField(_("date"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=255)
    cluster_name = models.CharField(
        _("cluster as printed"),
        max_length=255,
        blank=True,
        help_text=_("Printed under the title; kept as it was when the covenant was drafted."),
    )
    legal_bases = models.TextField(
        _("legal bases"),
        blank=True,
        help_text=_(
            "One per line, e.g. “Căn cứ Luật Thi đua, khen thưởng …;”. Laws change: check "
            "them every year."
        ),
    )
    goals = models.TextField(
        _("introduction"),
        blank=True,
        help_text=_("Paragraphs before the sections; one paragraph per line."),
    )
    closing = models.TextField(
        _("closing"),
        blank=True,
        help_text=_("Paragraphs after the sections (effect, copies); one per line."),
    )
    recipients = models.TextField(
        _("recipients"),
        blank=True,
        help_text=_("“Nơi nhận”, one per line; the last is usually “Lưu: VT”."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    adopted_at = models.DateTimeField(_("adopted at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    scan = models.FileField(
        _("signed copy (scan)"),
        upload_to=scan_path,
        storage=private_storage,
        blank=True,
        max_length=255,
    )
    scan_content_type = models.CharField(max_length=50, blank=True, editable=False)
    scan_uploaded_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Reopening reasons are the staff's own words: longer than simple-history's 100 characters.
    history = HistoricalRecords(history_change_reason_field=models.TextField(null=True))
    objects = PledgeQuerySet.as_manager()

    class Meta:
        verbose_name = _("covenant")
        verbose_name_plural = _("covenants")

    def __str__(self) -> str:
        return f"{self.title} — {self.cluster_year.cluster.name}"

    def save(self, *args, **kwargs) -> None:
        if self.pk and self._status_in_database() == self.Status.SIGNED:
            update_fields = kwargs.get("update_fields")
            if update_fields is None or not set(update_fields) <= self.CHANGEABLE_WHEN_SIGNED:
                raise PledgeLocked()
            if self.status != self.Status.SIGNED and not getattr(self, "_reopening", False):
                raise PledgeLocked()  # only reopen() leaves "signed", with its reason
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.ensure_changeable()
        return super().delete(*args, **kwargs)

    def _status_in_database(self) -> str | None:
        return (
            locked_read(Pledge.objects.filter(pk=self.pk)).values_list("status", flat=True).first()
        )

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def ensure_changeable(self) -> None:
        """Raise PledgeLocked when the covenant is signed (checked on the database row, locked
        inside a transaction, so a stale object in memory cannot slip a change through)."""
        if self.is_signed or (self.pk and self._status_in_database() == self.Status.SIGNED):
            raise PledgeLocked()

    # --- Status -------------------------------------------------------------------------

    def _refresh_status(self) -> None:
        """Re-read the status (locked) before a transition, so two clicks cannot both pass."""
        self.status = self._status_in_database() or self.status

    @transaction.atomic
    def adopt(self) -> None:
        """The conference adopted the text (draft → adopted). It stays editable (names are
        often corrected at the conference) until it is signed."""
        self._refresh_status()
        if self.status != self.Status.DRAFT:
            raise ValidationError(_("Only a draft can be adopted."))
        if not self.signatories.exists():
            raise ValidationError(_("The covenant has no signatories yet."))
        self.status = self.Status.ADOPTED
        self.adopted_at = timezone.now()
        self.save()

    @transaction.atomic
    def sign(self, *, on=None) -> None:
        """The member units signed (adopted → signed): the covenant is frozen."""
        self._refresh_status()
        if self.status != self.Status.ADOPTED:
            raise ValidationError(_("Only an adopted covenant can be marked as signed."))
        if self.date is None:
            raise ValidationError(_("Set the date of the covenant before marking it signed."))
        self._mark_signatories(signed=True, on=on or self.date)
        self.status = self.Status.SIGNED
        self.signed_at = timezone.now()
        self.save()

    @transaction.atomic
    def reopen(self, *, reason: str) -> None:
        """Staff reopen a signed covenant for changes; the reason stays in the history. The
        scanned copy belonged to the signed text: it is detached (kept in the history)."""
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError(_("Write why the covenant is reopened."))
        self._refresh_status()
        if self.status != self.Status.SIGNED:
            raise ValidationError(_("Only a signed covenant can be reopened."))
        self.status = self.Status.DRAFT
        self.signed_at = None
        self.scan = ""
        self.scan_content_type = ""
        self.scan_uploaded_at = None
        self._change_reason = reason
        self._reopening = True
        try:
            self.save(update_fields=list(self.CHANGEABLE_WHEN_SIGNED))
        finally:
            self._reopening = False
        self._mark_signatories(signed=False, on=None)

    def _mark_signatories(self, *, signed: bool, on) -> None:
        signatories = list(self.signatories.all())
        for signatory in signatories:
            signatory.signed, signatory.signed_on = signed, on
        bulk_update_with_history(signatories, Signatory, ["signed", "signed_on"])

    # --- Text helpers -------------------------------------------------------------------

    @staticmethod
    def _lines(text: str) -> list[str]:
        return [line.strip() for line in (text or "").splitlines() if line.strip()]

    def legal_basis_lines(self) -> list[str]:
        return self._lines(self.legal_bases)

    def goal_paragraphs(self) -> list[str]:
        return self._lines(self.goals)

    def closing_paragraphs(self) -> list[str]:
        return self._lines(self.closing)

    def recipient_lines(self) -> list[str]:
        return [line.rstrip(";.") for line in self._lines(self.recipients)]


class ClauseQuerySet(FrozenWhenSignedQuerySet):
    def numbered(self) -> list[Clause]:
        """The clauses in order with their printed numbers: sections I, II…; headings and
        numbered items 1, 2… within their section; plain items a dash."""
        clauses = list(self.order_by("position", "pk"))
        section = counter = 0
        for clause in clauses:
            if clause.kind == Clause.Kind.SECTION:
                section += 1
                counter = 0
                clause.number = roman(section)
            elif clause.kind in (Clause.Kind.HEADING, Clause.Kind.NUMBERED):
                counter += 1
                clause.number = str(counter)
            else:
                clause.number = "-"
        return clauses


class Clause(models.Model):
    class Kind(models.TextChoices):
        SECTION = "section", _("section (I, II, …)")
        HEADING = "heading", _("heading (1, 2, …)")
        NUMBERED = "numbered", _("numbered item (1, 2, …)")
        ITEM = "item", _("item (-)")

    pledge = models.ForeignKey(
        Pledge, on_delete=models.CASCADE, related_name="clauses", verbose_name=_("covenant")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ITEM)
    text = models.TextField(_("text"))
    target_value = models.DecimalField(
        _("target"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    target_unit = models.CharField(
        _("target unit"), max_length=40, blank=True, help_text=_('e.g. "%", "hộ", "tỷ đồng"')
    )

    history = HistoricalRecords()
    objects = ClauseQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")

    def __str__(self) -> str:
        return self.text[:80]

    def save(self, *args, **kwargs) -> None:
        self.pledge.ensure_changeable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.pledge.ensure_changeable()
        return super().delete(*args, **kwargs)


class Signatory(models.Model):
    """A member unit's signature block on the covenant, with the names as printed."""

    pledge = models.ForeignKey(
        Pledge, on_delete=models.CASCADE, related_name="signatories", verbose_name=_("covenant")
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, verbose_name=_("unit"))
    role = models.CharField(
        _("role"), max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    unit_name = models.CharField(
        _("unit name"),
        max_length=200,
        blank=True,
        help_text=_("As printed in lists; kept as it was when the covenant was drafted."),
    )
    unit_line = models.CharField(
        _("unit as printed"), max_length=200, help_text=_('e.g. "UBND XÃ ĐỒNG LIÊN"')
    )
    authority_line = models.CharField(
        _("authority line"),
        max_length=200,
        blank=True,
        help_text=_(
            'e.g. "TM. ỦY BAN NHÂN DÂN"; for a vice-chair add a second line "KT. CHỦ TỊCH".'
        ),
    )
    signer_title = models.CharField(_("title"), max_length=120, help_text=_('e.g. "CHỦ TỊCH"'))
    signer_name = models.CharField(_("name"), max_length=120, blank=True)
    registered_title = models.CharField(
        _("title registered for the year"),
        max_length=200,
        blank=True,
        help_text=_('The emulation title the unit registers, e.g. "Cờ thi đua của UBND tỉnh".'),
    )
    signed = models.BooleanField(_("signed"), default=False)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)

    history = HistoricalRecords()
    objects = FrozenWhenSignedQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("signatory")
        verbose_name_plural = _("signatories")
        constraints = [
            models.UniqueConstraint(fields=["pledge", "unit"], name="signatory_unit_once"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_line} — {self.signer_name}"

    def save(self, *args, **kwargs) -> None:
        self.pledge.ensure_changeable()
        if not self.unit_name:
            self.unit_name = self.unit.name
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.pledge.ensure_changeable()
        return super().delete(*args, **kwargs)

    def signature_block(self) -> dict:
        return {
            "unit_line": self.unit_line,
            "authority_line": self.authority_line,
            "title": self.signer_title,
            "name": self.signer_name,
        }
