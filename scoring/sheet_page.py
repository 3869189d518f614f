"""What the score sheet page shows, worked out and formatted once in Python.

The sheet is the page clerks open most, with one row per criterion (60 and more). Its rows and
history lines are plain dicts of ready strings, so the template only places them: Django's
template language costs microseconds per variable and filter, and a row used to make about a
hundred of those. The history panels show the newest changes, read from the database as a
window (scoring.trail) and formatted alone; the whole trail is on the sheet's history page, a
page at a time. So the sheet costs the same however many times its scores were saved.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import F
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from documents.formatting import vn_number

from . import trail
from .models import Score, ScoreSheet
from .tree import TableTree

HISTORY_ON_SHEET = 20  # newest changes listed under the sheet
HISTORY_PER_CRITERION = 3  # newest changes in a criterion's panel


def url_maker(name: str):
    """reverse() once; then each object's URL by replacing the placeholder pk (a reverse per row
    would cost more than the rest of the row)."""
    placeholder = 987654321
    pattern = reverse(name, args=[placeholder])
    return lambda pk: pattern.replace(str(placeholder), str(pk))


def _who(record: dict) -> str:
    """The user's full name, else the login name, as User.get_full_name() would read."""
    if record["username"] is None:
        return _("system")
    full = f"{record['first_name'] or ''} {record['last_name'] or ''}".strip()
    return full or record["username"]


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


class _Minutes(dict):
    """Moments formatted to the minute, each minute once (saves come in bursts). The short
    date-time formats of config/formats show no seconds."""

    def __missing__(self, minute: datetime.datetime) -> str:
        self[minute] = text = _when(minute)
        return text

    def of(self, moment: datetime.datetime) -> str:
        return self[moment.replace(second=0, microsecond=0)]


def _change(old, new, numeric: bool) -> str:
    if numeric:
        old, new = vn_number(old), vn_number(new)
    return f"{old or '—'} → {new or '—'}"


def _labels() -> tuple[tuple[str, str, bool], ...]:
    return (
        ("self_value", _("self-score"), True),
        ("self_note", _("basis"), False),
        ("reviewed_value", _("reviewed score"), True),
        ("review_reason", _("reviewer's reason"), False),
    )


def events_of(entries: list[dict], codes: dict[int, str]) -> list[dict]:
    """Trail entries (scoring.trail, newest first) as shown: one event for each field a score
    record changed, one for each evidence file attached or removed, each as {"at",
    "criterion", "line", "short", "why"}. ``line`` under the sheet names the criterion's code
    (``codes``: criterion pk → code), ``short`` (in the criterion's own panel) does not."""
    labels, evidence_label, minutes = _labels(), _("evidence"), _Minutes()
    return [event for entry in entries
            for event in _entry_events(entry, codes, labels, evidence_label, minutes)]  # fmt: skip


def _entry_events(entry: dict, codes: dict[int, str], labels, evidence_label: str,
                  minutes: _Minutes) -> list[dict]:  # fmt: skip
    when, who = minutes.of(entry["history_date"]), _who(entry)
    code = codes.get(entry["criterion_id"], "?")
    if entry["kind"] == 0:  # evidence
        name = entry["original_name"]
        old, new = (name, None) if entry["history_type"] == "-" else (None, name)
        changes = [(evidence_label, _change(old, new, False), "")]
    else:
        changes = []
        for field, label, numeric in labels:
            old, new = entry[f"p_{field}"], entry[field]
            if not numeric:
                old, new = old or None, new or None  # "" and no value read the same
            if old == new:
                continue
            why = entry["reason"] or (
                entry["self_note"] if field == "self_value" else entry["review_reason"]
            )
            changes.append((label, _change(old, new, numeric), why))
    return [
        {"at": entry["history_date"], "criterion": entry["criterion_id"],
         "line": f"{when} · {who} · {code} · {label}: {change}",
         "short": f"{when} · {who} · {label}: {change}", "why": why or ""}
        for label, change, why in changes
    ]  # fmt: skip


@dataclass
class SheetHistory:
    """What the sheet page shows of its trail: the newest changes under the sheet and the
    newest status changes, and whether there is more. A criterion's own panel is read when it
    is opened (``criterion_history``)."""

    events: list[dict]
    more: bool
    status_events: list[dict]


def sheet_history(sheet: ScoreSheet, scores: list[Score]) -> SheetHistory:
    """Two queries whatever the length of the trail; only the lines shown are formatted."""
    codes = {score.criterion_id: score.criterion.code for score in scores}
    events, more = _first_events(trail.newest(sheet.pk, HISTORY_ON_SHEET + 1), codes,
                                 HISTORY_ON_SHEET)  # fmt: skip
    statuses = status_events(sheet, limit=HISTORY_ON_SHEET + 1)
    return SheetHistory(
        events=events,
        more=more or len(statuses) > HISTORY_ON_SHEET,
        status_events=statuses[:HISTORY_ON_SHEET],
    )


def criterion_history(sheet: ScoreSheet, criterion_pk: int) -> tuple[list[dict], bool]:
    """A criterion's newest changes for its panel on the sheet, and whether there is more (one
    query)."""
    entries = trail.newest(sheet.pk, HISTORY_PER_CRITERION + 1, criterion_pk)
    return _first_events(entries, {}, HISTORY_PER_CRITERION)


def _first_events(entries: list[dict], codes: dict[int, str], limit: int) -> tuple[list, bool]:
    """The first ``limit`` events of ``entries`` (newest first, each making one event or more),
    formatting no more entries than needed, and whether there are more: the entries were read
    with one more than ``limit``, which tells it unformatted."""
    labels, evidence_label, minutes = _labels(), _("evidence"), _Minutes()
    shown: list[dict] = []
    used = 0
    for entry in entries:
        if len(shown) >= limit:
            break
        shown += _entry_events(entry, codes, labels, evidence_label, minutes)
        used += 1
    return shown[:limit], len(shown) > limit or used < len(entries)


def status_events(sheet: ScoreSheet, limit: int | None = None) -> list[dict]:
    """The sheet's status changes, newest first (the newest ``limit`` of them)."""
    records = sheet.history.order_by("-history_date", "-history_id").values(
        "status", "history_date", "history_change_reason", first_name=F("history_user__first_name"),
        last_name=F("history_user__last_name"), username=F("history_user__username"),
    )  # fmt: skip
    if limit is not None:
        records = records[:limit]
    sheet_label = _("sheet")
    return [
        {"at": record["history_date"],
         "line": f"{_when(record['history_date'])} · {_who(record)} · "
                 f"{sheet_label}: {ScoreSheet.Status(record['status']).label}",
         "why": record["history_change_reason"]}
        for record in records
    ]  # fmt: skip


def rows(tree: TableTree, scores: list[Score], *, sheet_pk: int, errors: dict,
         missing_evidence: set[int]) -> list[dict]:  # fmt: skip
    """The sheet's rows in print order: parents as headings, leaves with their score."""
    by_criterion = {score.criterion_id: score for score in scores}
    save_url = url_maker("scoring:score_save")
    evidence_urls = EvidenceUrls()
    history_url = reverse("scoring:sheet_history", args=[sheet_pk])
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
            row.update(evidence_cell(score, score.pk in missing_evidence, evidence_urls))
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
                # A panel of the criterion's newest changes, read when it is opened (a link to
                # its history without JavaScript): a sheet has 60 and more criteria.
                history_url=f"{history_url}?tieu-chi={criterion.pk}",
                has_history=score.version > 0 or bool(row["files"]),
                save_url=save_url(score.pk),
            )
        result.append(row)
    return result


class EvidenceUrls:
    """The evidence addresses of a sheet's rows, each pattern reversed once."""

    def __init__(self) -> None:
        self.upload = url_maker("scoring:evidence_upload")
        self.download = url_maker("scoring:evidence_download")
        self.delete = url_maker("scoring:evidence_delete")


def evidence_cell(score: Score, missing: bool, urls: EvidenceUrls | None = None) -> dict:
    """What a row's evidence cell shows (the sheet, and the cell alone after an attachment or
    a removal with htmx): the files with their download and removal addresses."""
    urls = urls or EvidenceUrls()
    return {
        "pk": str(score.pk),
        "code": score.criterion.code,
        "evidence_required": score.criterion.evidence_required,
        "missing": missing,
        "files": [
            {"url": urls.download(item.pk), "delete_url": urls.delete(item.pk),
             "name": Truncator(item.original_name).chars(28), "full_name": item.original_name}
            for item in score.evidence.all()
        ],
        "upload_url": urls.upload(score.pk),
    }  # fmt: skip


def row_labels() -> dict[str, str]:
    """The words of a row's evidence cell and problem line, translated once per page (the
    cell alone after htmx reads the same)."""
    return {
        "evidence": _("Evidence"),
        "required": _("required"),
        "file": _("Evidence file"),
        "attach": _("Attach"),
        "remove": _("Remove"),
        "no_score": _("no score"),
        "evidence_missing": _("evidence required"),
    }
