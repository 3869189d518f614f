"""The scoring table (biểu chấm điểm) of a cluster-year: a tree of criteria with points, bonus
and deductions, adopted at the signing conference and then frozen."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clusters.models import ClusterYear, default_tier_bands, validate_tier_bands

ZERO = Decimal("0")


def default_tie_break() -> list[str]:
    """Visible, editable tie-break order: higher total of the score criteria (bonus and
    deductions left out), then fewer deduction points."""
    return ["score_total", "fewer_deductions"]


TIE_BREAK_RULES = {
    "score_total": _("higher total of the score criteria (without bonus and deductions)"),
    "fewer_deductions": _("fewer deduction points"),
    "more_bonus": _("more bonus points"),
}


# How each rule is written in the settings form and in Excel (Vietnamese, one per line).
TIE_BREAK_WORDS = {
    "score_total": "tổng điểm chấm",
    "fewer_deductions": "ít điểm trừ hơn",
    "more_bonus": "nhiều điểm thưởng hơn",
}


def tie_break_to_words(rules: list[str]) -> list[str]:
    return [
        f"phần {rule[8:]}" if rule.startswith("section:") else TIE_BREAK_WORDS.get(rule, rule)
        for rule in rules
    ]


def tie_break_from_words(lines: list[str]) -> tuple[list[str], list[str]]:
    """Rules from their Vietnamese words (or their keys); returns (rules, unreadable lines)."""
    from clusters.text import fold

    by_word = {fold(word): rule for rule, word in TIE_BREAK_WORDS.items()}
    by_word.update({rule: rule for rule in TIE_BREAK_WORDS})
    rules, bad = [], []
    for line in lines:
        folded = fold(line)
        if not folded:
            continue
        if folded.startswith(("phan ", "section:")):
            code = line.strip().replace(":", " ").split(None, 1)[1].strip().upper()
            rules.append(f"section:{code}")
        elif folded in by_word:
            rules.append(by_word[folded])
        else:
            bad.append(line.strip())
    return rules, bad


def describe_tie_break(rule: str) -> str:
    if rule.startswith("section:"):
        return _("higher subtotal of section %(code)s") % {"code": rule.split(":", 1)[1]}
    return str(TIE_BREAK_RULES.get(rule, rule))


def validate_tie_break(value) -> None:
    if not isinstance(value, list):
        raise ValidationError(_("The tie-break order must be a list."))
    for rule in value:
        if not isinstance(rule, str) or not (
            rule in TIE_BREAK_RULES or (rule.startswith("section:") and rule[8:].strip())
        ):
            raise ValidationError(_("Unknown tie-break rule: %(rule)s") % {"rule": rule})


class TableLocked(PermissionDenied):
    """A change the table's status does not allow (answered as 403 with this message)."""


TABLE_WORDING_FIELDS = frozenset({"title", "legal_bases", "updated_at"})


class ScoringTableQuerySet(models.QuerySet):
    """Bulk paths (admin actions, .update(), .delete()) obey the same freeze as save()."""

    def update(self, **kwargs):
        statuses = set(self.values_list("status", flat=True))
        if "closed" in statuses or (
            "published" in statuses and not set(kwargs) <= TABLE_WORDING_FIELDS
        ):
            raise TableLocked(_("The table is published: its settings are frozen."))
        return super().update(**kwargs)

    def delete(self):
        if self.exclude(status="draft").exists():
            raise TableLocked(_("Only a draft table can be deleted."))
        return super().delete()


def _locked(queryset):
    """Lock the rows read inside a transaction (PostgreSQL), so that publishing and editing
    cannot interleave between a check and a write."""
    if transaction.get_connection().in_atomic_block:
        return queryset.select_for_update()
    return queryset


class ScoringTable(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        CLOSED = "closed", _("closed")

    cluster_year = models.OneToOneField(
        ClusterYear,
        on_delete=models.PROTECT,
        related_name="scoring_table",
        verbose_name=_("cluster year"),
    )
    title = models.CharField(_("title"), max_length=255)
    legal_bases = models.TextField(
        _("legal bases"), blank=True, help_text=_("One per line; copied from last year's table.")
    )
    nominal_total = models.DecimalField(
        _("nominal total"),
        max_digits=7,
        decimal_places=2,
        default=Decimal("100"),
        validators=[MinValueValidator(Decimal("1"))],
        help_text=_("What the score criteria add up to (bonus and deductions aside)."),
    )
    bonus_cap = models.DecimalField(
        _("bonus cap"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("5"),
        validators=[MinValueValidator(ZERO)],
        help_text=_("The most bonus points a unit can get in total."),
    )
    deduction_cap = models.DecimalField(
        _("deduction cap"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("10"),
        validators=[MinValueValidator(ZERO)],
        help_text=_("The most points that can be taken away from a unit in total."),
    )
    tie_break = models.JSONField(
        _("tie-break order"), default=default_tie_break, blank=True, validators=[validate_tie_break]
    )
    tier_bands = models.JSONField(
        _("tier bands"), default=default_tier_bands, blank=True, validators=[validate_tier_bands]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(history_change_reason_field=models.TextField(null=True))
    objects = ScoringTableQuerySet.as_manager()

    class Meta:
        verbose_name = _("scoring table")
        verbose_name_plural = _("scoring tables")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        stored = self.status_in_database() if self.pk else None
        if stored == self.Status.CLOSED and not getattr(self, "_transition", False):
            raise TableLocked(_("The table is closed: nothing in it can change."))
        if stored == self.Status.PUBLISHED and not getattr(self, "_transition", False):
            update_fields = kwargs.get("update_fields")
            if update_fields is None or not set(update_fields) <= TABLE_WORDING_FIELDS:
                raise TableLocked(
                    _("The table is published: its settings are frozen. Only wording can be fixed.")
                )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status_in_database() != self.Status.DRAFT:
            raise TableLocked(_("Only a draft table can be deleted."))
        return super().delete(*args, **kwargs)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    def status_in_database(self) -> str | None:
        return (
            _locked(ScoringTable.objects.filter(pk=self.pk))
            .values_list("status", flat=True)
            .first()
        )

    def ensure_structure_changeable(self) -> None:
        if self.status_in_database() != self.Status.DRAFT:
            raise TableLocked(
                _("The table is published: its structure is frozen. Only wording can be fixed.")
            )

    def ensure_wording_changeable(self) -> None:
        if self.status_in_database() == self.Status.CLOSED:
            raise TableLocked(_("The table is closed: nothing in it can change."))

    # --- The tree -------------------------------------------------------------------------

    def tree(self) -> TableTree:
        """All criteria as a tree with totals and problems (one query)."""
        return TableTree.build(self, list(self.criteria.order_by("position", "pk")))

    # --- Status ---------------------------------------------------------------------------

    def _set_status(self, status: str, **fields) -> None:
        """Save the new status (and its date) only: nothing else a stale object holds."""
        self.status = status
        for name, value in fields.items():
            setattr(self, name, value)
        self._transition = True
        try:
            self.save(update_fields=["status", *fields, "updated_at"])
        finally:
            self._transition = False

    @transaction.atomic
    def publish(self) -> None:
        if self.status_in_database() != self.Status.DRAFT:
            raise ValidationError(_("Only a draft table can be published."))
        problems = self.tree().problems
        if problems:
            raise ValidationError(
                [_("The table cannot be published yet:")] + [str(p) for p in problems]
            )
        self._set_status(self.Status.PUBLISHED, published_at=timezone.now())

    @transaction.atomic
    def reopen(self, *, reason: str) -> None:
        """Staff reopen closed (finalised) results; the reason stays in the history."""
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError(_("Write why the results are reopened."))
        if self.status_in_database() != self.Status.CLOSED:
            raise ValidationError(_("Only closed results can be reopened."))
        self._change_reason = reason
        self._set_status(self.Status.PUBLISHED, closed_at=None)

    @transaction.atomic
    def close(self, *, reason: str = "") -> None:
        if self.status_in_database() != self.Status.PUBLISHED:
            raise ValidationError(_("Only a published table can be closed."))
        self._change_reason = reason or None
        self._set_status(self.Status.CLOSED, closed_at=timezone.now())


# What may still be corrected in a published table (with history).
WORDING_FIELDS = ("text", "guidance")


class CriterionQuerySet(models.QuerySet):
    """Bulk paths obey the same freeze as save() and delete()."""

    def _statuses(self) -> set[str]:
        return set(self.values_list("table__status", flat=True).distinct())

    def update(self, **kwargs):
        if "table" in kwargs or "table_id" in kwargs:
            raise TableLocked(_("A criterion cannot move to another table."))
        statuses = self._statuses()
        if ScoringTable.Status.CLOSED in statuses or (
            ScoringTable.Status.PUBLISHED in statuses and not set(kwargs) <= set(WORDING_FIELDS)
        ):
            raise TableLocked(_("The table is published: its structure is frozen."))
        return super().update(**kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        table_ids = {obj.table_id for obj in objs}
        if ScoringTable.objects.filter(pk__in=table_ids).exclude(status="draft").exists():
            raise TableLocked(_("The table is published: its structure is frozen."))
        return super().bulk_create(objs, *args, **kwargs)

    def delete(self):
        if self._statuses() - {ScoringTable.Status.DRAFT}:
            raise TableLocked(_("The table is published: its structure is frozen."))
        return super().delete()


class Criterion(models.Model):
    class Kind(models.TextChoices):
        SCORE = "score", _("score")
        BONUS = "bonus", _("bonus")
        DEDUCTION = "deduction", _("deduction")

    table = models.ForeignKey(
        ScoringTable, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("table")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    code = models.CharField(_("code"), max_length=20, help_text=_('e.g. "I", "1", "1.1", "a"'))
    text = models.TextField(_("content"))
    guidance = models.TextField(_("scoring guidance"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SCORE)
    max_points = models.DecimalField(
        _("max points"), max_digits=7, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    step = models.DecimalField(
        _("step"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.5"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Scores are multiples of this, e.g. 0,25 or 0,5 or 1."),
    )
    evidence_required = models.BooleanField(_("evidence required"), default=False)

    history = HistoricalRecords()
    objects = CriterionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")

    def __str__(self) -> str:
        return f"{self.code}. {self.text[:60]}"

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        wording_only = update_fields is not None and set(update_fields) <= set(WORDING_FIELDS)
        if wording_only or (self.pk is not None and not self._structure_changed()):
            self.table.ensure_wording_changeable()
        else:
            self.table.ensure_structure_changeable()
        super().save(*args, **kwargs)

    def _structure_changed(self) -> bool:
        fields = [
            "table_id", "parent_id", "position", "code", "kind", "max_points", "step",
            "evidence_required",
        ]  # fmt: skip
        stored = Criterion.objects.filter(pk=self.pk).values(*fields).first()
        if stored is None:
            return True
        if stored["table_id"] != self.table_id:
            raise TableLocked(_("A criterion cannot move to another table."))
        return any(stored[name] != getattr(self, name) for name in fields)

    def delete(self, *args, **kwargs):
        self.table.ensure_structure_changeable()
        return super().delete(*args, **kwargs)


# --- The tree, its totals and its problems --------------------------------------------------


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
            if node.children and node.children_total != criterion.max_points:
                problems.append(
                    Problem(
                        str(
                            _("the max points %(max)s differ from the sum of its parts %(sum)s.")
                            % {
                                "max": _fmt(criterion.max_points),
                                "sum": _fmt(node.children_total),
                            }
                        ),
                        criterion,
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
    from clusters.fields import format_decimal

    return format_decimal(Decimal(value))


from .ballot_models import Ballot, BallotCount  # noqa: E402, F401 - models of this app
from .sheet_models import Evidence, Score, ScoreSheet  # noqa: E402, F401 - models of this app
