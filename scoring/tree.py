"""A table's criteria as a tree, with the maxima it adds up to and the rules it does not hold
yet (which block publishing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.utils.translation import gettext_lazy as _

from core.numbers import format_decimal

from .models import Criterion, ScoringTable

ZERO = Decimal("0")


@dataclass
class Node:
    criterion: Criterion
    depth: int
    children: list[Node] = field(default_factory=list)

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def children_total(self) -> Decimal:
        return sum((child.criterion.max_points for child in self.children), ZERO)


@dataclass
class Problem:
    """A rule the table does not hold yet (shown as a warning; blocks publishing)."""

    message: str
    criterion: Criterion | None = None

    def __str__(self) -> str:
        if self.criterion is not None:
            return f"{self.criterion.code}: {self.message}"
        return self.message


@dataclass
class TableTree:
    table: ScoringTable
    roots: list[Node]
    rows: list[Node]  # depth-first, in print order
    problems: list[Problem]
    totals: dict[str, Decimal]

    @classmethod
    def build(cls, table: ScoringTable, criteria: list[Criterion]) -> TableTree:
        nodes = {c.pk: Node(c, 0) for c in criteria}
        roots: list[Node] = []
        for criterion in criteria:
            node = nodes[criterion.pk]
            parent = nodes.get(criterion.parent_id)
            (parent.children if parent else roots).append(node)
        rows: list[Node] = []

        def walk(items: list[Node], depth: int) -> None:
            for node in items:
                node.depth = depth
                rows.append(node)
                walk(node.children, depth + 1)

        walk(roots, 0)
        totals = {
            kind: sum((n.criterion.max_points for n in roots if n.criterion.kind == kind), ZERO)
            for kind in Criterion.Kind.values
        }
        tree = cls(table, roots, rows, [], totals)
        tree.problems = tree._check()
        return tree

    @cached_property
    def root_of(self) -> dict[int, int]:
        """Each criterion's section (root criterion), by pk."""
        root_of: dict[int, int] = {}
        for root in self.roots:
            stack = [root]
            while stack:
                node = stack.pop()
                root_of[node.criterion.pk] = root.criterion.pk
                stack.extend(node.children)
        return root_of

    def _check(self) -> list[Problem]:
        problems: list[Problem] = []
        table = self.table
        if not self.rows:
            return [Problem(str(_("The table has no criteria yet.")))]
        siblings: dict[int | None, set[str]] = {}
        for node in self.rows:
            criterion = node.criterion
            seen = siblings.setdefault(criterion.parent_id, set())
            code = criterion.code.strip().casefold()
            if not code:
                problems.append(Problem(str(_("the code is empty.")), criterion))
            elif code in seen:
                problems.append(
                    Problem(str(_("another criterion at the same level has this code.")), criterion)
                )
            seen.add(code)
            if criterion.max_points <= 0:
                problems.append(Problem(str(_("the max points must be more than 0.")), criterion))
            elif node.is_leaf and criterion.step > 0 and (criterion.max_points % criterion.step):
                problems.append(
                    Problem(
                        str(
                            _("the max points %(max)s are not a multiple of the step %(step)s.")
                            % {
                                "max": _fmt(criterion.max_points),
                                "step": _fmt(criterion.step),
                            }
                        ),
                        criterion,
                    )
                )
            for child in node.children:
                if child.criterion.kind != criterion.kind:
                    problems.append(
                        Problem(
                            str(
                                _("its kind differs from the kind of its parent %(code)s.")
                                % {"code": criterion.code}
                            ),
                            child.criterion,
                        )
                    )
            if criterion.kind == Criterion.Kind.SCORE:
                if node.children and node.children_total != criterion.max_points:
                    problems.append(
                        Problem(
                            str(
                                _(
                                    "the max points %(max)s differ from the sum of its parts "
                                    "%(sum)s."
                                )
                                % {
                                    "max": _fmt(criterion.max_points),
                                    "sum": _fmt(node.children_total),
                                }
                            ),
                            criterion,
                        )
                    )
            else:
                # A bonus or deduction heading is a cap: its items' maxima may add up to more
                # (it counts at most its own), but no item may be worth more than the cap.
                for child in node.children:
                    if child.criterion.max_points > criterion.max_points:
                        problems.append(
                            Problem(
                                str(
                                    _(
                                        "its max points %(max)s exceed the cap %(cap)s of "
                                        "its heading %(code)s."
                                    )
                                    % {
                                        "max": _fmt(child.criterion.max_points),
                                        "cap": _fmt(criterion.max_points),
                                        "code": criterion.code,
                                    }
                                ),
                                child.criterion,
                            )
                        )
        if self.totals[Criterion.Kind.SCORE] != table.nominal_total:
            problems.append(
                Problem(
                    str(
                        _("The score criteria add up to %(sum)s, not the nominal total %(total)s.")
                        % {
                            "sum": _fmt(self.totals[Criterion.Kind.SCORE]),
                            "total": _fmt(table.nominal_total),
                        }
                    )
                )
            )
        for kind, cap, label in (
            (Criterion.Kind.BONUS, table.bonus_cap, _("bonus")),
            (Criterion.Kind.DEDUCTION, table.deduction_cap, _("deduction")),
        ):
            if self.totals[kind] > 0 and cap <= 0:
                problems.append(
                    Problem(
                        str(
                            _("The table has %(kind)s criteria but its %(kind)s cap is 0.")
                            % {"kind": label}
                        )
                    )
                )
            for node in self.roots:
                if node.criterion.kind == kind and node.criterion.max_points > cap > 0:
                    problems.append(
                        Problem(
                            str(
                                _("its max points exceed the table's %(kind)s cap %(cap)s.")
                                % {"kind": label, "cap": _fmt(cap)}
                            ),
                            node.criterion,
                        )
                    )
        return problems

    def section_totals(self) -> list[tuple[Criterion, Decimal]]:
        return [(node.criterion, node.criterion.max_points) for node in self.roots]


def _fmt(value: Decimal) -> str:
    return format_decimal(Decimal(value))
