"""Views across cluster-years: the authority's overview of a year, and a unit's results over the
years (following mergers)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from html import escape

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from clusters.access import (
    get_authority_for_user,
    get_unit_for_user,
    visible_cluster_years,
    visible_units,
)
from clusters.models import Unit
from core.ids import parse_year
from core.numbers import format_decimal
from pledges.cards import covenant_status
from pledges.models import Pledge
from scoring.access import reading_of
from scoring.cards import is_open_or_final, table_status
from scoring.models import Criterion, Score, ScoreSheet, ScoreValues, ScoringTable
from scoring.totals import group_by_sheet
from scoring.tree import TableTree

from ..ranking import rank

Sheet, Table = ScoreSheet.Status, ScoringTable.Status


def _rank_tables(tables: list[ScoringTable]) -> dict[int, list]:
    """Ranked results of several tables in 3 queries (criteria, sheets, scores)."""
    criteria = defaultdict(list)
    for criterion in Criterion.objects.filter(table__in=tables).order_by("position", "pk"):
        criteria[criterion.table_id].append(criterion)
    sheets = defaultdict(list)
    for sheet in ScoreSheet.objects.filter(table__in=tables).select_related("unit"):
        sheets[sheet.table_id].append(sheet)
    by_sheet = group_by_sheet(ScoreValues.of(Score.objects.filter(sheet__table__in=tables)))
    return {
        table.pk: rank(
            table,
            TableTree.build(table, criteria[table.pk]),
            sheets[table.pk],
            [score for sheet in sheets[table.pk] for score in by_sheet.get(sheet.pk, [])],
        )
        for table in tables
    }


@login_required
def authority_overview(request, pk: int):
    authority, _can_edit = get_authority_for_user(request.user, pk)
    # The clusters of the authorities that ended into this one (the districts into the
    # province in 2025) are part of its overview: their records passed to it.
    # Within what the user reads (clusters.access, the one rule: custody reaches as far back
    # as clusters.roles says).
    authorities = [authority.pk, *authority.predecessor_ids()]
    readable = visible_cluster_years(request.user).filter(cluster__authority__in=authorities)
    all_years = readable.values_list("year", flat=True)
    years = sorted(set(all_years), reverse=True)
    year = parse_year(request.GET.get("nam")) or (years[0] if years else 0)
    cluster_years = list(
        readable.filter(year=year)
        .with_summary()
        .annotate(
            sheets_total=Count("scoring_table__sheets", distinct=True),
            sheets_submitted=Count(
                "scoring_table__sheets",
                filter=Q(scoring_table__sheets__status__in=[Sheet.SUBMITTED, Sheet.REVIEWED]),
                distinct=True,
            ),
            sheets_reviewed=Count(
                "scoring_table__sheets",
                filter=Q(scoring_table__sheets__status=Sheet.REVIEWED),
                distinct=True,
            ),
        )
        .order_by("cluster__authority_id", "cluster__name")
    )
    tables = [cy.scoring_table for cy in cluster_years if is_open_or_final(table_status(cy))]
    ranked = _rank_tables(tables)
    rows = []
    for cluster_year in cluster_years:
        status = table_status(cluster_year)
        results = ranked.get(cluster_year.scoring_table.pk, []) if status else []
        rows.append(
            {
                "cluster_year": cluster_year,
                "top": [r for r in results if r.rank == 1],
                "covenant_status": covenant_status(cluster_year),
                "table_status": status,
            }
        )
    return render(
        request,
        "results/authority_overview.html",
        {
            "authority": authority,
            "year": year,
            "years": years,
            "rows": rows,
            "Covenant": Pledge.Status,
            "Table": Table,
            "crumbs": [(authority.name, None)],
        },
    )


def _line_chart(points: list[tuple[int, object, int]]) -> str:
    """Totals by year (line) with the rank printed at each point. Across, the points are placed
    in percent of the chart's width and the text in pixels (no viewBox), so the labels keep
    their size on a phone; every other label goes under its point, so that neighbours do not
    overlap on a narrow screen."""
    if not points:
        return ""
    height, top = 240, 30
    values = [float(total) for _year, total, _rank in points]
    low, high = min(values + [0.0]), max(values + [100.0])
    span = high - low or 1
    step = 88 / max(len(points) - 1, 1)

    def xy(index: int, value: float) -> tuple[float, float]:
        across = 50.0 if len(points) == 1 else 6 + index * step
        return across, top + (high - value) / span * (height - 90)

    coords = [xy(i, v) for i, v in enumerate(values)]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" height="{height}" '
        f'role="img" font-family="Liberation Serif, serif" font-size="13">'
        f"<title>Tổng điểm qua các năm</title>"
    ]
    for (x1, y1), (x2, y2) in zip(coords, coords[1:], strict=False):
        parts.append(
            f'<line x1="{x1:.2f}%" y1="{y1:.1f}" x2="{x2:.2f}%" y2="{y2:.1f}" '
            f'stroke="#1f4e79" stroke-width="2"/>'
        )
    for index, ((year, total, position), (x, y)) in enumerate(zip(points, coords, strict=True)):
        label = escape(format_decimal(Decimal(total)))
        anchor = "middle"
        if len(points) > 1 and index == 0:
            anchor = "start"
        elif len(points) > 1 and index == len(points) - 1:
            anchor = "end"
        parts.append(
            f'<circle cx="{x:.2f}%" cy="{y:.1f}" r="4" fill="#1f4e79"/>'
            f'<text x="{x:.2f}%" y="{y - 10 if index % 2 == 0 else y + 22:.1f}" '
            f'text-anchor="{anchor}">{label} '
            f'(hạng {position})</text><text x="{x:.2f}%" y="{height - 8}" '
            f'text-anchor="{anchor}">{year}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _family(unit: Unit) -> list[Unit]:
    """The unit, the units it took over from however many steps back (across authorities:
    communes merged across the old district lines) and those it continued as."""
    family = {unit.pk: unit}
    for predecessor in unit.predecessors_in_lineage():
        family.setdefault(predecessor.pk, predecessor)
    for successor in unit.lineage():
        family.setdefault(successor.pk, successor)
    return list(family.values())


@login_required
def unit_results(request, pk: int):
    unit, _can_edit = get_unit_for_user(request.user, pk)
    family = _family(unit)
    readable_units = set(
        visible_units(request.user)
        .filter(pk__in=[member.pk for member in family])
        .values_list("pk", flat=True)
    )
    visible = visible_cluster_years(request.user).values("pk")
    summaries: dict[int, bool] = {}

    def reads_summary(sheet: ScoreSheet) -> bool:
        """A rank is read from every unit's totals: only the years whose summary the user
        reads (a member unit's open year is not among them); asked once per year, however
        many units of the family were scored in it (two predecessors in one cluster)."""
        year = sheet.table.cluster_year
        if year.pk not in summaries:
            summaries[year.pk] = reading_of(request.user, year, final=sheet.table.is_closed).summary
        return summaries[year.pk]

    sheets = [
        sheet
        for sheet in ScoreSheet.objects.filter(unit__in=family, table__cluster_year__in=visible)
        .exclude(table__status=ScoringTable.Status.DRAFT)
        .select_related("table__cluster_year__cluster", "unit")
        .order_by("table__cluster_year__year", "unit__name")
        if reads_summary(sheet)
    ]
    ranked = _rank_tables(list({sheet.table_id: sheet.table for sheet in sheets}.values()))
    rows = []
    for sheet in sheets:
        results = ranked[sheet.table_id]
        mine = next(r for r in results if r.sheet.pk == sheet.pk)
        rows.append({"sheet": sheet, "result": mine, "of": len(results)})
    points = [(r["sheet"].table.cluster_year.year, r["result"].total, r["result"].rank)
              for r in rows]  # fmt: skip
    return render(
        request,
        "results/unit_results.html",
        {
            "unit": unit,
            # Named only where the user may open them (as on the unit's page).
            "family": [u for u in family if u.pk != unit.pk and u.pk in readable_units],
            "rows": rows,
            "chart": mark_safe(_line_chart(points)),  # noqa: S308 - escaped above
            "crumbs": [
                (_("Units"), reverse("clusters:unit_list")),
                (unit.name, unit.get_absolute_url()),
                (_("Results over the years"), None),
            ],
        },
    )
