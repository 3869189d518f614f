from __future__ import annotations

import zipfile

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.forms import DATE_WIDGET, BaseForm, PlainForm, VietDecimalField, decimal_field_for

from .models import (
    TIE_BREAK_WORDS,
    Criterion,
    Score,
    ScoringTable,
    tie_break_from_words,
    tie_break_to_words,
)


class TieBreakField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(tie_break_to_words(value))
        return value

    def to_python(self, value):
        text = super().to_python(value)
        rules, bad = tie_break_from_words(text.splitlines())
        if bad:
            raise forms.ValidationError(
                [
                    _('Line "%(text)s" is not a rule; write one of: %(rules)s.')
                    % {"text": line, "rules": "; ".join([*TIE_BREAK_WORDS.values(), "phần II"])}
                    for line in bad
                ]
            )
        if len(set(rules)) != len(rules):
            raise forms.ValidationError(_("Each rule may appear only once."))
        return rules


class TableSettingsForm(BaseForm):
    nominal_total = decimal_field_for(ScoringTable, "nominal_total", label=_("Nominal total"))
    bonus_cap = decimal_field_for(ScoringTable, "bonus_cap", label=_("Bonus cap"))
    deduction_cap = decimal_field_for(ScoringTable, "deduction_cap", label=_("Deduction cap"))
    tie_break = TieBreakField(
        label=_("Tie-break order"),
        required=False,
        help_text=_(
            "One rule per line, first applied first: “tổng điểm chấm”, “ít điểm trừ hơn”, "
            "“nhiều điểm thưởng hơn” or “phần II” (higher subtotal of that section). Units still "
            "tied share a rank."
        ),
    )

    class Meta:
        model = ScoringTable
        fields = [
            "title",
            "date",
            "legal_bases",
            "nominal_total",
            "bonus_cap",
            "deduction_cap",
            "tie_break",
        ]
        widgets = {"legal_bases": forms.Textarea(attrs={"rows": 3}), "date": DATE_WIDGET}

    FROZEN_WHEN_PUBLISHED = ("nominal_total", "bonus_cap", "deduction_cap", "tie_break")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.frozen: list[tuple[str, str]] = []
        if self.instance.pk and not self.instance.is_draft:
            # Published: only the wording may still be fixed. The frozen settings are shown as
            # text, not as inputs: they are neither posted nor validated (a disabled field would
            # be re-read from its stored value, which the tie-break field cannot parse back).
            for name in self.FROZEN_WHEN_PUBLISHED:
                field = self.fields.pop(name)
                value = getattr(self.instance, name)
                shown = (
                    "; ".join(tie_break_to_words(value))
                    if name == "tie_break"
                    else field.prepare_value(value)
                )
                self.frozen.append((str(field.label), str(shown)))


class CriterionForm(BaseForm):
    max_points = decimal_field_for(Criterion, "max_points", label=_("Max points"))
    step = decimal_field_for(Criterion, "step", label=_("Step"))

    class Meta:
        model = Criterion
        fields = ["code", "text", "guidance", "kind", "max_points", "step", "evidence_required"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2}),
            "guidance": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, wording_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.wording_only = wording_only
        if wording_only:
            for name in ("code", "kind", "max_points", "step", "evidence_required"):
                self.fields[name].disabled = True

    def clean_code(self):
        return self.cleaned_data["code"].strip().rstrip(".)")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Only .xlsx files (Excel 2007 and later) are accepted."))
        return upload


# Evidence: PDF, images and Office documents, recognised by their content, not their name.
OOXML = "application/vnd.openxmlformats-officedocument."
ZIP, OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
EVIDENCE_TYPES = {
    "pdf": ("application/pdf", [b"%PDF-"]),
    "png": ("image/png", [b"\x89PNG\r\n\x1a\n"]),
    "jpg": ("image/jpeg", [b"\xff\xd8\xff"]),
    "jpeg": ("image/jpeg", [b"\xff\xd8\xff"]),
    "docx": (OOXML + "wordprocessingml.document", [ZIP]),
    "xlsx": (OOXML + "spreadsheetml.sheet", [ZIP]),
    "pptx": (OOXML + "presentationml.presentation", [ZIP]),
    "doc": ("application/msword", [OLE]),
    "xls": ("application/vnd.ms-excel", [OLE]),
}  # fmt: skip
EVIDENCE_FILES_PER_SCORE = 10


def evidence_max_bytes() -> int:
    return settings.EVIDENCE_MAX_BYTES


def _is_office_zip(upload) -> bool:
    """An Office Open XML document is a zip with [Content_Types].xml (any zip is not)."""
    try:
        with zipfile.ZipFile(upload) as archive:
            return "[Content_Types].xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    finally:
        upload.seek(0)


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Evidence file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if extension not in EVIDENCE_TYPES:
            raise forms.ValidationError(
                _("Only PDF, images (JPEG, PNG) and Office documents are accepted.")
            )
        if upload.size > evidence_max_bytes():
            raise forms.ValidationError(
                _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
                % {
                    "size": round(upload.size / 1024 / 1024, 1),
                    "limit": evidence_max_bytes() // 2**20,
                }
            )
        content_type, magics = EVIDENCE_TYPES[extension]
        head = upload.read(8)
        upload.seek(0)
        if not any(head.startswith(magic) for magic in magics) or (
            magics == [ZIP] and not _is_office_zip(upload)
        ):
            raise forms.ValidationError(
                _("The file's content is not a %(kind)s file, whatever its name says.")
                % {"kind": extension.upper()}
            )
        upload.detected_content_type = content_type
        return upload


class DeadlineForm(PlainForm):
    self_score_deadline = forms.DateField(label=_("Self-scoring deadline"), widget=DATE_WIDGET)
    review_deadline = forms.DateField(label=_("Review deadline"), widget=DATE_WIDGET)
    reason = forms.CharField(label=_("Reason for the change"), max_length=100)


def score_value_field() -> VietDecimalField:
    """A score as typed on the sheet: the limits of the stored value (the criterion's maximum
    and step are checked by the save)."""
    return decimal_field_for(Score, "self_value", required=False)


class ExtensionAskForm(PlainForm):
    reason = forms.CharField(
        label=_("Why the unit needs more time"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "grow"}),
    )
    until = forms.DateField(
        label=_("Until (day asked for)"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Optional: staff choose the day when they grant the request."),
    )


class ExtensionAnswerForm(PlainForm):
    decision = forms.ChoiceField(
        label=_("Answer"),
        choices=[("grant", _("Grant")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    until = forms.DateField(
        label=_("New deadline for this unit"), required=False, widget=DATE_WIDGET
    )
    answer = forms.CharField(
        label=_("Note to the unit (required when refusing)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "grow"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "grant" and not cleaned.get("until"):
            self.add_error("until", _("Give the new deadline."))
        return cleaned
