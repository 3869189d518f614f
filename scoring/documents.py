"""The scoring table's printed documents: the published table and the blank scoring form."""

from __future__ import annotations

from django.utils import timezone

from clusters.models import Unit
from documents.kinds import DocumentKind, document_header, kinds_by_slug

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


def document_context(table: ScoringTable, *, unit: Unit | None = None) -> dict:
    """What both documents print (2 queries with the table: the criteria, and none more)."""
    cluster_year = table.cluster_year
    cluster = cluster_year.cluster
    authority = cluster.authority
    tree = table.tree()
    published = timezone.localtime(table.published_at).date() if table.published_at else None
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
            date=published,
            year=cluster_year.year,
        ),
        "blank_header": document_header(
            issuer_parent=authority.short_name or authority.name,
            issuer=f"UBND {unit.name}" if unit else "ĐƠN VỊ: ……………………",
            year=cluster_year.year,
        ),
        "unit_block": {
            "unit_line": "",
            "authority_line": "TM. ỦY BAN NHÂN DÂN",
            "title": "CHỦ TỊCH",
            "name": unit.head_name if unit else "",
        },
    }


def sheet_document_context(sheet: ScoreSheet) -> dict:
    """What a unit's filled score sheet prints (its scores in 2 queries with the tree)."""
    table = sheet.table
    cluster_year = table.cluster_year
    authority = cluster_year.cluster.authority
    tree = table.tree()
    scores = sheet.scores_in_order()
    by_criterion = {score.criterion_id: score for score in scores}
    totals = pair(tree, scores)
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
            issuer=f"UBND {sheet.unit.name}",
            year=cluster_year.year,
        ),
        "unit_block": {
            "authority_line": "TM. ỦY BAN NHÂN DÂN",
            "title": "CHỦ TỊCH",
            "name": sheet.unit.head_name,
        },
    }
