from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from clusters.models import Unit
from core.forms import DATE_WIDGET, BaseForm, VietDecimalField

from .models import Attendee, Ceremony, Clause, Pledge, Signatory

DATETIME_WIDGET = forms.DateTimeInput(
    attrs={"placeholder": "dd/mm/yyyy hh:mm", "autocomplete": "off"}, format="%d/%m/%Y %H:%M"
)


def lines_widget(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class PledgeForm(BaseForm):
    class Meta:
        model = Pledge
        fields = [
            "issuer_parent",
            "issuer",
            "number",
            "place",
            "date",
            "title",
            "legal_bases",
            "goals",
            "closing",
            "recipients",
            "cluster_name",
        ]
        widgets = {
            "date": DATE_WIDGET,
            "legal_bases": lines_widget(5),
            "goals": lines_widget(3),
            "closing": lines_widget(3),
            "recipients": lines_widget(3),
        }


class ClauseForm(BaseForm):
    target_value = VietDecimalField(
        label=_("Target"), required=False, max_digits=14, decimal_places=2
    )

    class Meta:
        model = Clause
        fields = ["kind", "text", "target_value", "target_unit"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}


class SignatoryForm(BaseForm):
    class Meta:
        model = Signatory
        fields = [
            "unit_name",
            "unit_line",
            "authority_line",
            "signer_title",
            "signer_name",
            "registered_title",
        ]
        widgets = {"authority_line": forms.Textarea(attrs={"rows": 2})}


def member_units(pledge: Pledge):
    return Unit.objects.filter(memberships__cluster_year_id=pledge.cluster_year_id).order_by(
        "memberships__position"
    )


class CeremonyForm(BaseForm):
    class Meta:
        model = Ceremony
        fields = [
            "starts_at",
            "venue",
            "host_unit",
            "chair_name",
            "chair_title",
            "secretary_name",
            "secretary_title",
            "adopted_documents",
            "proceedings",
            "notes",
        ]
        widgets = {
            "starts_at": DATETIME_WIDGET,
            "adopted_documents": lines_widget(3),
            "proceedings": lines_widget(5),
            "notes": lines_widget(2),
        }

    def __init__(self, *args, pledge: Pledge, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host_unit"].queryset = member_units(pledge)


class AttendeeForm(BaseForm):
    class Meta:
        model = Attendee
        fields = ["kind", "unit", "name", "title", "organisation"]

    def __init__(self, *args, pledge: Pledge, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = member_units(pledge)
        self.fields["unit"].help_text = _("For delegates of a member unit.")
        self.fields["organisation"].help_text = _("For guests and witnesses.")

    def clean(self):
        cleaned = super().clean()
        kind, unit = cleaned.get("kind"), cleaned.get("unit")
        if kind == Attendee.Kind.DELEGATE and not unit:
            self.add_error("unit", _("Choose the member unit this delegate represents."))
        if not cleaned.get("name") and not cleaned.get("title"):
            self.add_error("name", _("Write the attendee's name or at least their title."))
        if kind != Attendee.Kind.DELEGATE and not unit and not cleaned.get("organisation"):
            self.add_error("organisation", _("Write the organisation of the guest or witness."))
        return cleaned


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the covenant reopened?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


# --- The scanned signed copy -------------------------------------------------------------

SCAN_TYPES = {
    # extension: (content type, magic bytes at the start of the file)
    "pdf": ("application/pdf", b"%PDF-"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
}


def scan_max_bytes() -> int:
    return settings.PLEDGE_SCAN_MAX_BYTES


class ScanForm(forms.Form):
    scan = forms.FileField(
        label=_("Scanned signed copy"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scan"].help_text = _("PDF, JPEG or PNG, at most %(limit)s MB.") % {
            "limit": scan_max_bytes() // (1024 * 1024)
        }

    def clean_scan(self):
        upload = self.cleaned_data["scan"]
        extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if extension not in SCAN_TYPES:
            raise forms.ValidationError(_("Only PDF, JPEG or PNG files are accepted."))
        if upload.size > scan_max_bytes():
            raise forms.ValidationError(
                _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
                % {
                    "size": round(upload.size / 1024 / 1024, 1),
                    "limit": scan_max_bytes() // (1024 * 1024),
                }
            )
        content_type, magic = SCAN_TYPES[extension]
        upload.seek(0)
        head = upload.read(len(magic))
        upload.seek(0)
        if head != magic:
            raise forms.ValidationError(
                _("The file's content is not a %(kind)s file, whatever its name says.")
                % {"kind": extension.upper()}
            )
        if content_type.startswith("image/"):
            try:
                with Image.open(upload) as image:
                    image.verify()
            except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
                raise forms.ValidationError(_("The image is damaged or not an image.")) from None
            upload.seek(0)
        upload.detected_content_type = content_type
        return upload
