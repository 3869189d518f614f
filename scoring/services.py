"""Multi-model workflows of the scoring table: create, copy, edit the tree, import rows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from clusters.models import ClusterYear

from .models import Criterion, ScoringTable


def _table_defaults(cluster_year: ClusterYear) -> dict:
    return {"title": f"Bảng chấm điểm thi đua năm {cluster_year.year}"}


@transaction.atomic
def create_table(cluster_year: ClusterYear) -> ScoringTable:
    if ScoringTable.objects.filter(cluster_year=cluster_year).exists():
        raise ValidationError(_("This year already has a scoring table."))
    table = ScoringTable(cluster_year=cluster_year, **_table_defaults(cluster_year))
    table.full_clean()
    table.save()
    return table


def previous_tables(cluster_year: ClusterYear):
    """Earlier tables one may copy: the same authority's, the cluster's own last year first."""
    tables = (
        ScoringTable.objects.filter(
            cluster_year__cluster__authority_id=cluster_year.cluster.authority_id,
            cluster_year__year__lte=cluster_year.year,
        )
        .exclude(cluster_year=cluster_year)
        .select_related("cluster_year__cluster")
    )
    return sorted(
        tables,
        key=lambda t: (
            t.cluster_year.cluster_id != cluster_year.cluster_id,
            -t.cluster_year.year,
            t.cluster_year.cluster.name,
        ),
    )


@dataclass
class Row:
    """One criterion to create: its parent is the row at ``parent_index`` (None for a root)."""

    code: str
    text: str
    guidance: str
    kind: str
    max_points: Decimal
    step: Decimal
    evidence_required: bool
    parent_index: int | None


def rows_of(table: ScoringTable) -> list[Row]:
    """The table's criteria as rows in print order (for copying and exporting)."""
    tree = table.tree()
    index_of = {node.criterion.pk: i for i, node in enumerate(tree.rows)}
    return [
        Row(
            code=n.criterion.code,
            text=n.criterion.text,
            guidance=n.criterion.guidance,
            kind=n.criterion.kind,
            max_points=n.criterion.max_points,
            step=n.criterion.step,
            evidence_required=n.criterion.evidence_required,
            parent_index=index_of.get(n.criterion.parent_id),
        )
        for n in tree.rows
    ]


@transaction.atomic
def replace_criteria(table: ScoringTable, rows: list[Row]) -> None:
    """Replace every criterion of a draft table by ``rows`` (all or nothing)."""
    table.ensure_structure_changeable()
    table.criteria.all().delete()
    created: list[Criterion] = []
    for position, row in enumerate(rows, start=1):
        criterion = Criterion(
            table=table,
            parent=created[row.parent_index] if row.parent_index is not None else None,
            position=position * 10,
            code=row.code,
            text=row.text,
            guidance=row.guidance,
            kind=row.kind,
            max_points=row.max_points,
            step=row.step,
            evidence_required=row.evidence_required,
        )
        criterion.full_clean(exclude=["table", "parent"])
        criterion.save()
        created.append(criterion)


SETTINGS_FIELDS = ("legal_bases", "nominal_total", "bonus_cap", "deduction_cap", "tie_break")


@transaction.atomic
def copy_table(source: ScoringTable, *, to_cluster_year: ClusterYear) -> ScoringTable:
    """This year's draft table from an earlier one: settings and the whole tree; the title's
    "năm YYYY" moves to this year. Replaces the criteria of this year's draft, if any."""
    table = ScoringTable.objects.filter(cluster_year=to_cluster_year).first()
    if table is None:
        table = ScoringTable(cluster_year=to_cluster_year, **_table_defaults(to_cluster_year))
    else:
        table.ensure_structure_changeable()
    old, new = source.cluster_year.year, to_cluster_year.year
    table.title = re.sub(rf"(\b[Nn]ăm\s+){old}\b", rf"\g<1>{new}", source.title)
    for name in SETTINGS_FIELDS:
        setattr(table, name, getattr(source, name))
    table.full_clean()
    table.save()
    replace_criteria(table, rows_of(source))
    return table


# --- Editing the tree ---------------------------------------------------------------------


def _siblings(criterion: Criterion) -> list[Criterion]:
    return list(
        Criterion.objects.filter(
            table_id=criterion.table_id, parent_id=criterion.parent_id
        ).order_by("position", "pk")
    )


def _renumber(items: list[Criterion]) -> None:
    for index, item in enumerate(items, start=1):
        item.position = index * 10
    bulk_update_with_history(items, Criterion, ["position"])


@transaction.atomic
def add_criterion(criterion: Criterion, *, after: Criterion | None = None) -> Criterion:
    """Save a new criterion among its siblings, after ``after`` (at the end by default)."""
    criterion.table.ensure_structure_changeable()
    siblings = _siblings(criterion)
    index = next((i + 1 for i, s in enumerate(siblings) if after and s.pk == after.pk), None)
    criterion.position = 0
    criterion.save()
    siblings.insert(len(siblings) if index is None else index, criterion)
    _renumber(siblings)
    return criterion


@transaction.atomic
def move(criterion: Criterion, *, up: bool) -> None:
    criterion.table.ensure_structure_changeable()
    siblings = _siblings(criterion)
    index = next(i for i, s in enumerate(siblings) if s.pk == criterion.pk)
    target = index - 1 if up else index + 1
    if 0 <= target < len(siblings):
        siblings[index], siblings[target] = siblings[target], siblings[index]
        _renumber(siblings)


@transaction.atomic
def indent(criterion: Criterion) -> None:
    """Make the criterion the last child of the sibling above it."""
    criterion.table.ensure_structure_changeable()
    siblings = _siblings(criterion)
    index = next(i for i, s in enumerate(siblings) if s.pk == criterion.pk)
    if index == 0:
        raise ValidationError(_("There is no criterion above at the same level to indent under."))
    new_parent = siblings[index - 1]
    last = new_parent.children.order_by("-position").first()
    criterion.parent = new_parent
    criterion.position = (last.position if last else 0) + 10
    criterion.save()
    _renumber([s for s in siblings if s.pk != criterion.pk])


@transaction.atomic
def outdent(criterion: Criterion) -> None:
    """Make the criterion a sibling of its parent, right after it."""
    criterion.table.ensure_structure_changeable()
    parent = criterion.parent
    if parent is None:
        raise ValidationError(_("The criterion is already at the top level."))
    old_siblings = [s for s in _siblings(criterion) if s.pk != criterion.pk]
    criterion.parent = parent.parent
    criterion.save()
    new_siblings = [s for s in _siblings(parent) if s.pk != criterion.pk]
    index = next(i for i, s in enumerate(new_siblings) if s.pk == parent.pk)
    new_siblings.insert(index + 1, criterion)
    _renumber(new_siblings)
    _renumber(old_siblings)


@transaction.atomic
def delete(criterion: Criterion) -> int:
    """Delete a criterion and everything under it; returns how many went."""
    criterion.table.ensure_structure_changeable()
    descendants = _descendant_ids(criterion)
    Criterion.objects.filter(pk__in=descendants).delete()
    criterion.delete()
    return len(descendants) + 1


def _descendant_ids(criterion: Criterion) -> list[int]:
    ids, frontier = [], [criterion.pk]
    while frontier:
        frontier = list(
            Criterion.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
        )
        ids.extend(frontier)
    return ids


@transaction.atomic
def import_rows(
    cluster_year: ClusterYear, rows: list[Row], settings: dict, *, year_settings: bool = True
) -> ScoringTable:
    """Create or replace this year's draft table from imported rows and settings. The tier
    bands a workbook carries are the year's setting: set only with ``year_settings`` (staff)."""
    table = ScoringTable.objects.filter(cluster_year=cluster_year).first()
    if table is None:
        table = ScoringTable(cluster_year=cluster_year, **_table_defaults(cluster_year))
    else:
        table.ensure_structure_changeable()
    if settings.get("title"):
        table.title = settings["title"]
    for name in SETTINGS_FIELDS:
        if name in settings:
            setattr(table, name, settings[name])
    table.full_clean()
    table.save()
    replace_criteria(table, rows)
    if year_settings and settings.get("tier_bands", cluster_year.tier_bands) != (
        cluster_year.tier_bands
    ):
        # The bands are the year's setting (one source for the page and the ranking).
        cluster_year.tier_bands = settings["tier_bands"]
        cluster_year.full_clean()
        cluster_year._change_reason = _("Tier bands imported with the scoring table")
        cluster_year.save(update_fields=["tier_bands", "updated_at"])
    return table


def preview_tree(table: ScoringTable, rows: list[Row]):
    """The tree, totals and problems rows would give, without saving anything."""
    from .tree import TableTree

    criteria = []
    for index, row in enumerate(rows, start=1):
        criterion = Criterion(
            table=table,
            code=row.code,
            text=row.text,
            guidance=row.guidance,
            kind=row.kind,
            max_points=row.max_points,
            step=row.step,
            evidence_required=row.evidence_required,
            position=index,
        )
        # Temporary identities for the tree only: these objects are never saved.
        criterion.pk = index
        criterion.parent_id = row.parent_index + 1 if row.parent_index is not None else None
        criteria.append(criterion)
    return TableTree.build(table, criteria)
