"""The award vote (bình xét): the year's ballots, opening one per award, and entering its
counts (the outcome is computed, never typed)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..access import get_ballot_for_user, get_vote_year_for_user
from ..forms import BallotForm
from ..models import Ballot, BallotCount
from ..ranking import load_results
from .links import vote_crumbs


@login_required
def ballot_list(request, pk: int):
    cluster_year, organiser = get_vote_year_for_user(request.user, pk)
    table, _tree, ranked = load_results(cluster_year)
    ballots = list(table.ballots.prefetch_related("counts__unit"))
    rows = [(ballot, ballot.outcome(list(ballot.counts.all()))) for ballot in ballots]
    return render(
        request,
        "results/ballot_list.html",
        {
            "cluster_year": cluster_year,
            "table": table,
            "rows": rows,
            "awards": cluster_year.awards,
            "can_organise": organiser,
            "frozen_reason": cluster_year.frozen_reason(),
            "crumbs": vote_crumbs(cluster_year),
        },
    )


@login_required
@require_POST
@transaction.atomic
def ballot_create(request, pk: int):
    cluster_year, _organiser = get_vote_year_for_user(request.user, pk, organise=True)
    table, _tree, ranked = load_results(cluster_year)
    award = next((a for a in cluster_year.awards if a["name"] == request.POST.get("award")), None)
    if award is None:
        messages.error(request, _("Choose one of the year's awards."))
        return redirect("results:ballot_list", pk=cluster_year.pk)
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
    return redirect("results:ballot_detail", pk=ballot.pk)


@login_required
def ballot_detail(request, pk: int):
    ballot, cluster_year, organiser = get_ballot_for_user(
        request.user, pk, organise=request.method == "POST"
    )
    counts = list(ballot.counts.select_related("unit"))
    form = BallotForm(request.POST or None, instance=ballot, counts=counts)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Counts saved; the outcome is computed below."))
        return redirect("results:ballot_detail", pk=ballot.pk)
    ballot.refresh_from_db()
    outcome = ballot.outcome(list(ballot.counts.select_related("unit")))
    return render(
        request,
        "results/ballot_detail.html",
        {
            "cluster_year": cluster_year,
            "ballot": ballot,
            "form": form,
            "outcome": outcome,
            "can_organise": organiser,
            "crumbs": vote_crumbs(cluster_year, ballot.award),
        },
    )
