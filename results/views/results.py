"""The results page of a cluster-year: totals, ranks with their tie-break, tiers; staff
finalise (close the table) and reopen with a reason. The summary table as PDF and Excel, and
the vote's documents."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.ids import parse_reason, parse_text
from core.pages import confirmation, redirect_after_post
from core.text import vn_sort_key
from documents.kinds import preview_response, render_pdf_response, xlsx_response
from scoring.models import ScoreSheet, ScoringTable, describe_tie_break

from ..access import (
    get_results_for_user,
    get_table_to_finalise_for_user,
    get_vote_year_for_user,
)
from ..charts import results_bar_chart
from ..documents import SUMMARY, VOTE_DOCUMENTS, summary_context, vote_context
from ..excel import summary_workbook
from ..models import Ballot
from ..ranking import load_results
from .links import year_crumbs


@login_required
def results(request, pk: int):
    cluster_year, table, can_manage = get_results_for_user(request.user, pk)
    table, tree, ranked = load_results(cluster_year, table=table)
    return render(
        request,
        "results/results.html",
        {
            "cluster_year": cluster_year,
            "table": table,
            "roots": tree.roots,
            "results": ranked,
            "chart": mark_safe(  # noqa: S308 - built from escaped values in results/charts.py
                results_bar_chart(ranked, tree.roots, nominal=table.nominal_total)
            ),
            "rules": [describe_tie_break(rule) for rule in table.tie_break],
            "can_finalise": can_manage and table.status == ScoringTable.Status.PUBLISHED,
            "can_reopen": can_manage and table.is_closed,
            "unreviewed": [r for r in ranked if not r.is_reviewed],
            "crumbs": year_crumbs(cluster_year, (_("Results"), None)),
        },
    )


def _ask_before_finalising(request, table: ScoringTable):
    """Finalising freezes the year: say so, name the units that never submitted and those not
    reviewed, and make staff choose what the results do with the never-submitted sheets."""
    sheets = list(ScoreSheet.objects.filter(table=table).select_related("unit"))
    never = sorted(
        (
            s.unit.name
            for s in sheets
            if s.status in (ScoreSheet.Status.DRAFT, ScoreSheet.Status.RETURNED)
        ),
        key=vn_sort_key,
    )
    unreviewed = sorted(
        (s.unit.name for s in sheets if s.status == ScoreSheet.Status.SUBMITTED), key=vn_sort_key
    )
    details = []
    if never:
        details.append(_("Never submitted: %(units)s.") % {"units": ", ".join(never)})
    if unreviewed:
        details.append(_("Submitted, not reviewed: %(units)s.") % {"units": ", ".join(unreviewed)})
    return confirmation(
        request,
        title=_("Finalise the results of %(year)s?") % {"year": table.cluster_year.year},
        consequence=_(
            "The ranking becomes official and the year is frozen: scores, sheets, members, "
            "settings and the vote can no longer change until staff reopen the results with a "
            "reason. Hold the award vote before finalising."
        ),
        details=details,
        confirm_label=_("Yes, finalise"),
        cancel_url=reverse("results:results", args=[table.cluster_year_id]),
        choice=(
            "unsubmitted",
            _("What do the results do with the sheets never submitted?"),
            [(str(value), str(label)) for value, label in ScoringTable.Unsubmitted.choices],
        )
        if never
        else None,
    )


@login_required
@require_POST
def results_status(request, pk: int):
    table = get_table_to_finalise_for_user(request.user, pk)
    cluster_year = table.cluster_year
    reason = parse_reason(request.POST.get("reason"))
    back = reverse("results:results", args=[cluster_year.pk])
    if request.POST.get("action") == "finalise" and table.status == ScoringTable.Status.PUBLISHED:
        still_open = sorted(b.award for b in table.ballots.filter(status=Ballot.Status.OPEN))
        if still_open:
            # A final year's ballots can no longer be closed: close them first.
            messages.error(
                request,
                _("Close the open ballots before finalising: %(awards)s.")
                % {"awards": ", ".join(still_open)},
            )
            return redirect_after_post(request, back)
        question = _ask_before_finalising(request, table)
        if question is not None:
            return question
    try:
        if request.POST.get("action") == "finalise":
            table.close(
                reason=reason or _("Results finalised"),
                unsubmitted=parse_text(request.POST.get("unsubmitted")) or None,
            )
            messages.success(request, _("The results are final: the table and sheets are frozen."))
        elif request.POST.get("action") == "reopen":
            table.reopen(reason=reason)
            messages.success(request, _("The results are reopened."))
        else:
            raise ValidationError(_("Unknown action."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect_after_post(request, back)


@login_required
def summary_pdf(request, pk: int):
    cluster_year, table, _can_manage = get_results_for_user(request.user, pk)
    return render_pdf_response(
        SUMMARY.template,
        summary_context(cluster_year, table=table),
        filename=f"{SUMMARY.filename}-{cluster_year.year}.pdf",
    )


@login_required
def summary_xlsx(request, pk: int):
    cluster_year, table, _can_manage = get_results_for_user(request.user, pk)
    return xlsx_response(
        summary_workbook(summary_context(cluster_year, table=table)),
        filename=f"{SUMMARY.filename}-{cluster_year.year}.xlsx",
    )


def _vote_document(request, pk: int, slug: str):
    cluster_year, _organiser = get_vote_year_for_user(request.user, pk)
    kind = VOTE_DOCUMENTS.get(slug)
    if kind is None:
        raise Http404
    return cluster_year, kind, vote_context(cluster_year)


@login_required
def vote_document(request, pk: int, slug: str):
    cluster_year, kind, context = _vote_document(request, pk, slug)
    return preview_response(
        request,
        kind.template,
        context,
        title=kind.label,
        pdf_url=reverse("results:vote_document_pdf", args=[cluster_year.pk, slug]),
        back_url=reverse("results:ballot_list", args=[cluster_year.pk]),
        crumbs=[
            (_("Clusters"), reverse("clusters:cluster_list")),
            (str(cluster_year.year), cluster_year.get_absolute_url()),
            (kind.label, None),
        ],
    )


@login_required
def vote_document_pdf(request, pk: int, slug: str):
    cluster_year, kind, context = _vote_document(request, pk, slug)
    return render_pdf_response(
        kind.template, context, filename=f"{kind.filename}-{cluster_year.year}.pdf"
    )
