"""The scoring table's card and steps on the cluster-year pages, the count of sheets waiting
for review and the clerks' to-do items on the dashboard (see clusters/registry.py)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from clusters.deadlines import Deadline
from clusters.models import ClusterYear
from clusters.registry import TodoItem
from clusters.roles import roles_for
from core.types import AnyUser

from . import checks
from .models import ExtensionRequest, ScoreSheet, ScoringTable

CARD_TEMPLATE = "scoring/_year_card.html"
DASHBOARD_TEMPLATE = "scoring/_dashboard_badge.html"
YEAR_RELATED = ("scoring_table",)


def table_status(cluster_year: ClusterYear) -> str | None:
    """The status of the year's scoring table, None before one exists (no query when the year
    came from a list page: with_year_summary joins the table)."""
    try:
        return cluster_year.scoring_table.status
    except ScoringTable.DoesNotExist:
        return None


def is_open_or_final(status: str | None) -> bool:
    """Whether a table with this status has sheets, scores and results."""
    return status in (ScoringTable.Status.PUBLISHED, ScoringTable.Status.CLOSED)


def card_context(cluster_year: ClusterYear) -> dict:
    status = table_status(cluster_year)
    return {"status": status, "Status": ScoringTable.Status, "has_sheets": is_open_or_final(status)}


def frozen_reason(cluster_year: ClusterYear) -> str:
    """A year whose results are final (its table closed) changes in nothing until staff
    reopen the results with a reason. Read from the database, not from a cached relation: the
    status may have changed since the year was loaded."""
    if ScoringTable.objects.filter(
        cluster_year=cluster_year, status=ScoringTable.Status.CLOSED
    ).exists():
        return str(
            _(
                "The results of this year are final: nothing of the year can change. "
                "Staff can reopen the results, with a reason."
            )
        )
    return ""


def carry_forward(previous: ClusterYear, new_year: ClusterYear) -> list[str]:
    """A year started from ``previous`` gets a draft of its scoring table (settings and the
    whole tree), to be reviewed and published."""
    from .services import copy_table

    table = ScoringTable.objects.filter(cluster_year=previous).first()
    if table is None:
        return []
    copy_table(table, to_cluster_year=new_year)
    return [
        str(_("The scoring table was copied from %(year)s as a draft.") % {"year": previous.year})
    ]


HANDED_IN = (ScoreSheet.Status.SUBMITTED, ScoreSheet.Status.REVIEWED)


def sheet_counts(cluster_year: ClusterYear) -> tuple[int, int, int]:
    """The year's sheets: how many, how many handed in (submitted or reviewed), how many
    reviewed. From with_year_summary's annotations on list pages, else one query."""
    annotated: Any = cluster_year  # the annotations are not fields
    if hasattr(annotated, "sheets_total"):
        return annotated.sheets_total, annotated.sheets_handed_in, annotated.sheets_reviewed
    counts = ScoreSheet.objects.filter(table__cluster_year=cluster_year).aggregate(
        total=Count("pk"),
        handed_in=Count("pk", filter=Q(status__in=HANDED_IN)),
        reviewed=Count("pk", filter=Q(status=ScoreSheet.Status.REVIEWED)),
    )
    # Kept on the instance: a page asks for the steps and the percentage.
    annotated.sheets_total = counts["total"]
    annotated.sheets_handed_in = counts["handed_in"]
    annotated.sheets_reviewed = counts["reviewed"]
    return counts["total"], counts["handed_in"], counts["reviewed"]


def progress_steps(cluster_year: ClusterYear) -> list[tuple[str, bool]]:
    """Published, then the sheets handed in and reviewed (each done only when every sheet
    is), then the results final: never a step shown done before it is."""
    status = table_status(cluster_year)
    total, handed_in, reviewed = sheet_counts(cluster_year)
    return [
        (str(_("Scoring table published")), is_open_or_final(status)),
        (
            gettext("Sheets submitted %(done)d/%(total)d") % {"done": handed_in, "total": total},
            total > 0 and handed_in == total,
        ),
        (
            gettext("Sheets reviewed %(done)d/%(total)d") % {"done": reviewed, "total": total},
            total > 0 and reviewed == total,
        ),
        (str(_("Results final")), status == ScoringTable.Status.CLOSED),
    ]


def with_year_summary(queryset: QuerySet[ClusterYear]) -> QuerySet[ClusterYear]:
    """The table, ``awaiting_review`` (the sheets submitted and not yet reviewed) and the
    counts of the progress steps."""
    sheets = "scoring_table__sheets"
    status = f"{sheets}__status"
    return queryset.select_related("scoring_table").annotate(
        awaiting_review=Count(
            sheets, filter=Q(**{status: ScoreSheet.Status.SUBMITTED}), distinct=True
        ),
        sheets_total=Count(sheets, distinct=True),
        sheets_handed_in=Count(sheets, filter=Q(**{f"{status}__in": HANDED_IN}), distinct=True),
        sheets_reviewed=Count(
            sheets, filter=Q(**{status: ScoreSheet.Status.REVIEWED}), distinct=True
        ),
    )


SHOWN_PROBLEMS = 5  # rows linked from a to-do item; the sheet lists them all


def _problem_links(sheet: ScoreSheet, found: list[checks.Problem]) -> tuple[tuple[str, str], ...]:
    url = reverse("scoring:sheet_detail", args=[sheet.pk])
    no_value = sum(problem.no_value for problem in found)
    no_evidence = sum(problem.no_evidence for problem in found)
    summary = []
    if no_value:
        summary.append(
            ngettext("%(n)d criterion without a score", "%(n)d criteria without a score", no_value)
            % {"n": no_value}
        )
    if no_evidence:
        summary.append(
            ngettext(
                "%(n)d criterion without its required evidence",
                "%(n)d criteria without their required evidence",
                no_evidence,
            )
            % {"n": no_evidence}
        )
    links = [(", ".join(summary), f"{url}?kiem-tra=1#problems")]
    links += [(problem.label, f"{url}#{problem.anchor}") for problem in found[:SHOWN_PROBLEMS]]
    return tuple(links)


def _reviews(cluster_year: ClusterYear, clerk_of: frozenset[int]) -> set[int]:
    """The units whose sheets this clerk reviews in the year: the leader's clerk every other
    unit's, the deputy's clerk the leader's (memberships prefetched by with_summary)."""
    leader, deputy = cluster_year.leader, cluster_year.deputy
    units = {m.unit_id for m in cluster_year.memberships.all()}
    reviewed: set[int] = set()
    if leader is not None and leader.unit_id in clerk_of:
        reviewed |= units - {leader.unit_id}
    if leader is not None and deputy is not None and deputy.unit_id in clerk_of:
        reviewed.add(leader.unit_id)
    return reviewed


def todo_items(user: AnyUser, cluster_years: Sequence[ClusterYear]) -> list[TodoItem]:
    """A clerk's own sheets (status, deadline, what is missing, why it came back) and the
    sheets the clerk's unit reviews (3 queries whatever the number of years)."""
    clerk_of = roles_for(user).clerk_of
    years = {year.pk: year for year in cluster_years}
    if not clerk_of or not years:
        return []
    to_review = {pk: _reviews(year, clerk_of) for pk, year in years.items()}
    review_filter = Q()
    for pk, units in to_review.items():
        if units:
            review_filter |= Q(table__cluster_year_id=pk, unit_id__in=units,
                               status=ScoreSheet.Status.SUBMITTED)  # fmt: skip
    sheets = list(
        ScoreSheet.objects.filter(
            table__cluster_year_id__in=years, table__status=ScoringTable.Status.PUBLISHED
        )
        .filter(Q(unit_id__in=clerk_of) | review_filter)
        .select_related("unit", "table")
        .order_by("unit__name")
    )
    found = checks.problems(s.pk for s in sheets if s.unit_id in clerk_of and s.is_open_for_unit)
    waiting = _waiting_for_more_time(sheets, clerk_of, years)
    items = []
    for sheet in sheets:
        year = years[sheet.table.cluster_year_id]
        sheet.table.cluster_year = year  # its deadlines, without a query per sheet
        url = reverse("scoring:sheet_detail", args=[sheet.pk])
        if sheet.unit_id in clerk_of:
            items.append(
                _own_sheet_item(sheet, year, url, found.get(sheet.pk, []), sheet.pk in waiting)
            )
        if sheet.status == ScoreSheet.Status.SUBMITTED and sheet.unit_id in to_review[year.pk]:
            items.append(
                TodoItem(
                    title=gettext("Review the sheet of %(unit)s") % {"unit": sheet.unit.name},
                    url=url,
                    cluster_name=year.cluster.name,
                    status=sheet.get_status_display(),
                    deadline=_deadline(year.review_deadline, str(_("Review deadline"))),
                    testid="todo-review",
                )
            )
    return items


def _waiting_for_more_time(
    sheets: list[ScoreSheet], clerk_of: frozenset[int], years: dict[int, ClusterYear]
) -> set[int]:
    """The clerk's sheets past their deadline with a request for more time not yet answered
    (one query, only when such a sheet is on the list)."""
    missed = []
    for sheet in sheets:
        if sheet.unit_id in clerk_of:
            sheet.table.cluster_year = years[sheet.table.cluster_year_id]
            if sheet.deadline_missed:
                missed.append(sheet.pk)
    if not missed:
        return set()
    return set(
        ExtensionRequest.objects.filter(
            sheet_id__in=missed, status=ExtensionRequest.Status.PENDING
        ).values_list("sheet_id", flat=True)
    )


def _deadline(day: datetime.date | None, label: str) -> Deadline | None:
    return Deadline(day, str(label)) if day else None


def _own_sheet_item(
    sheet: ScoreSheet, year: ClusterYear, url: str, found: list[checks.Problem], waiting: bool
) -> TodoItem:
    item = TodoItem(
        title=gettext("Score sheet of %(unit)s") % {"unit": sheet.unit.name},
        url=url,
        cluster_name=year.cluster.name,
        status=sheet.get_status_display(),
        testid="todo-sheet",
    )
    if sheet.status == ScoreSheet.Status.RETURNED:
        return replace(
            item,
            deadline=sheet.deadline(),
            note=gettext("Returned by the reviewer: %(reason)s") % {"reason": sheet.return_reason},
            problems=_problem_links(sheet, found) if found else (),
            urgent=True,
        )
    if sheet.deadline_missed and waiting:
        return replace(
            item,
            deadline=sheet.deadline(),
            note=gettext("More time was asked for; staff have not answered yet."),
        )
    if sheet.deadline_missed:
        return replace(
            item,
            deadline=sheet.deadline(),
            note=gettext(
                "The self-scoring deadline has passed: the unit can ask staff for more time."
            ),
            problems=(
                (
                    gettext("Ask for an extension"),
                    reverse("scoring:extension_ask", args=[sheet.pk]),
                ),
            ),  # fmt: skip
            urgent=True,
        )
    if sheet.status == ScoreSheet.Status.DRAFT:
        return replace(
            item,
            deadline=sheet.deadline(),
            problems=_problem_links(sheet, found) if found else (),
        )
    return replace(item, done=True)  # submitted or reviewed: nothing to do, worth knowing
