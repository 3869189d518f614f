"""The covenant (giao ước thi đua) of a cluster-year, its clauses and signatories, and the
signing conference (ceremony) with its attendees."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_update_with_history

from clusters.models import ClusterYear, Membership, Unit


class PledgeLocked(PermissionDenied):
    """A change to a signed covenant (answered as 403 with this message wherever it surfaces)."""

    def __init__(self):
        super().__init__(
            _("The covenant is signed: nothing in it can change. Staff can reopen it.")
        )


def _locked_read(queryset):
    """Lock the rows read when inside a transaction (PostgreSQL), so that a signature cannot
    slip in between a check and a write; outside one, a plain read."""
    if transaction.get_connection().in_atomic_block:
        return queryset.select_for_update()
    return queryset


class FrozenWhenSignedQuerySet(models.QuerySet):
    """Bulk paths (admin "delete selected", .update(), bulk_update) refuse rows of a signed
    covenant, like save() and delete() do for one object."""

    pledge_path = "pledge"

    def _touches_signed(self) -> bool:
        return self.filter(**{f"{self.pledge_path}__status": Pledge.Status.SIGNED}).exists()

    def update(self, **kwargs):
        if self._touches_signed():
            raise PledgeLocked()
        return super().update(**kwargs)

    def delete(self):
        if self._touches_signed():
            raise PledgeLocked()
        return super().delete()


class PledgeQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if (
            not set(kwargs) <= Pledge.CHANGEABLE_WHEN_SIGNED
            and self.filter(status=Pledge.Status.SIGNED).exists()
        ):
            raise PledgeLocked()
        return super().update(**kwargs)

    def delete(self):
        if self.filter(status=Pledge.Status.SIGNED).exists():
            raise PledgeLocked()
        return super().delete()


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
            _locked_read(Pledge.objects.filter(pk=self.pk)).values_list("status", flat=True).first()
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
                clause.number = _roman(section)
            elif clause.kind in (Clause.Kind.HEADING, Clause.Kind.NUMBERED):
                counter += 1
                clause.number = str(counter)
            else:
                clause.number = "-"
        return clauses


def _roman(number: int) -> str:
    numerals = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    result = ""
    for value, letters in numerals:
        count, number = divmod(number, value)
        result += letters * count
    return result


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
