"""The scoring table's printed documents: the published table and the blank scoring form."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from clusters.models import Unit

from .models import ScoringTable


@dataclass(frozen=True)
class DocumentKind:
    slug: str
    template: str
    label: str  # Vietnamese, as printed
    filename: str


DOCUMENTS = {
    "bang-diem": DocumentKind(
        "bang-diem", "scoring/print/table.html", "Bảng chấm điểm thi đua", "bang-cham-diem"
    ),
    "phieu-cham": DocumentKind(
        "phieu-cham",
        "scoring/print/blank_form.html",
        "Phiếu chấm điểm (để trống)",
        "phieu-cham-diem",
    ),
}


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
        "header": {
            "issuer_parent": (authority.short_name or authority.name).upper(),
            "issuer": cluster.name.upper(),
            "number": None,
            "place": authority.place_name,
            "date": published,
            "year": cluster_year.year,
        },
        "blank_header": {
            "issuer_parent": (authority.short_name or authority.name).upper(),
            "issuer": (f"UBND {unit.name}" if unit else "ĐƠN VỊ: ……………………").upper(),
            "number": None,
            "place": "……………",
            "date": None,
            "year": cluster_year.year,
        },
        "unit_block": {
            "unit_line": "",
            "authority_line": "TM. ỦY BAN NHÂN DÂN",
            "title": "CHỦ TỊCH",
            "name": unit.head_name if unit else "",
        },
    }
