"""Multi-model workflows of the covenant: create, copy from last year, refresh signatories."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from clusters.models import ClusterYear, Membership, Unit
from core.text import vn_sort_key

from .models import Clause, Pledge, Signatory

# The skeleton of a new covenant: editable sections, not rules. (kind, text)
SKELETON = [
    ("section", "Mục tiêu chung"),
    (
        "item",
        "Đoàn kết, hợp tác, học tập và giúp đỡ lẫn nhau; phấn đấu hoàn thành toàn diện các "
        "chỉ tiêu, nhiệm vụ phát triển kinh tế - xã hội năm {year}.",
    ),
    ("section", "Chỉ tiêu, nhiệm vụ trọng tâm"),
    ("heading", "Phát triển kinh tế"),
    ("heading", "Văn hóa - xã hội"),
    ("heading", "Quốc phòng - an ninh"),
    ("heading", "Cải cách hành chính, chuyển đổi số"),
    ("heading", "Xây dựng Đảng, chính quyền và hệ thống chính trị"),
    ("heading", "Công tác thi đua, khen thưởng"),
    ("section", "Cam kết của các đơn vị"),
    ("numbered", "100% cán bộ, công chức hoàn thành tốt nhiệm vụ được giao."),
    ("numbered", "Không có cán bộ, công chức bị xử lý kỷ luật."),
    ("section", "Các phong trào thi đua"),
    ("section", "Đăng ký danh hiệu thi đua"),
    ("item", "Các đơn vị đăng ký danh hiệu thi đua năm {year} theo danh sách kèm theo."),
]

DEFAULT_CLOSING = [
    "Bản giao ước thi đua có hiệu lực kể từ ngày ký. Các đơn vị thành viên trong Cụm có trách "
    "nhiệm tổ chức thực hiện; Cụm trưởng tổng hợp, đánh giá kết quả thực hiện cuối năm.",
]


def _upper(text: str) -> str:
    return (text or "").strip().upper()


def signatory_defaults(membership: Membership) -> dict:
    """How a member unit signs, from its membership (representative) or its head."""
    unit = membership.unit
    title = membership.signer_title or unit.head_title or "Chủ tịch"
    # "Chủ tịch UBND xã" is printed "CHỦ TỊCH" under "TM. ỦY BAN NHÂN DÂN".
    title = re.split(r"\s+(UBND|Ủy ban|ủy ban)\b", title, maxsplit=1)[0]
    is_local_government = unit.kind != Unit.Kind.AGENCY
    authority_line = "TM. ỦY BAN NHÂN DÂN" if is_local_government else ""
    if is_local_government and title.strip().lower().startswith("phó chủ tịch"):
        authority_line += "\nKT. CHỦ TỊCH"  # a vice-chair signs on behalf of the chair
    return {
        "role": membership.role,
        "position": membership.position,
        "unit_name": unit.name,
        "unit_line": _upper(f"UBND {unit.name}" if is_local_government else unit.name),
        "authority_line": authority_line,
        "signer_title": _upper(title),
        "signer_name": membership.signer_name,
    }


def _signing_order(memberships):
    rank = {Membership.Role.LEADER: 0, Membership.Role.DEPUTY: 1, Membership.Role.MEMBER: 2}
    return sorted(memberships, key=lambda m: (rank[m.role], m.position, vn_sort_key(m.unit.name)))


@transaction.atomic
def sync_signatories(pledge: Pledge) -> tuple[int, int]:
    """One signatory per member unit (leader first, then deputy, then by position): add the
    missing, remove units that left, reorder. Printed names already edited are kept.
    Returns (added, removed)."""
    pledge.ensure_changeable()
    memberships = _signing_order(pledge.cluster_year.memberships.select_related("unit"))
    existing = {s.unit_id: s for s in pledge.signatories.all()}
    added = 0
    for order, membership in enumerate(memberships, start=1):
        signatory = existing.pop(membership.unit_id, None)
        if signatory is None:
            signatory = Signatory(pledge=pledge, unit=membership.unit)
            for field, value in signatory_defaults(membership).items():
                setattr(signatory, field, value)
            added += 1
        signatory.role = membership.role
        signatory.position = order
        signatory.save()
    removed = len(existing)
    for signatory in existing.values():
        signatory.delete()
    return added, removed


def _new_pledge(cluster_year: ClusterYear, **fields) -> Pledge:
    if Pledge.objects.filter(cluster_year=cluster_year).exists():
        raise ValidationError(_("This year already has a covenant."))
    pledge = Pledge(cluster_year=cluster_year, **{**new_pledge_defaults(cluster_year), **fields})
    pledge.full_clean()
    pledge.save()
    return pledge


def new_pledge_defaults(cluster_year: ClusterYear) -> dict[str, str]:
    """The header, place and recipients of a new covenant, from the year's cluster."""
    cluster = cluster_year.cluster
    return {
        "issuer_parent": _upper(cluster.authority.short_name or cluster.authority.name),
        "issuer": _upper(cluster.name),
        "cluster_name": cluster.name,
        "place": cluster.authority.place_name,
        "title": f"Giao ước thi đua năm {cluster_year.year}",
        "closing": "\n".join(DEFAULT_CLOSING),
        "recipients": "\n".join([cluster.authority.name, "Các đơn vị thành viên Cụm", "Lưu: VT"]),
    }


@transaction.atomic
def create_pledge(cluster_year: ClusterYear) -> Pledge:
    """A new draft covenant with the usual sections and one signatory per member unit."""
    pledge = _new_pledge(cluster_year)
    year = cluster_year.year
    bulk_create_with_history(
        [
            Clause(pledge=pledge, position=10 * index, kind=kind, text=text.format(year=year))
            for index, (kind, text) in enumerate(SKELETON, start=1)
        ],
        Clause,
    )
    sync_signatories(pledge)
    return pledge


def previous_pledge(cluster_year: ClusterYear) -> Pledge | None:
    """The cluster's most recent covenant before this year."""
    return (
        Pledge.objects.filter(
            cluster_year__cluster_id=cluster_year.cluster_id,
            cluster_year__year__lt=cluster_year.year,
        )
        .select_related("cluster_year")
        .order_by("-cluster_year__year")
        .first()
    )


@transaction.atomic
def copy_pledge_from(previous: Pledge, *, to_cluster_year: ClusterYear) -> Pledge:
    """This year's draft from an earlier covenant: same text and legal bases (kept for
    editing), the year replaced, no number or date yet, signatories from this year's members."""
    old_year, new_year = str(previous.cluster_year.year), str(to_cluster_year.year)

    def refresh(text: str) -> str:
        # Only "năm 2024" becomes "năm 2025": document numbers such as "12/2024/NQ-HĐND" and
        # dates such as "10/01/2024" in references must stay as they were.
        return re.sub(rf"(\b[Nn]ăm\s+){old_year}\b", rf"\g<1>{new_year}", text or "")

    pledge = _new_pledge(
        to_cluster_year,
        issuer_parent=previous.issuer_parent,
        issuer=previous.issuer,
        place=previous.place,
        title=refresh(previous.title),
        legal_bases=previous.legal_bases,
        goals=refresh(previous.goals),
        closing=refresh(previous.closing),
        recipients=previous.recipients,
    )
    bulk_create_with_history(
        [
            Clause(
                pledge=pledge,
                position=clause.position,
                kind=clause.kind,
                text=refresh(clause.text),
                target_value=clause.target_value,
                target_unit=clause.target_unit,
            )
            for clause in previous.clauses.all()
        ],
        Clause,
    )
    sync_signatories(pledge)
    return pledge


def _renumber(clauses: list[Clause]) -> None:
    for index, clause in enumerate(clauses, start=1):
        clause.position = index * 10
    bulk_update_with_history(clauses, Clause, ["position"])


@transaction.atomic
def insert_clause(clause: Clause, *, after_pk=None) -> Clause:
    """Save a new clause after the clause ``after_pk`` (at the end when not given)."""
    pledge = clause.pledge
    pledge.ensure_changeable()
    ordered = list(pledge.clauses.order_by("position", "pk"))
    index = next(
        (i + 1 for i, other in enumerate(ordered) if str(other.pk) == str(after_pk)), len(ordered)
    )
    clause.position = 0
    clause.save()
    ordered.insert(index, clause)
    _renumber(ordered)
    return clause


@transaction.atomic
def move_clause(clause: Clause, *, up: bool) -> None:
    """Swap a clause with its neighbour above or below."""
    pledge = clause.pledge
    pledge.ensure_changeable()
    ordered = list(pledge.clauses.order_by("position", "pk"))
    index = next(i for i, other in enumerate(ordered) if other.pk == clause.pk)
    target = index - 1 if up else index + 1
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
        _renumber(ordered)
