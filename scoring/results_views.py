"""The results page of a cluster-year: totals, ranks with their tie-break, tiers; staff
finalise (close the table) and reopen with a reason."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clusters.access import get_cluster_year_for_user

from .models import ScoringTable, describe_tie_break
from .results import rank
from .sheet_models import Score, ScoreSheet


def load_results(cluster_year):
    """The table, its tree and the ranked results (4 queries whatever the size)."""
    table = ScoringTable.objects.filter(cluster_year=cluster_year).first()
    if table is None or table.is_draft:
        raise Http404
    tree = table.tree()
    sheets = list(ScoreSheet.objects.filter(table=table).select_related("unit"))
    scores = list(Score.objects.filter(sheet__table=table).select_related("criterion"))
    return table, tree, rank(table, tree, sheets, scores)


@login_required
def results(request, pk: int):
    cluster_year, can_manage = get_cluster_year_for_user(request.user, pk)
    table, tree, ranked = load_results(cluster_year)
    return render(
        request,
        "scoring/results.html",
        {
            "cluster_year": cluster_year,
            "table": table,
            "roots": tree.roots,
            "results": ranked,
            "rules": [describe_tie_break(rule) for rule in table.tie_break],
            "can_finalise": can_manage and table.status == ScoringTable.Status.PUBLISHED,
            "can_reopen": can_manage and table.is_closed,
            "unreviewed": [r for r in ranked if not r.is_reviewed],
            "crumbs": [
                (_("Clusters"), reverse("cluster_list")),
                (cluster_year.cluster.name, cluster_year.cluster.get_absolute_url()),
                (str(cluster_year.year), cluster_year.get_absolute_url()),
                (_("Results"), None),
            ],
        },
    )


@login_required
@require_POST
def results_status(request, pk: int):
    cluster_year, can_manage = get_cluster_year_for_user(request.user, pk)
    if not can_manage:
        raise PermissionDenied
    table = ScoringTable.objects.filter(cluster_year=cluster_year).first()
    if table is None:
        raise Http404
    reason = request.POST.get("reason", "")
    try:
        if request.POST.get("action") == "finalise":
            table.close(reason=reason or _("Results finalised"))
            messages.success(request, _("The results are final: the table and sheets are frozen."))
        elif request.POST.get("action") == "reopen":
            table.reopen(reason=reason)
            messages.success(request, _("The results are reopened."))
        else:
            raise ValidationError(_("Unknown action."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("results", pk=cluster_year.pk)
