"""What a sheet still lacks before it can be submitted, all of it at once: the score criteria
without a value and the criteria whose evidence is required and missing, each named by its full
path ("II.2.a — Tỷ lệ hộ nghèo…") with the row it links to. The submission, the sheet page and
the dashboard's to-do list ask here, so they never disagree."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.text import Truncator

from .models.sheet import Score, needs_evidence
from .models.table import Criterion

TEXT_CHARS = 60  # of the criterion's text after its path


@dataclass(frozen=True)
class Problem:
    score_pk: int
    sheet_pk: int
    path: str  # "II.2.a"
    text: str
    no_value: bool
    no_evidence: bool

    @property
    def label(self) -> str:
        return f"{self.path} — {Truncator(self.text).chars(TEXT_CHARS)}"

    @property
    def anchor(self) -> str:
        return f"score-{self.score_pk}"


def paths(table_ids: Iterable[int]) -> dict[int, str]:
    """Each criterion's full code, its ancestors' codes joined by dots ("II.2.a"; one query)."""
    rows = {
        pk: (parent, code)
        for pk, parent, code in Criterion.objects.filter(table_id__in=table_ids).values_list(
            "pk", "parent_id", "code"
        )
    }
    result: dict[int, str] = {}

    def path_of(pk: int, seen: int = 0) -> str:
        if pk not in result:
            parent, code = rows[pk]
            if parent not in rows or seen >= len(rows):  # a loop typed by hand never hangs
                result[pk] = code
            else:
                above, parent_code = path_of(parent, seen + 1), rows[parent][1]
                if code.startswith(f"{parent_code}."):  # "1.1" under "1" already says "1."
                    result[pk] = f"{above[: -len(parent_code)]}{code}"
                else:
                    result[pk] = f"{above}.{code}"
        return result[pk]

    for pk in rows:
        path_of(pk)
    return result


def problems(sheet_ids: Iterable[int]) -> dict[int, list[Problem]]:
    """Every sheet's problems, in print order (two queries whatever the number of sheets)."""
    sheet_ids = list(sheet_ids)
    found: dict[int, list[Problem]] = defaultdict(list)
    if not sheet_ids:
        return found
    scores = list(
        Score.objects.filter(sheet_id__in=sheet_ids)
        .filter(
            Q(criterion__kind=Criterion.Kind.SCORE, self_value__isnull=True)
            | Q(criterion__evidence_required=True)
        )
        .annotate(files=Count("evidence"))
        .values(
            "pk", "sheet_id", "self_value", "files", "criterion_id", "criterion__table_id",
            "criterion__kind", "criterion__evidence_required", "criterion__text",
        )
        .order_by("sheet_id", "criterion__position", "criterion__pk")
    )  # fmt: skip
    codes = paths({row["criterion__table_id"] for row in scores})
    for row in scores:
        kind = row["criterion__kind"]
        no_value = kind == Criterion.Kind.SCORE and row["self_value"] is None
        no_evidence = needs_evidence(
            kind, row["criterion__evidence_required"], row["self_value"], row["files"]
        )
        if no_value or no_evidence:
            found[row["sheet_id"]].append(
                Problem(
                    score_pk=row["pk"],
                    sheet_pk=row["sheet_id"],
                    path=codes[row["criterion_id"]],
                    text=row["criterion__text"],
                    no_value=no_value,
                    no_evidence=no_evidence,
                )
            )
    return found
