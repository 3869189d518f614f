"""Scoring tables, score sheets and reviews for `manage.py generate_dataset` (see
core/synthetic.py).

Each year gets a table of ``options.criteria`` criteria: five score sections of 20 points (100
in all) whose parts share the points in steps of 0,5, a bonus section (cap 5) and a deduction
section (cap 10). Every member unit's sheet is filled in, submitted and reviewed (the reviewer
lowers a value now and then, with a reason). Past years are closed (results/dataset.py adds
their award votes); the last year stays open for scoring, its sheets a mix of reviewed,
submitted and in progress.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from clusters.models import Membership
from core.synthetic import DatasetRun
from documents.formatting import roman

from .models import Criterion, Score, ScoreSheet, ScoringTable

HALF = Decimal("0.5")
SCORE, BONUS, DEDUCTION = Criterion.Kind.SCORE, Criterion.Kind.BONUS, Criterion.Kind.DEDUCTION
SECTIONS = ["Xây dựng Đảng, chính quyền", "Phát triển kinh tế", "Văn hóa - xã hội",
            "Quốc phòng, an ninh", "Cải cách hành chính, chuyển đổi số"]  # fmt: skip
EXTRA = 6  # bonus and deduction sections with two criteria each


def split_points(total: Decimal, parts: int) -> list[Decimal]:
    """``total`` shared by ``parts`` in multiples of 0,5, the last taking the remainder."""
    if parts < 1 or parts * HALF > total:
        raise ValueError(f"{total} points cannot be shared by {parts} criteria of at least 0,5")
    share = (total / parts / HALF).to_integral_value(rounding="ROUND_FLOOR") * HALF
    share = max(share, HALF)
    return [share] * (parts - 1) + [total - share * (parts - 1)]


def build_tables(cluster_years, criteria: int) -> list[ScoringTable]:
    leaves = criteria - len(SECTIONS) - EXTRA
    if not len(SECTIONS) <= leaves <= len(SECTIONS) * 40:  # 40 parts of 0,5 fill a section of 20
        low, high = 2 * len(SECTIONS) + EXTRA, 41 * len(SECTIONS) + EXTRA
        raise ValueError(f"a table needs {low} to {high} criteria, not {criteria}")
    per_section = [leaves // len(SECTIONS) + (i < leaves % len(SECTIONS))
                   for i in range(len(SECTIONS))]  # fmt: skip
    tables = ScoringTable.objects.bulk_create(
        ScoringTable(
            cluster_year=cy, title=f"Bảng chấm điểm thi đua năm {cy.year}",
            nominal_total=Decimal(100), bonus_cap=Decimal(5),
            deduction_cap=Decimal(10),
        )
        for cy in cluster_years
    )  # fmt: skip
    roots = []
    for table in tables:
        for index, name in enumerate(SECTIONS):
            roots.append(Criterion(table=table, position=index + 1, code=roman(index + 1),
                                   text=name, max_points=Decimal(20), step=HALF))  # fmt: skip
        roots.append(Criterion(table=table, position=10, code="VI", text="Điểm thưởng",
                               kind=BONUS, max_points=Decimal(5), step=HALF))  # fmt: skip
        roots.append(Criterion(table=table, position=11, code="VII", text="Điểm trừ",
                               kind=DEDUCTION, max_points=Decimal(10), step=HALF))  # fmt: skip
    Criterion.objects.bulk_create(roots, batch_size=2000)
    children = []
    for root in roots:
        if root.kind == SCORE:
            count = per_section[SECTIONS.index(root.text)]
            points = split_points(root.max_points, count)
            texts = [f"Tiêu chí {root.code}.{i + 1}: hoàn thành chỉ tiêu được giao"
                     for i in range(count)]  # fmt: skip
        elif root.kind == BONUS:
            points, texts = [Decimal("2.5")] * 2, ["Mô hình mới được công nhận",
                                                   "Được khen thưởng cấp tỉnh"]  # fmt: skip
        else:
            points, texts = [Decimal(5)] * 2, ["Để xảy ra vi phạm", "Báo cáo chậm"]
        for i, (value, text) in enumerate(zip(points, texts, strict=True)):
            children.append(Criterion(
                table_id=root.table_id, parent=root, position=i + 1, code=str(i + 1), text=text,
                kind=root.kind, max_points=value, step=HALF, evidence_required=(i % 7 == 0),
            ))  # fmt: skip
    Criterion.objects.bulk_create(children, batch_size=2000)
    return tables


def _value(rng, criterion: Criterion) -> Decimal:
    steps = int(criterion.max_points / HALF)
    if criterion.kind == DEDUCTION:
        return Decimal(0) if rng.random() < 0.85 else HALF * rng.randint(1, steps)
    if criterion.kind == BONUS:
        return Decimal(0) if rng.random() < 0.5 else HALF * rng.randint(1, steps)
    return HALF * rng.randint(steps // 2, steps)


def generate(run: DatasetRun) -> None:
    cluster_years, rng, options, stdout = run.cluster_years, run.rng, run.options, run.stdout
    tables = build_tables(cluster_years, options.criteria)
    leaves_of: dict[int, list[Criterion]] = {}
    for criterion in Criterion.objects.filter(table__in=tables, parent__isnull=False):
        leaves_of.setdefault(criterion.table_id, []).append(criterion)
    members_of: dict[int, list[int]] = {cy.pk: [] for cy in cluster_years}
    for cy_id, unit_id in (
        Membership.objects.filter(cluster_year__in=cluster_years)
        .order_by("cluster_year", "position")
        .values_list("cluster_year_id", "unit_id")
    ):
        members_of[cy_id].append(unit_id)
    now = timezone.now()
    last = max(cy.year for cy in cluster_years)
    sheets = []
    for table, cy in zip(tables, cluster_years, strict=True):
        for index, unit_id in enumerate(members_of[cy.pk]):
            status = ScoreSheet.Status.REVIEWED
            if cy.year == last:  # the open year: some still being scored or waiting for review
                status = [ScoreSheet.Status.REVIEWED, ScoreSheet.Status.SUBMITTED,
                          ScoreSheet.Status.DRAFT][index % 3]  # fmt: skip
            sheets.append(ScoreSheet(
                table=table, unit_id=unit_id, status=status,
                submitted_at=None if status == ScoreSheet.Status.DRAFT else now,
                reviewed_at=now if status == ScoreSheet.Status.REVIEWED else None,
            ))  # fmt: skip
    ScoreSheet.objects.bulk_create(sheets, batch_size=2000)
    scores = []
    for sheet in sheets:
        for criterion in leaves_of[sheet.table_id]:
            value = _value(rng, criterion)
            reviewed = reason = None
            if sheet.status == ScoreSheet.Status.REVIEWED:
                reviewed, reason = value, ""
                if value >= HALF and rng.random() < 0.05:
                    reviewed, reason = value - HALF, "Minh chứng chưa đầy đủ"
            scores.append(Score(
                sheet=sheet, criterion=criterion, self_value=value,
                self_note="Theo báo cáo tổng kết năm" if rng.random() < 0.3 else "",
                reviewed_value=reviewed, review_reason=reason or "", version=1,
            ))  # fmt: skip
    bulk_create_with_history(scores, Score, batch_size=2000)
    closed, published = ScoringTable.Status.CLOSED, ScoringTable.Status.PUBLISHED
    for status, years in (
        (closed, [cy.pk for cy in cluster_years if cy.year < last]),
        (published, [cy.pk for cy in cluster_years if cy.year == last]),
    ):
        ScoringTable.objects.filter(cluster_year_id__in=years).update(
            status=status, published_at=now, closed_at=now if status == closed else None
        )
    if stdout:
        stdout.write(f"{len(tables)} tables, {len(sheets)} sheets, {len(scores)} scores")


def long_trail(sheet: ScoreSheet, rows: int, *, user=None) -> None:
    """``rows`` more history records on ``sheet``, written in bulk as the hours before a
    deadline leave them: most on a few criteria, a value and a basis changing in turn, one
    second apart, ending ten days ago. For benchmarks and tests of the sheet's history."""
    model = Score.history.model
    scores = list(sheet.scores.order_by("criterion__position"))
    start = timezone.now() - datetime.timedelta(days=10, seconds=rows)
    records = []
    for index in range(rows):
        target = scores[index % 4] if index % 10 else scores[index % len(scores)]
        records.append(model(
            id=target.pk, sheet_id=sheet.pk, criterion_id=target.criterion_id,
            self_value=Decimal(index % 3), self_note=f"Căn cứ {index % 7}",
            reviewed_value=None, review_reason="", version=index, updated_at=start,
            history_date=start + datetime.timedelta(seconds=index), history_type="~",
            history_user=user,
        ))  # fmt: skip
    model.objects.bulk_create(records, batch_size=1000)
