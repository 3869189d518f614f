"""A sheet's totals, and the one loader of a year's scores and totals.

The rule of a total lives here and only here, for the unit's own values or for the effective
ones (reviewed where reviewed): score criteria + bonus − deductions, where caps bound sums, not
entries. Each item is scored within its own maximum and step; a bonus or deduction heading counts
min(sum of its items, its own maximum) — "Điểm thưởng (tối đa 5 điểm)" over items of 3 and 3 —
and all bonus (all deductions) together count at most the table's cap. What was earned and what
counts are both kept, so a sheet can say "5,5 — tính 5". The
sheet page, the sheet list, the reviewers' grid, the ranking, the summary PDF and Excel, the
overview and the bundle all take their numbers from ``totals``: a year's through ``YearScores``
(the overview, which ranks many tables at once, groups its scores with ``group_by_sheet``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from .models import Criterion, Score, ScoreSheet, ScoreValues, ScoringTable
from .tree import Node, TableTree

ZERO = Decimal("0")


class ScoreLike(Protocol):
    """A score's numbers: a Score, or a ScoreValues tuple read without the model."""

    @property
    def criterion_id(self) -> int: ...
    @property
    def self_value(self) -> Decimal | None: ...
    @property
    def effective_value(self) -> Decimal | None: ...


@dataclass
class SheetTotals:
    """Totals of a sheet for one column (self or reviewed/effective). ``bonus`` and
    ``deduction`` are what counts (within every cap); ``*_earned`` what the items add up to."""

    score: Decimal
    bonus: Decimal
    deduction: Decimal
    sections: dict[int, Decimal]  # root criterion pk -> what the section counts
    bonus_earned: Decimal = ZERO
    deduction_earned: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.score + self.bonus - self.deduction

    @property
    def bonus_capped(self) -> bool:
        return self.bonus_earned != self.bonus

    @property
    def deduction_capped(self) -> bool:
        return self.deduction_earned != self.deduction


def totals(tree: TableTree, scores: Iterable[ScoreLike], *, reviewed: bool) -> SheetTotals:
    """Score + bonus (capped) − deductions (capped), and each section's subtotal, for the
    unit's own values or for the effective ones (reviewed where reviewed)."""
    table = tree.table
    by_criterion = {score.criterion_id: score for score in scores}
    earned = dict.fromkeys(Criterion.Kind.values, ZERO)
    counted = dict.fromkeys(Criterion.Kind.values, ZERO)
    sections: dict[int, Decimal] = {}

    def count(node: Node) -> Decimal:
        """What a criterion counts: a leaf its value; a heading the sum of what its parts
        count, within its own maximum when it is a bonus or a deduction."""
        criterion = node.criterion
        if node.is_leaf:
            score = by_criterion.get(criterion.pk)
            value = (score.effective_value if reviewed else score.self_value) if score else None
            earned[criterion.kind] += value or ZERO
            return value or ZERO
        parts = sum((count(child) for child in node.children), ZERO)
        if criterion.kind == Criterion.Kind.SCORE:
            return parts
        return min(parts, criterion.max_points)

    for root in tree.roots:
        sections[root.criterion.pk] = count(root)
        counted[root.criterion.kind] += sections[root.criterion.pk]
    return SheetTotals(
        score=counted[Criterion.Kind.SCORE],
        bonus=min(counted[Criterion.Kind.BONUS], table.bonus_cap),
        deduction=min(counted[Criterion.Kind.DEDUCTION], table.deduction_cap),
        sections=sections,
        bonus_earned=earned[Criterion.Kind.BONUS],
        deduction_earned=earned[Criterion.Kind.DEDUCTION],
    )


@dataclass(frozen=True)
class TotalsPair:
    """A sheet's totals on its own values and on the effective ones."""

    own: SheetTotals
    effective: SheetTotals


def pair(tree: TableTree, scores: Iterable[ScoreLike]) -> TotalsPair:
    listed = list(scores)
    return TotalsPair(totals(tree, listed, reviewed=False), totals(tree, listed, reviewed=True))


def group_by_sheet(scores: Iterable[ScoreValues]) -> dict[int, list[ScoreValues]]:
    by_sheet: dict[int, list[ScoreValues]] = defaultdict(list)
    for score in scores:
        by_sheet[score.sheet_id].append(score)
    return by_sheet


@dataclass
class YearScores:
    """A table's tree, the sheets asked for, and their scores grouped by sheet, read once
    (scores as plain tuples: whole years hold thousands)."""

    table: ScoringTable
    tree: TableTree
    sheets: list[ScoreSheet]
    by_sheet: dict[int, list[ScoreValues]] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        table: ScoringTable,
        sheets: Iterable[ScoreSheet] | None = None,
        *,
        tree: TableTree | None = None,
    ) -> YearScores:
        """Every sheet of the table (with its unit) unless ``sheets`` are given: 3 queries,
        whatever the number of units or criteria (fewer when the tree is given)."""
        if sheets is None:
            sheets = ScoreSheet.objects.filter(table=table).select_related("unit")
        sheets = list(sheets)
        scores = ScoreValues.of(Score.objects.filter(sheet__in=[s.pk for s in sheets]))
        return cls(table, tree or table.tree(), sheets, group_by_sheet(scores))

    def scores_of(self, sheet: ScoreSheet) -> list[ScoreValues]:
        return self.by_sheet.get(sheet.pk, [])

    def totals_of(self, sheet: ScoreSheet) -> TotalsPair:
        return pair(self.tree, self.scores_of(sheet))

    def all_totals(self) -> dict[int, TotalsPair]:
        """Each sheet's pair of totals, by sheet pk."""
        return {sheet.pk: self.totals_of(sheet) for sheet in self.sheets}
