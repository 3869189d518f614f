"""Forms of the results app."""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_update_with_history

from core.forms import DATE_WIDGET

from .models import Ballot, BallotCount


class BallotForm(forms.ModelForm):
    class Meta:
        model = Ballot
        fields = ["held_on", "form", "voters_present", "ballots_issued", "valid_ballots", "notes"]
        widgets = {"held_on": DATE_WIDGET, "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, counts: list[BallotCount], **kwargs):
        super().__init__(*args, **kwargs)
        self.counts = counts
        for count in counts:
            self.fields[f"votes-{count.pk}"] = forms.IntegerField(
                label=count.unit.name, min_value=0, initial=count.votes
            )

    def clean(self):
        cleaned = super().clean()
        ballot = self.instance
        for name in ("form", "voters_present", "ballots_issued", "valid_ballots"):
            if name in cleaned:
                setattr(ballot, name, cleaned[name])
        values = [cleaned.get(f"votes-{count.pk}") or 0 for count in self.counts]
        for problem in ballot.check_counts(values):
            self.add_error(None, problem)
        for count, value in zip(self.counts, values, strict=True):
            if value > (cleaned.get("valid_ballots") or 0):
                self.add_error(f"votes-{count.pk}", _("More than the valid ballots."))
        return cleaned

    @transaction.atomic
    def save(self, commit=True, *, by=None):
        ballot = super().save()  # refused for a closed ballot or a final year
        for count in self.counts:
            count.votes = self.cleaned_data[f"votes-{count.pk}"]
        # One update for all counts (its guard checks the ballot and the year once), with their
        # history, instead of two checks per candidate.
        bulk_update_with_history(
            self.counts, BallotCount, ["votes"], batch_size=500, default_user=by
        )
        return ballot
