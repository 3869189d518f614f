"""The award vote (bình xét): the year's ballots, opening one per award, and entering its
counts (the outcome is computed, never typed)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clusters.models import nominees_of
from core.ids import parse_id, parse_text
from core.pages import confirmation, redirect_after_post
from core.text import vn_sort_key

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
@transaction.atomic
def ballot_create(request, pk: int):
    """Open a ballot for an award: the organiser chooses the nominees (the top-ranked units,
    up to the award's number of nominees, are proposed), then the ballot opens with them."""
    cluster_year, _organiser = get_vote_year_for_user(request.user, pk, organise=True)
    table, _tree, ranked = load_results(cluster_year)
    wanted = parse_text(request.POST.get("award") or request.GET.get("award"))
    award = next((a for a in cluster_year.awards if a["name"] == wanted), None)
    if award is None:
        messages.error(request, _("Choose one of the year's awards."))
        return redirect("results:ballot_list", pk=cluster_year.pk)
    by_unit = {result.sheet.unit_id: result for result in ranked}
    chosen = [parse_id(value) for value in request.POST.getlist("nominee")]
    error = ""
    sent = request.method == "POST" and "nominees" in request.POST  # the nominees' form
    if sent:
        if any(unit_id not in by_unit for unit_id in chosen) or len(set(chosen)) != len(chosen):
            raise Http404  # a forged unit
        if len(chosen) < award["seats"]:
            error = _("Choose at least %(seats)d nominees (the award's seats).") % {
                "seats": award["seats"]
            }
    if not sent or error:
        proposed = {result.sheet.unit_id for result in ranked[: nominees_of(award)]}
        return render(
            request,
            "results/ballot_open.html",
            {
                "cluster_year": cluster_year,
                "award": award,
                "ranked": ranked,
                "proposed": set(chosen) if error else proposed,
                "error": error,
                "crumbs": vote_crumbs(cluster_year, _("Open a ballot")),
            },
        )
    nominees = [by_unit[unit_id] for unit_id in chosen]
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
    ordered = sorted(nominees, key=lambda r: (r.rank, vn_sort_key(r.sheet.unit.name)))
    BallotCount.objects.bulk_create(
        BallotCount(ballot=ballot, unit=result.sheet.unit, position=index)
        for index, result in enumerate(ordered, start=1)
    )
    messages.success(request, _("Ballot opened: enter the counts."))
    return redirect("results:ballot_detail", pk=ballot.pk)


@login_required
def ballot_detail(request, pk: int):
    ballot, cluster_year, organiser = get_ballot_for_user(
        request.user, pk, organise=request.method == "POST"
    )
    if request.method == "POST":
        ballot.ensure_open()  # 403 with the reason: a closed ballot is final
    counts = list(ballot.counts.select_related("unit"))
    form = BallotForm(request.POST or None, instance=ballot, counts=counts)
    if request.method == "POST" and form.is_valid():
        form.save(by=request.user)
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
            "can_organise": organiser and ballot.is_open,
            "can_close": organiser and ballot.is_open,
            "can_revote": organiser
            and not ballot.is_open
            and outcome.needs_revote
            and not ballot.revotes.exists(),
            "revotes": list(ballot.revotes.all()),
            "crumbs": vote_crumbs(cluster_year, ballot.award),
        },
    )


@login_required
@require_POST
def ballot_close(request, pk: int):
    ballot, cluster_year, _organiser = get_ballot_for_user(request.user, pk, organise=True)
    question = confirmation(
        request,
        title=_("Close the ballot for %(award)s?") % {"award": ballot.award},
        consequence=_(
            "The counts and the outcome become final and go into the minutes; they can no "
            "longer be changed. A tie at the last seat is settled by a revote."
        ),
        confirm_label=_("Yes, close the ballot"),
        cancel_url=reverse("results:ballot_detail", args=[ballot.pk]),
    )
    if question is not None:
        return question
    try:
        ballot.close(by=request.user)
        messages.success(request, _("The ballot is closed."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect_after_post(request, reverse("results:ballot_detail", args=[ballot.pk]))


@login_required
@require_POST
def ballot_revote(request, pk: int):
    ballot, cluster_year, _organiser = get_ballot_for_user(request.user, pk, organise=True)
    try:
        revote = ballot.open_revote(by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("results:ballot_detail", pk=ballot.pk)
    messages.success(request, _("Revote opened among the tied units: enter its counts."))
    return redirect("results:ballot_detail", pk=revote.pk)
