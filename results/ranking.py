"""Results of a cluster-year: each unit's total, its rank with the table's tie-breaks, and its
tier. Pure Decimal arithmetic on the sheets' effective values (reviewed where reviewed); the
totals themselves come from scoring.totals."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.numbers import round_half_up
from core.text import vn_sort_key
from scoring.models import ScoreNumbers, ScoreSheet, ScoringTable, describe_tie_break
from scoring.totals import SheetTotals, YearScores, group_by_sheet, pair
from scoring.tree import TableTree

HUNDRED = Decimal(100)
NOT_SUBMITTED = gettext_lazy("Not submitted")
RANKED_LAST = gettext_lazy("never submitted: ranked last, as staff chose when finalising")


@dataclass
class UnitResult:
    sheet: ScoreSheet
    totals: SheetTotals
    own: SheetTotals
    percent: Decimal
    tier: str = ""
    rank: int = 0
    tie_note: str = ""  # how this unit's tie with the one above was settled
    keys: tuple = field(default_factory=tuple)
    not_submitted: bool = False  # never submitted, ranked last by the staff's choice

    @property
    def is_reviewed(self) -> bool:
        return self.sheet.status == ScoreSheet.Status.REVIEWED

    @property
    def total(self) -> Decimal:
        return self.totals.total


def _rule_value(rule: str, result: UnitResult, section_pks: dict[str, int]) -> Decimal:
    """The value a tie-break rule compares, oriented so that larger is better."""
    totals = result.totals
    if rule == "score_total":
        return totals.score
    if rule == "fewer_deductions":
        return -totals.deduction
    if rule == "more_bonus":
        return totals.bonus
    if rule.startswith("section:"):
        pk = section_pks.get(rule[8:].strip().upper())
        return totals.sections.get(pk, Decimal(0)) if pk else Decimal(0)
    return Decimal(0)


def percent_of(total: Decimal, nominal: Decimal) -> Decimal:
    """A total as a percentage of the nominal total, to 2 places by the project's one rounding
    rule (the summary spreadsheet writes the same as =ROUND(total*100/nominal, 2))."""
    return round_half_up(total * HUNDRED / nominal, 2)


def tier_for(percent: Decimal, bands: list[dict]) -> str:
    """The tier of a percentage under the year's bands (ClusterYear.tier_bands, the one source
    of the bands: the year's settings page shows them and every ranking uses them)."""
    ordered = sorted(bands, key=lambda band: Decimal(str(band["min_percent"])), reverse=True)
    for band in ordered:
        if percent >= Decimal(str(band["min_percent"])):
            return band["name"]
    return ""


def rank(
    table: ScoringTable,
    tree: TableTree,
    sheets: list[ScoreSheet],
    scores: Iterable[ScoreNumbers],
    *,
    tier_bands: list[dict] | None = None,
) -> list[UnitResult]:
    """Rank the units: higher total first; ties broken by the table's tie-break order; units
    still tied share a rank (1, 2, 2, 4). Each tie says which rule settled it. Tiers follow
    ``tier_bands``, the year's bands unless given. Once final, if staff chose so, the units
    that never submitted their sheet are marked "not submitted" and ranked after all others."""
    bands = table.cluster_year.tier_bands if tier_bands is None else tier_bands
    by_sheet = group_by_sheet(scores)
    section_pks = {node.criterion.code.strip().upper(): node.criterion.pk for node in tree.roots}
    rules = list(table.tie_break)
    last = table.is_closed and table.unsubmitted == ScoringTable.Unsubmitted.LAST
    never = (ScoreSheet.Status.DRAFT, ScoreSheet.Status.RETURNED)
    results = []
    for sheet in sheets:
        totals = pair(tree, by_sheet.get(sheet.pk, []))
        effective, own = totals.effective, totals.own
        percent = percent_of(effective.total, table.nominal_total)
        result = UnitResult(sheet, effective, own, percent, tier_for(percent, bands))
        result.not_submitted = last and sheet.status in never
        if result.not_submitted:
            result.tier, result.tie_note = str(NOT_SUBMITTED), str(RANKED_LAST)
        # The first key puts the units ranked last after every other, whatever their totals.
        result.keys = (
            not result.not_submitted,
            effective.total,
            *(_rule_value(r, result, section_pks) for r in rules),
        )
        results.append(result)
    results.sort(key=lambda r: vn_sort_key(r.sheet.unit.name))  # equal units: by name
    results.sort(key=lambda r: r.keys, reverse=True)
    for index, result in enumerate(results):
        if index == 0:
            result.rank = 1
            continue
        above = results[index - 1]
        if result.keys == above.keys:
            result.rank = above.rank
            if result.not_submitted:
                result.tie_note = str(RANKED_LAST)
            elif result.total == above.total:
                result.tie_note = _("same total and every tie-break rule: shared rank")
            continue
        result.rank = index + 1
        if result.not_submitted:
            result.tie_note = str(RANKED_LAST)
        elif result.total == above.total and not above.not_submitted:
            pairs = zip(above.keys[2:], result.keys[2:], strict=True)
            decider = next(i for i, (a, b) in enumerate(pairs) if a != b)
            result.tie_note = _("tie on the total, settled by: %(rule)s") % {
                "rule": describe_tie_break(rules[decider])
            }
    return results


def rank_year(year: YearScores, *, tier_bands: list[dict] | None = None) -> list[UnitResult]:
    scores = [score for scores in year.by_sheet.values() for score in scores]
    return rank(year.table, year.tree, year.sheets, scores, tier_bands=tier_bands)


def load_results(
    cluster_year, *, table: ScoringTable | None = None
) -> tuple[ScoringTable, TableTree, list[UnitResult]]:
    """The year's published table (read unless given), its tree and the ranked results (4
    queries whatever the size); 404 while the table is a draft or missing."""
    if table is None:
        table = ScoringTable.objects.filter(cluster_year=cluster_year).first()
    if table is None or table.is_draft:
        raise Http404
    table.cluster_year = cluster_year
    year = YearScores.load(table)
    return table, year.tree, rank_year(year, tier_bands=cluster_year.tier_bands)
