"""The reviewers' grid (units × criteria, self and reviewed side by side) and the deadlines."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from clusters.access import get_cluster_year_for_user
from core.pages import form_page
from documents.formatting import vn_number

from .. import access, sheets
from ..forms import DeadlineForm, ExtensionAnswerForm
from ..models import ExtensionRequest, ScoreValues
from ..totals import YearScores
from .links import scores_crumbs


def _pair(own, reviewed, marked: str) -> tuple[str, str]:
    """A total's cell as (extra CSS classes, text): "9", or "9 / 7" when the review changed it."""
    if reviewed is None or reviewed == own:
        return "", vn_number(own) or "—"
    return marked, f"{vn_number(own) or '—'} / {vn_number(reviewed)}"


def _grid_cell(score: ScoreValues | None) -> tuple[str, str]:
    """A criterion's cell: the self-score, " / reviewed" once reviewed, red where they differ."""
    if score is None:
        return "", ""
    text = vn_number(score.self_value) or "—"
    if score.reviewed_value is not None:
        text = f"{text} / {vn_number(score.reviewed_value)}"
    return (" text-danger fw-bold" if score.differs else ""), text


def _grid_line(node, sheet_list, cells: dict, totals: dict) -> dict:
    """One criterion across the units, formatted here."""
    criterion = node.criterion
    line = {
        "depth": str(node.depth),
        "code": criterion.code,
        "text": Truncator(criterion.text).chars(70),
        "max": vn_number(criterion.max_points),
    }
    if node.depth == 0:  # a section: its subtotal per unit, in bold
        line_css = " fw-bold"
        texts = [
            _pair(totals[sheet.pk].own.sections.get(criterion.pk),
                  totals[sheet.pk].effective.sections.get(criterion.pk), " text-danger")
            for sheet in sheet_list
        ]  # fmt: skip
    else:
        line_css = ""
        texts = [_grid_cell(cells.get((sheet.pk, criterion.pk))) for sheet in sheet_list]
    # Joined here (escaped): a grid of 15 units × 60 criteria is 900 cells, and as template
    # variables they cost more than the rest of the page.
    line["cells"] = format_html_join(
        "", '<td class="text-center{}{}">{}</td>', ((line_css, css, text) for css, text in texts)
    )
    return line


@login_required
def review_grid(request, pk: int):
    """Units × criteria: self and reviewed values side by side, differences marked, with section
    and unit totals (a fixed number of queries)."""
    cluster_year, table, _can_edit = access.get_published_table_for_user(request.user, pk)
    sheet_list = cluster_year.in_member_order(
        access.visible_sheets(request.user, cluster_year).select_related("unit"),
        lambda sheet: sheet.unit,
    )
    year = YearScores.load(table, sheet_list)
    tree = year.tree
    cells: dict[tuple[int, int], ScoreValues] = {
        (score.sheet_id, score.criterion_id): score
        for scores in year.by_sheet.values()
        for score in scores
    }
    totals = year.all_totals()
    grid = [_grid_line(node, sheet_list, cells, totals) for node in tree.rows]
    return render(
        request,
        "scoring/review_grid.html",
        {
            "cluster_year": cluster_year,
            "table": table,
            "sheets": sheet_list,
            "grid": grid,
            "unit_totals": [
                _pair(totals[sheet.pk].own.total, totals[sheet.pk].effective.total, " text-danger")
                for sheet in sheet_list
            ],
            "crumbs": scores_crumbs(cluster_year, (_("Review grid"), None)),
        },
    )


@login_required
def deadlines(request, pk: int):
    cluster_year, _can_edit = get_cluster_year_for_user(request.user, pk, edit=True)
    form = DeadlineForm(
        request.POST or None,
        initial={
            "self_score_deadline": cluster_year.self_score_deadline,
            "review_deadline": cluster_year.review_deadline,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            sheets.extend_deadlines(
                cluster_year,
                self_score=form.cleaned_data["self_score_deadline"],
                review=form.cleaned_data["review_deadline"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Deadlines changed."))
            return redirect("scoring:sheet_list", pk=cluster_year.pk)
    requests = ExtensionRequest.objects.filter(
        sheet__table__cluster_year=cluster_year
    ).select_related("sheet__unit", "asked_by", "answered_by")
    pending = ExtensionRequest.Status.PENDING
    return form_page(
        request,
        form,
        title=_("Deadlines of %(year)s") % {"year": cluster_year.year},
        crumbs=scores_crumbs(cluster_year, (_("Deadlines"), None)),
        cancel_url=reverse("scoring:sheet_list", args=[cluster_year.pk]),
        template="scoring/deadlines.html",
        extra={
            "requests": [
                {"request": item,
                 "form": ExtensionAnswerForm(prefix=f"r{item.pk}",
                                             initial={"until": item.wanted_until})
                 if item.status == pending else None}
                for item in sorted(requests, key=lambda item: item.status != pending)
            ]
        },
    )  # fmt: skip
