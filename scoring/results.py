"""Results of a cluster-year: each unit's total, its rank with the table's tie-breaks, and its
tier. Pure Decimal arithmetic on the sheets' effective values (reviewed where reviewed)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from .models import ScoringTable, TableTree, describe_tie_break
from .sheet_models import ScoreNumbers, ScoreSheet, SheetTotals
from .sheets import totals as sheet_totals

HUNDRED = Decimal(100)


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


def tier_for(percent: Decimal, bands: list[dict]) -> str:
    ordered = sorted(bands, key=lambda band: Decimal(str(band["min_percent"])), reverse=True)
    for band in ordered:
        if percent >= Decimal(str(band["min_percent"])):
            return band["name"]
    return ""


def rank(table: ScoringTable, tree: TableTree, sheets: list[ScoreSheet],
         scores: list[ScoreNumbers]) -> list[UnitResult]:  # fmt: skip
    """Rank the units: higher total first; ties broken by the table's tie-break order; units
    still tied share a rank (1, 2, 2, 4). Each tie says which rule settled it."""
    by_sheet: dict[int, list[ScoreNumbers]] = defaultdict(list)
    for score in scores:
        by_sheet[score.sheet_id].append(score)
    section_pks = {node.criterion.code.strip().upper(): node.criterion.pk for node in tree.roots}
    rules = list(table.tie_break)
    results = []
    for sheet in sheets:
        effective = sheet_totals(tree, by_sheet[sheet.pk], reviewed=True)
        own = sheet_totals(tree, by_sheet[sheet.pk], reviewed=False)
        percent = (effective.total * HUNDRED / table.nominal_total).quantize(Decimal("0.01"))
        result = UnitResult(sheet, effective, own, percent, tier_for(percent, table.tier_bands))
        result.keys = (effective.total, *(_rule_value(r, result, section_pks) for r in rules))
        results.append(result)
    results.sort(key=lambda r: r.sheet.unit.name)  # equal units are listed by name
    results.sort(key=lambda r: r.keys, reverse=True)
    for index, result in enumerate(results):
        if index == 0:
            result.rank = 1
            continue
        above = results[index - 1]
        if result.keys == above.keys:
            result.rank = above.rank
            if result.total == above.total:
                result.tie_note = _("same total and every tie-break rule: shared rank")
            continue
        result.rank = index + 1
        if result.total == above.total:
            pairs = zip(above.keys[1:], result.keys[1:], strict=True)
            decider = next(i for i, (a, b) in enumerate(pairs) if a != b)
            result.tie_note = _("tie on the total, settled by: %(rule)s") % {
                "rule": describe_tie_break(rules[decider])
            }
    return results
