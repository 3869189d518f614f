"""Covenants for `manage.py generate_dataset` (see core/synthetic.py): every year's covenant
signed at its conference, with the usual sections, targets and one signatory per member."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from clusters.models import ClusterYear, Membership
from core.synthetic import DatasetRun

from .models import Attendee, Ceremony, Clause, Pledge, Signatory
from .services import DEFAULT_CLOSING, SKELETON, _signing_order, _upper, signatory_defaults

TARGETS = [
    ("Thu ngân sách nhà nước trên địa bàn đạt", "%"),
    ("Tỷ lệ hộ nghèo giảm", "%"),
    ("Tỷ lệ người dân tham gia bảo hiểm y tế đạt", "%"),
    ("Số hộ được công nhận gia đình văn hóa đạt", "%"),
    ("Số km đường giao thông nông thôn được cứng hóa", "km"),
]


def generate(run: DatasetRun) -> None:
    cluster_years, rng, stdout = run.cluster_years, run.rng, run.stdout
    cluster_years = list(
        ClusterYear.objects.filter(pk__in=[cy.pk for cy in cluster_years])
        .select_related("cluster__authority")
        .prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("unit"))
        )
    )
    pledges = []
    for cy in cluster_years:
        cluster = cy.cluster
        pledges.append(
            Pledge(
                cluster_year=cy, number=f"{rng.randint(1, 30)}/GƯ-CTĐ",
                issuer_parent=_upper(cluster.authority.short_name or cluster.authority.name),
                issuer=_upper(cluster.name), cluster_name=cluster.name,
                place=cluster.authority.place_name, date=datetime.date(cy.year, 3, 15),
                title=f"Giao ước thi đua năm {cy.year}",
                legal_bases="Căn cứ Luật Thi đua, khen thưởng năm 2022;\n"
                "Căn cứ Nghị định số 98/2023/NĐ-CP ngày 31/12/2023 của Chính phủ;",
                goals=f"Phấn đấu hoàn thành toàn diện các chỉ tiêu năm {cy.year}.",
                closing="\n".join(DEFAULT_CLOSING),
                recipients=f"{cluster.authority.name}\nCác đơn vị thành viên Cụm\nLưu: VT",
            )
        )  # fmt: skip
    Pledge.objects.bulk_create(pledges, batch_size=500)
    clauses, signatories, ceremonies = [], [], []
    for cy, pledge in zip(cluster_years, pledges, strict=True):
        position = 0
        for kind, text in SKELETON:
            position += 10
            clauses.append(Clause(pledge=pledge, position=position, kind=kind,
                                  text=text.format(year=cy.year)))  # fmt: skip
        for text, unit in TARGETS:
            position += 10
            value = Decimal(rng.randint(80, 120)) if unit == "%" else Decimal(rng.randint(2, 15))
            clauses.append(Clause(pledge=pledge, position=position, kind=Clause.Kind.ITEM,
                                  text=text, target_value=value, target_unit=unit))  # fmt: skip
        signed_on = datetime.date(cy.year, 3, 15)
        for order, membership in enumerate(_signing_order(cy.memberships.all()), start=1):
            fields = {**signatory_defaults(membership), "position": order}
            signatories.append(Signatory(pledge=pledge, unit=membership.unit, signed=True,
                                         signed_on=signed_on, **fields))  # fmt: skip
        leader = next(m.unit for m in cy.memberships.all() if m.role == Membership.Role.LEADER)
        ceremonies.append(
            Ceremony(
                pledge=pledge, host_unit=leader, venue=f"Hội trường UBND {leader.name}",
                starts_at=timezone.make_aware(datetime.datetime(cy.year, 3, 15, 8, 0)),
                chair_title=f"Chủ tịch UBND {leader.name}",
                adopted_documents=f"Giao ước thi đua năm {cy.year}",
                proceedings="Các đơn vị thống nhất nội dung giao ước và ký kết.",
            )
        )  # fmt: skip
    Clause.objects.bulk_create(clauses, batch_size=2000)
    Signatory.objects.bulk_create(signatories, batch_size=2000)
    Ceremony.objects.bulk_create(ceremonies, batch_size=500)
    Attendee.objects.bulk_create(
        (
            Attendee(ceremony=ceremony, kind=Attendee.Kind.WITNESS, name="Trần Văn Chứng",
                     title="Phó Trưởng ban Thi đua - Khen thưởng", organisation="Sở Nội vụ")
            for ceremony in ceremonies
        ),
        batch_size=500,
    )  # fmt: skip
    # Adopted and signed in one step: the covenant's own transitions run per object and check
    # what the bulk inserts above already guarantee.
    for cy, pledge in zip(cluster_years, pledges, strict=True):
        pledge.adopted_at = pledge.signed_at = timezone.make_aware(
            datetime.datetime(cy.year, 3, 15, 10, 0)
        )
    Pledge.objects.bulk_update(pledges, ["adopted_at", "signed_at"], batch_size=500)
    Pledge.objects.filter(pk__in=[p.pk for p in pledges]).update(status=Pledge.Status.SIGNED)
    if stdout:
        stdout.write(f"{len(pledges)} covenants, {len(clauses)} clauses, signed")
