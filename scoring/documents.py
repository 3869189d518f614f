"""The scoring table's printed documents: the published table and the blank scoring form."""

from __future__ import annotations

from django.utils import timezone

from clusters.models import Unit
from documents.formatting import place_of
from documents.kinds import DOTS, DocumentKind, document_header, kinds_by_slug

from .models import ScoreSheet, ScoringTable
from .totals import pair

DOCUMENTS = kinds_by_slug(
    DocumentKind(
        "bang-diem", "scoring/print/table.html", "Bảng chấm điểm thi đua", "bang-cham-diem"
    ),
    DocumentKind(
        "phieu-cham",
        "scoring/print/blank_form.html",
        "Phiếu chấm điểm (để trống)",
        "phieu-cham-diem",
    ),
)
# A unit's filled sheet (printed from the sheet page and in the year's bundle).
SHEET_DOCUMENT = DocumentKind(
    "phieu-don-vi", "scoring/print/sheet.html", "Phiếu chấm điểm", "phieu-cham-diem"
)


def load_for_print(cluster_year_pk: int) -> ScoringTable:
    return ScoringTable.objects.select_related("cluster_year__cluster__authority").get(
        cluster_year_id=cluster_year_pk
    )


def unit_issuer(unit: Unit) -> str:
    """A member unit as the issuing body of its sheet: its People's Committee."""
    return unit.name if unit.kind == Unit.Kind.AGENCY else f"UBND {unit.name}"


def unit_signature(unit: Unit | None) -> dict:
    """Who signs a unit's sheet: its chair for the People's Committee (a dotted blank for
    the name when the unit's head is not recorded)."""
    if unit is not None and unit.kind == Unit.Kind.AGENCY:
        return {"title": (unit.head_title or "Thủ trưởng đơn vị").upper(), "name": unit.head_name}
    return {
        "authority_line": "TM. ỦY BAN NHÂN DÂN",
        "title": "CHỦ TỊCH",
        "name": unit.head_name if unit else "",
    }


def document_context(table: ScoringTable, *, unit: Unit | None = None) -> dict:
    """What both documents print (2 queries with the table: the criteria, and none more). The
    table is dated as entered (the day it was adopted), never the day it is printed; the blank
    form leaves its date to the unit."""
    cluster_year = table.cluster_year
    cluster = cluster_year.cluster
    authority = cluster.authority
    tree = table.tree()
    return {
        "table": table,
        "tree": tree,
        "year": cluster_year.year,
        "cluster": cluster,
        "unit": unit,
        "header": document_header(
            issuer_parent=authority.short_name or authority.name,
            issuer=cluster.name,
            place=authority.place_name,
            date=table.date,
            year=cluster_year.year,
        ),
        "blank_header": document_header(
            issuer_parent=authority.short_name or authority.name,
            issuer=unit_issuer(unit) if unit else f"ĐƠN VỊ: {DOTS}",
            place=place_of(unit.name) if unit else DOTS,
            year=cluster_year.year,
        ),
        "unit_block": unit_signature(unit),
    }


def sheet_document_context(sheet: ScoreSheet) -> dict:
    """What a unit's filled score sheet prints (its scores in 2 queries with the tree). It is
    dated the day the unit submitted it (a blank for the date while it has not)."""
    table = sheet.table
    cluster_year = table.cluster_year
    authority = cluster_year.cluster.authority
    tree = table.tree()
    scores = sheet.scores_in_order()
    by_criterion = {score.criterion_id: score for score in scores}
    totals = pair(tree, scores)
    handed_in = sheet.submitted_at and sheet.status not in (
        ScoreSheet.Status.DRAFT,
        ScoreSheet.Status.RETURNED,
    )
    return {
        "sheet": sheet,
        "table": table,
        "year": cluster_year.year,
        "cluster": cluster_year.cluster,
        "rows": [(node, by_criterion.get(node.criterion.pk)) for node in tree.rows],
        "own": totals.own,
        "effective": totals.effective,
        "header": document_header(
            issuer_parent=authority.short_name or authority.name,
            issuer=unit_issuer(sheet.unit),
            place=place_of(sheet.unit.name),
            date=timezone.localtime(sheet.submitted_at).date() if handed_in else None,
            year=cluster_year.year,
        ),
        "unit_block": unit_signature(sheet.unit),
    }
