"""The award vote pages: ballots of a year, counts entered on one form, outcome computed."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clusters.access import can_manage, get_cluster_year_for_user, is_leader_clerk
from clusters.forms import DATE_WIDGET

from .ballot_models import Ballot, BallotCount
from .results_views import load_results


def _organiser(user, cluster_year) -> bool:
    return can_manage(user, cluster_year) or is_leader_clerk(user, cluster_year)


def _crumbs(cluster_year, last=None) -> list:
    crumbs = [
        (_("Clusters"), reverse("cluster_list")),
        (cluster_year.cluster.name, cluster_year.cluster.get_absolute_url()),
        (str(cluster_year.year), cluster_year.get_absolute_url()),
        (_("Award vote"), reverse("ballot_list", args=[cluster_year.pk])),
    ]
    if last:
        crumbs.append((last, None))
    return crumbs


@login_required
def ballot_list(request, pk: int):
    cluster_year, _can_manage = get_cluster_year_for_user(request.user, pk)
    table, _tree, ranked = load_results(cluster_year)
    ballots = list(table.ballots.prefetch_related("counts__unit"))
    rows = [(ballot, ballot.outcome(list(ballot.counts.all()))) for ballot in ballots]
    return render(
        request,
        "scoring/ballot_list.html",
        {
            "cluster_year": cluster_year,
            "table": table,
            "rows": rows,
            "awards": cluster_year.awards,
            "can_organise": _organiser(request.user, cluster_year),
            "crumbs": _crumbs(cluster_year)[:-1] + [(_("Award vote"), None)],
        },
    )


@login_required
@require_POST
@transaction.atomic
def ballot_create(request, pk: int):
    cluster_year, _can_manage = get_cluster_year_for_user(request.user, pk)
    if not _organiser(request.user, cluster_year):
        raise PermissionDenied
    table, _tree, ranked = load_results(cluster_year)
    award = next((a for a in cluster_year.awards if a["name"] == request.POST.get("award")), None)
    if award is None:
        messages.error(request, _("Choose one of the year's awards."))
        return redirect("ballot_list", pk=cluster_year.pk)
    ballot = Ballot.objects.create(
        table=table,
        award=award["name"],
        seats=award["seats"],
        voters_present=len(ranked),
        ballots_issued=len(ranked),
        valid_ballots=len(ranked),
        threshold_strict=cluster_year.vote_threshold_strict,
        threshold_percent=cluster_year.vote_threshold_percent,
        threshold_basis=cluster_year.vote_threshold_basis,
    )
    BallotCount.objects.bulk_create(
        BallotCount(ballot=ballot, unit=result.sheet.unit, position=index)
        for index, result in enumerate(ranked, start=1)
    )  # candidates in rank order by default
    messages.success(request, _("Ballot opened: enter the counts."))
    return redirect("ballot_detail", pk=ballot.pk)


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
    def save(self, commit=True):
        ballot = super().save()
        for count in self.counts:
            count.votes = self.cleaned_data[f"votes-{count.pk}"]
            count.save()
        return ballot


@login_required
def ballot_detail(request, pk: int):
    ballot = get_object_or_404(Ballot.objects.select_related("table"), pk=pk)
    cluster_year, _can_manage = get_cluster_year_for_user(
        request.user, ballot.table.cluster_year_id
    )
    organiser = _organiser(request.user, cluster_year)
    counts = list(ballot.counts.select_related("unit"))
    form = BallotForm(request.POST or None, instance=ballot, counts=counts)
    if request.method == "POST":
        if not organiser:
            raise PermissionDenied
        if form.is_valid():
            form.save()
            messages.success(request, _("Counts saved; the outcome is computed below."))
            return redirect("ballot_detail", pk=ballot.pk)
    ballot.refresh_from_db()
    outcome = ballot.outcome(list(ballot.counts.select_related("unit")))
    return render(
        request,
        "scoring/ballot_detail.html",
        {
            "cluster_year": cluster_year,
            "ballot": ballot,
            "form": form,
            "outcome": outcome,
            "can_organise": organiser,
            "crumbs": _crumbs(cluster_year, ballot.award),
        },
    )
