from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from clusters.fields import VietDecimalField
from clusters.forms import BaseForm, TierBandsField

from .models import (
    TIE_BREAK_WORDS,
    Criterion,
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
    nominal_total = VietDecimalField(label=_("Nominal total"), max_digits=7, decimal_places=2,
                                     min_value=1)  # fmt: skip
    bonus_cap = VietDecimalField(label=_("Bonus cap"), max_digits=6, decimal_places=2, min_value=0)
    deduction_cap = VietDecimalField(
        label=_("Deduction cap"), max_digits=6, decimal_places=2, min_value=0
    )
    tie_break = TieBreakField(
        label=_("Tie-break order"),
        required=False,
        help_text=_(
            "One rule per line, first applied first: “tổng điểm chấm”, “ít điểm trừ hơn”, "
            "“nhiều điểm thưởng hơn” or “phần II” (higher subtotal of that section). Units still "
            "tied share a rank."
        ),
    )
    tier_bands = TierBandsField(
        label=_("Tier bands"),
        required=False,
        help_text=_('One per line: "tier: minimum % of the nominal total".'),
    )

    class Meta:
        model = ScoringTable
        fields = [
            "title",
            "legal_bases",
            "nominal_total",
            "bonus_cap",
            "deduction_cap",
            "tie_break",
            "tier_bands",
        ]
        widgets = {"legal_bases": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.instance.is_draft:
            # Published: only the wording may still be fixed.
            for name in ("nominal_total", "bonus_cap", "deduction_cap", "tie_break", "tier_bands"):
                self.fields[name].disabled = True


class CriterionForm(BaseForm):
    max_points = VietDecimalField(label=_("Max points"), max_digits=7, decimal_places=2,
                                  min_value=0)  # fmt: skip
    step = VietDecimalField(label=_("Step"), max_digits=4, decimal_places=2, min_value=0.01)

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
