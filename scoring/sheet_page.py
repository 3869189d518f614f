"""What the score sheet page shows, worked out and formatted once in Python.

The sheet is the page clerks open most, with one row per criterion (60 and more). Its rows and
history lines are plain dicts of ready strings, so the template only places them: Django's
template language costs microseconds per variable and filter, and a row used to make about a
hundred of those. The history panels show the newest changes; the whole trail is on the sheet's
history page, so the page stays the same size however many times a score is saved.
"""

from __future__ import annotations

from collections import defaultdict

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from documents.formatting import vn_number

from .models import Evidence, Score, ScoreSheet
from .tree import TableTree

HISTORY_ON_SHEET = 20  # newest changes listed under the sheet
HISTORY_PER_CRITERION = 3  # newest changes in a criterion's panel


def url_maker(name: str):
    """reverse() once; then each object's URL by replacing the placeholder pk (a reverse per row
    would cost more than the rest of the row)."""
    placeholder = 987654321
    pattern = reverse(name, args=[placeholder])
    return lambda pk: pattern.replace(str(placeholder), str(pk))


USER_FIELDS = ("history_user__first_name", "history_user__last_name", "history_user__username")


def _who(record: dict) -> str:
    """The user's full name, else the login name, as User.get_full_name() would read."""
    if record["history_user__username"] is None:
        return _("system")
    full = f"{record['history_user__first_name']} {record['history_user__last_name']}".strip()
    return full or record["history_user__username"]


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _change(old, new, numeric: bool) -> str:
    if numeric:
        old, new = vn_number(old), vn_number(new)
    return f"{old or '—'} → {new or '—'}"


def _event(record: dict, *, criterion: int | None, code: str, label: str, change: str,
           why: str) -> dict:  # fmt: skip
    """One change as shown: ``line`` under the sheet names the criterion's code, ``short`` (in
    the criterion's own panel) does not."""
    when, who = _when(record["history_date"]), _who(record)
    return {
        "at": record["history_date"],
        "criterion": criterion,
        "line": f"{when} · {who} · {code} · {label}: {change}",
        "short": f"{when} · {who} · {label}: {change}",
        "why": why,
    }


def history(sheet: ScoreSheet, criterion_pk: int | None = None,
            scores: list[Score] | None = None) -> tuple[list, dict, list]:  # fmt: skip
    """Every change of the sheet's scores, newest first, each as {"at", "criterion", "line",
    "short", "why"}; the same grouped by criterion (newest first); and the sheet's status changes.
    3 queries, 4 without the sheet's ``scores`` (with their criteria). ``criterion_pk`` keeps
    one criterion's changes only."""
    # Plain values, not model instances: a sheet's trail runs to hundreds of records.
    records = Score.history.filter(sheet_id=sheet.pk)
    evidence = Evidence.history.filter(score__sheet_id=sheet.pk)
    if criterion_pk is not None:
        records = records.filter(criterion_id=criterion_pk)
        evidence = evidence.filter(score__criterion_id=criterion_pk)
    if scores is not None:
        keys = [(score.pk, score.criterion.code, score.criterion_id) for score in scores]
    else:
        keys = sheet.scores.values_list("pk", "criterion__code", "criterion_id")
    codes, criteria = {}, {}
    for pk, code, criterion in keys:
        codes[pk], criteria[pk] = code, criterion
    fields = (
        ("self_value", _("self-score"), True),
        ("self_note", _("basis"), False),
        ("reviewed_value", _("reviewed score"), True),
        ("review_reason", _("reviewer's reason"), False),
    )
    events = []
    previous: dict[int, dict] = {}
    for record in records.order_by("id", "history_date", "history_id").values(
        "id", "criterion_id", "history_date", "history_change_reason",
        *(field for field, _label, _numeric in fields), *USER_FIELDS,
    ):  # fmt: skip
        # Score rows are opened empty (in bulk, without history) when the table is published:
        # a score's first record is compared with that empty row.
        before = previous.get(record["id"], {})
        previous[record["id"]] = record
        for field, label, numeric in fields:
            old, new = before.get(field), record[field]
            if not numeric:
                old, new = old or None, new or None  # "" and no value read the same
            if old == new:
                continue
            why = record["history_change_reason"] or (
                record["self_note"] if field == "self_value" else record["review_reason"]
            )
            change = _change(old, new, numeric)
            code = codes.get(record["id"], "?")
            events.append(_event(record, criterion=record["criterion_id"], code=code,
                                 label=label, change=change, why=why))  # fmt: skip
    for record in evidence.order_by("history_date").values(
        "score_id", "original_name", "history_type", "history_date", *USER_FIELDS
    ):
        if record["history_type"] not in "+-":
            continue
        name = record["original_name"]
        old, new = (name, None) if record["history_type"] == "-" else (None, name)
        events.append(_event(record, criterion=criteria.get(record["score_id"]),
                             code=codes.get(record["score_id"], "?"), label=_("evidence"),
                             change=_change(old, new, False), why=""))  # fmt: skip
    events.sort(key=lambda event: event["at"], reverse=True)
    per_criterion: dict[int, list[dict]] = defaultdict(list)
    for event in events:
        per_criterion[event["criterion"]].append(event)
    status_events = [
        {"at": record["history_date"],
         "line": f"{_when(record['history_date'])} · {_who(record)} · "
                 f"{_('sheet')}: {ScoreSheet.Status(record['status']).label}",
         "why": record["history_change_reason"]}
        for record in sheet.history.order_by("-history_date").values(
            "status", "history_date", "history_change_reason", *USER_FIELDS
        )
    ]  # fmt: skip
    return events, per_criterion, status_events


def rows(tree: TableTree, scores: list[Score], *, per_criterion: dict, errors: dict,
         missing_evidence: set[int]) -> list[dict]:  # fmt: skip
    """The sheet's rows in print order: parents as headings, leaves with their score."""
    by_criterion = {score.criterion_id: score for score in scores}
    save_url, upload_url = url_maker("scoring:score_save"), url_maker("scoring:evidence_upload")
    download_url = url_maker("scoring:evidence_download")
    result = []
    for node in tree.rows:
        criterion = node.criterion
        score = by_criterion.get(criterion.pk)
        row = {
            "code": criterion.code,
            "text": criterion.text,
            "depth": str(node.depth),  # strings: Django localizes every int it prints
            "max": vn_number(criterion.max_points),
            "score": None,
        }
        if score is not None:
            changes = per_criterion.get(criterion.pk, [])
            row.update(
                score=score,
                pk=str(score.pk),
                version=str(score.version),
                guidance=criterion.guidance,
                sign="−" if criterion.kind == criterion.Kind.DEDUCTION else "",
                self=vn_number(score.self_value),
                reviewed=vn_number(score.reviewed_value),
                differs=score.differs,
                error=errors.get(score.pk, ""),
                evidence_required=criterion.evidence_required,
                missing=score.pk in missing_evidence,
                files=[
                    (download_url(item.pk), Truncator(item.original_name).chars(28))
                    for item in score.evidence.all()
                ],
                history=changes[:HISTORY_PER_CRITERION],
                history_count=len(changes),
                save_url=save_url(score.pk),
                upload_url=upload_url(score.pk),
            )
        result.append(row)
    return result
