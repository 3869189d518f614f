"""Pages of the score sheets: the list of a year's sheets, one sheet (self-scoring and review,
field by field with htmx or as one form), evidence, the reviewer grid, deadlines, the PDF."""

from __future__ import annotations

import zipfile
from collections import defaultdict

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clusters.access import get_cluster_year_for_user
from clusters.fields import VietDecimalField
from clusters.forms import DATE_WIDGET
from clusters.views import form_page
from documents.rendering import render_document_html, render_pdf

from . import access, sheets
from .models import ScoringTable
from .sheet_models import Evidence, Score, ScoreSheet

# Evidence: PDF, images and Office documents, recognised by their content, not their name.
OOXML = "application/vnd.openxmlformats-officedocument."
ZIP, OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
EVIDENCE_TYPES = {
    "pdf": ("application/pdf", [b"%PDF-"]),
    "png": ("image/png", [b"\x89PNG\r\n\x1a\n"]),
    "jpg": ("image/jpeg", [b"\xff\xd8\xff"]),
    "jpeg": ("image/jpeg", [b"\xff\xd8\xff"]),
    "docx": (OOXML + "wordprocessingml.document", [ZIP]),
    "xlsx": (OOXML + "spreadsheetml.sheet", [ZIP]),
    "pptx": (OOXML + "presentationml.presentation", [ZIP]),
    "doc": ("application/msword", [OLE]),
    "xls": ("application/vnd.ms-excel", [OLE]),
}  # fmt: skip
EVIDENCE_FILES_PER_SCORE = 10


def evidence_max_bytes() -> int:
    return settings.EVIDENCE_MAX_BYTES


def _sheet_url(sheet_pk: int, anchor: str = "") -> str:
    return reverse("sheet_detail", args=[sheet_pk]) + (f"#{anchor}" if anchor else "")


def _crumbs(cluster_year, last: str | None = None) -> list:
    crumbs = [
        (_("Clusters"), reverse("cluster_list")),
        (cluster_year.cluster.name, cluster_year.cluster.get_absolute_url()),
        (str(cluster_year.year), cluster_year.get_absolute_url()),
        (_("Scores"), reverse("sheet_list", args=[cluster_year.pk])),
    ]
    if last:
        crumbs.append((last, None))
    return crumbs


# --- The year's sheets ----------------------------------------------------------------------


def _table_of(cluster_year) -> ScoringTable:
    table = ScoringTable.objects.filter(cluster_year=cluster_year).first()
    if table is None or table.is_draft:
        raise Http404
    return table


def _all_totals(table: ScoringTable, sheet_list: list[ScoreSheet]) -> dict[int, tuple]:
    """Self and effective totals of every sheet, from one query of all the year's scores."""
    tree = table.tree()
    by_sheet: dict[int, list[Score]] = defaultdict(list)
    for score in Score.objects.filter(sheet__in=sheet_list).select_related("criterion"):
        by_sheet[score.sheet_id].append(score)
    return {
        sheet.pk: (
            sheets.totals(tree, by_sheet[sheet.pk], reviewed=False),
            sheets.totals(tree, by_sheet[sheet.pk], reviewed=True),
        )
        for sheet in sheet_list
    }


@login_required
def sheet_list(request, pk: int):
    cluster_year, can_edit = get_cluster_year_for_user(request.user, pk)
    table = _table_of(cluster_year)
    if can_edit:
        sheets.ensure_sheets(table)  # units that joined after publishing get their sheet
    sheet_list = list(
        access.visible_sheets(request.user, cluster_year)
        .select_related("unit")
        .order_by("unit__memberships__position", "unit__name")
        .distinct()
    )
    totals = _all_totals(table, sheet_list)
    rows = [(sheet, *totals[sheet.pk]) for sheet in sheet_list]
    deadline_changes = []
    previous = None
    for record in cluster_year.history.select_related("history_user").order_by("history_date"):
        dates = (record.self_score_deadline, record.review_deadline)
        if previous is not None and dates != previous:
            deadline_changes.append({"record": record, "old": previous, "new": dates})
        previous = dates
    return render(
        request,
        "scoring/sheet_list.html",
        {
            "cluster_year": cluster_year,
            "table": table,
            "rows": rows,
            "can_extend": can_edit,
            "deadline_changes": list(reversed(deadline_changes)),
            "crumbs": _crumbs(cluster_year)[:-1] + [(_("Scores"), None)],
        },
    )


# --- One sheet --------------------------------------------------------------------------------


def _history(sheet: ScoreSheet) -> tuple[list[dict], dict[int, list[dict]]]:
    """Every change of the sheet's scores as "who, when, from what to what, why", newest first,
    and the same grouped by criterion (2 queries)."""
    records = list(
        Score.history.filter(sheet_id=sheet.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    codes = dict(sheet.scores.values_list("pk", "criterion__code"))
    events, per_criterion = [], defaultdict(list)
    previous: dict[int, object] = {}
    for record in records:
        # Score rows are opened empty (in bulk, without history) when the table is published:
        # a score's first record is compared with that empty row.
        before = previous.get(record.id)
        previous[record.id] = record
        for field, label in (
            ("self_value", _("self-score")),
            ("self_note", _("basis")),
            ("reviewed_value", _("reviewed score")),
            ("review_reason", _("reviewer's reason")),
        ):
            old, new = getattr(before, field, None), getattr(record, field)
            if field in ("self_note", "review_reason"):
                old, new = old or None, new or None  # "" and no value read the same
            if old != new:
                event = {
                    "when": record.history_date,
                    "who": record.history_user,
                    "code": codes.get(record.id, "?"),
                    "what": label,
                    "old": old,
                    "new": new,
                    "numeric": field.endswith("_value"),  # notes are shown as typed
                    "why": record.history_change_reason
                    or (record.self_note if field == "self_value" else record.review_reason),
                }
                events.append(event)
                per_criterion[record.criterion_id].append(event)
    for record in (
        Evidence.history.filter(score__sheet_id=sheet.pk)
        .select_related("history_user")
        .order_by("history_date")
    ):
        event = {
            "when": record.history_date,
            "who": record.history_user,
            "code": codes.get(record.score_id, "?"),
            "what": _("evidence"),
            "old": record.original_name if record.history_type == "-" else None,
            "new": record.original_name if record.history_type == "+" else None,
            "why": "",
        }
        if record.history_type in "+-":
            events.append(event)
    events.sort(key=lambda event: event["when"], reverse=True)
    status_events = [
        {"when": r.history_date, "who": r.history_user, "status": r.get_status_display(),
         "why": r.history_change_reason}
        for r in sheet.history.select_related("history_user").order_by("-history_date")
    ]  # fmt: skip
    return events, per_criterion, status_events


def _sheet_context(request, sheet: ScoreSheet, rights, **extra) -> dict:
    table = sheet.table
    tree = table.tree()
    scores = sheets.sheet_scores(sheet)
    by_criterion = {score.criterion_id: score for score in scores}
    events, per_criterion, status_events = _history(sheet)
    rows = []
    for node in tree.rows:
        score = by_criterion.get(node.criterion.pk)
        history = per_criterion.get(node.criterion.pk, [])
        rows.append({"node": node, "score": score, "history": history})
    return {
        "sheet": sheet,
        "table": table,
        "cluster_year": table.cluster_year,
        "rights": rights,
        "rows": rows,
        "own": sheets.totals(tree, scores, reviewed=False),
        "effective": sheets.totals(tree, scores, reviewed=True),
        "roots": tree.roots,
        "missing_evidence": {s.pk for s in sheet.missing_evidence(scores)},
        "events": events,
        "status_events": status_events,
        "crumbs": _crumbs(table.cluster_year, sheet.unit.name),
        **extra,
    }


@login_required
def sheet_detail(request, pk: int):
    """The sheet; a POST without JavaScript saves every row of the form at once."""
    sheet, rights = access.get_sheet_for_user(request.user, pk)
    errors: dict[int, str] = {}
    if request.method == "POST":
        _require_intent(request, rights)
        saved = 0
        for score in sheets.sheet_scores(sheet):
            key = str(score.pk)
            if f"version-{key}" not in request.POST:
                continue
            try:
                saved += _save_row(request, score, rights, key)
            except ValidationError as error:
                errors[score.pk] = " ".join(error.messages)
        if errors:
            messages.error(request, _("Some scores were not saved; see the rows marked in red."))
        elif saved:
            messages.success(request, _("%(count)d scores saved.") % {"count": saved})
            return redirect(_sheet_url(sheet.pk))
    context = _sheet_context(request, sheet, rights, errors=errors)
    return render(request, "scoring/sheet_detail.html", context)


def _require_intent(request, rights, key: str = "") -> None:
    """403 with the reason that applies: reviewing (reviewed-/reason- fields) or scoring."""
    reviewing = any(name.startswith((f"reviewed-{key}", f"reason-{key}")) for name in request.POST)
    if reviewing and not rights.can_review:
        raise PermissionDenied(rights.review_blocked)
    if not reviewing and not rights.can_enter:
        raise PermissionDenied(rights.enter_blocked or rights.review_blocked)


def _save_row(request, score: Score, rights, key: str) -> int:
    """Save one row from POST data (names suffixed with the score's pk); 1 when it changed."""
    try:
        version = int(request.POST.get(f"version-{key}", "-1"))
    except ValueError:
        version = -1  # a tampered field: any change is refused as stale, nothing is lost
    field = VietDecimalField(required=False, max_digits=7, decimal_places=2)
    if rights.can_enter and f"self-{key}" in request.POST:
        value = field.clean(request.POST.get(f"self-{key}", ""))
        note = request.POST.get(f"note-{key}", "")
        return int(sheets.save_self(score, value=value, note=note, version=version).changed)
    if rights.can_review and f"reviewed-{key}" in request.POST:
        value = field.clean(request.POST.get(f"reviewed-{key}", ""))
        reason = request.POST.get(f"reason-{key}", "")
        return int(sheets.save_review(score, value=value, reason=reason, version=version).changed)
    return 0


@login_required
@require_POST
def score_save(request, pk: int):
    """One row saved by itself (htmx): the row comes back with "đã lưu" or the error, and the
    totals are refreshed out of band."""
    score, rights = access.get_score_for_user(request.user, pk)
    _require_intent(request, rights, str(score.pk))
    error, saved = "", False
    try:
        saved = bool(_save_row(request, score, rights, str(score.pk)))
    except ValidationError as problem:
        error = " ".join(problem.messages)
    if not request.htmx:
        if error:
            messages.error(request, f"{score.criterion.code}: {error}")
        return redirect(_sheet_url(score.sheet_id, f"score-{score.pk}"))
    sheet = score.sheet
    context = _sheet_context(request, sheet, rights, errors={score.pk: error} if error else {})
    row = next(r for r in context["rows"] if r["score"] and r["score"].pk == score.pk)
    # Only the row's status comes back (the fields being typed in are never replaced), with
    # the new version and the totals out of band.
    return render(
        request,
        "scoring/sheet_detail.html#score-status",
        {**context, "row": row, "score": row["score"], "just_saved": saved and not error,
         "oob_totals": True},
    )  # fmt: skip


@login_required
@require_POST
def sheet_action(request, pk: int):
    sheet, rights = access.get_sheet_for_user(request.user, pk)
    if not (rights.can_enter or rights.can_review):
        raise PermissionDenied(rights.enter_blocked or rights.review_blocked)
    action = request.POST.get("action")
    try:
        if action == "submit":
            if not rights.can_enter:
                raise PermissionDenied(rights.enter_blocked)
            sheets.submit(sheet)
            messages.success(request, _("The sheet is submitted to the leader unit for review."))
        elif action in ("return", "reviewed"):
            if not rights.can_review:
                raise PermissionDenied(rights.review_blocked)
            if action == "return":
                sheets.return_sheet(sheet, reason=request.POST.get("reason", ""), by=request.user)
                messages.success(request, _("The sheet is returned to the unit."))
            else:
                sheets.mark_reviewed(sheet, by=request.user)
                messages.success(request, _("The sheet is marked reviewed."))
        else:
            raise ValidationError(_("Unknown action."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect(_sheet_url(sheet.pk))


# --- Evidence ---------------------------------------------------------------------------------


def _is_office_zip(upload) -> bool:
    """An Office Open XML document is a zip with [Content_Types].xml (any zip is not)."""
    try:
        with zipfile.ZipFile(upload) as archive:
            return "[Content_Types].xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    finally:
        upload.seek(0)


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Evidence file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if extension not in EVIDENCE_TYPES:
            raise forms.ValidationError(
                _("Only PDF, images (JPEG, PNG) and Office documents are accepted.")
            )
        if upload.size > evidence_max_bytes():
            raise forms.ValidationError(
                _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
                % {
                    "size": round(upload.size / 1024 / 1024, 1),
                    "limit": evidence_max_bytes() // 2**20,
                }
            )
        content_type, magics = EVIDENCE_TYPES[extension]
        head = upload.read(8)
        upload.seek(0)
        if not any(head.startswith(magic) for magic in magics) or (
            magics == [ZIP] and not _is_office_zip(upload)
        ):
            raise forms.ValidationError(
                _("The file's content is not a %(kind)s file, whatever its name says.")
                % {"kind": extension.upper()}
            )
        upload.detected_content_type = content_type
        return upload


@login_required
@require_POST
def evidence_upload(request, pk: int):
    score, rights = access.get_score_for_user(request.user, pk)
    if not rights.can_enter:
        raise PermissionDenied(rights.enter_blocked)
    form = EvidenceForm(request.POST, request.FILES)
    if score.evidence.count() >= EVIDENCE_FILES_PER_SCORE:
        form.add_error(
            "file",
            _("A criterion takes at most %(count)d files.") % {"count": EVIDENCE_FILES_PER_SCORE},
        )
    if form.is_valid():
        upload = form.cleaned_data["file"]
        evidence = Evidence(
            score=score,
            original_name=upload.name[:255],
            content_type=upload.detected_content_type,
            size=upload.size,
            uploaded_by=request.user,
        )
        evidence.file.save(upload.name, upload, save=False)
        evidence.save()
        messages.success(
            request, _("Evidence attached to %(code)s.") % {"code": score.criterion.code}
        )
    else:
        for error in form.errors.get("file", []):
            messages.error(request, f"{score.criterion.code}: {error}")
    return redirect(_sheet_url(score.sheet_id, f"score-{score.pk}"))


@login_required
def evidence_download(request, pk: int):
    evidence = get_object_or_404(Evidence.objects.select_related("score"), pk=pk)
    access.get_sheet_for_user(request.user, evidence.score.sheet_id)  # 404 for outsiders
    response = FileResponse(
        evidence.file.open("rb"),
        content_type=evidence.content_type,
        as_attachment=True,
        filename=evidence.original_name,
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_POST
def evidence_delete(request, pk: int):
    evidence = get_object_or_404(Evidence.objects.select_related("score"), pk=pk)
    sheet, rights = access.get_sheet_for_user(request.user, evidence.score.sheet_id)
    if not rights.can_enter:
        raise PermissionDenied(rights.enter_blocked)
    evidence.delete()  # the file stays on disk: the history still names it
    messages.success(request, _("Evidence removed."))
    return redirect(_sheet_url(sheet.pk, f"score-{evidence.score_id}"))


# --- The reviewer grid --------------------------------------------------------------------------


@login_required
def review_grid(request, pk: int):
    """Units × criteria: self and reviewed values side by side, differences marked, with section
    and unit totals (a fixed number of queries)."""
    cluster_year, _can_edit = get_cluster_year_for_user(request.user, pk)
    table = _table_of(cluster_year)
    sheet_list = list(
        access.visible_sheets(request.user, cluster_year)
        .select_related("unit")
        .order_by("unit__name")
    )
    tree = table.tree()
    cells: dict[tuple[int, int], Score] = {}
    by_sheet: dict[int, list[Score]] = defaultdict(list)
    for score in Score.objects.filter(sheet__in=sheet_list):
        cells[(score.sheet_id, score.criterion_id)] = score
        by_sheet[score.sheet_id].append(score)
    totals = {
        sheet.pk: (
            sheets.totals(tree, by_sheet[sheet.pk], reviewed=False),
            sheets.totals(tree, by_sheet[sheet.pk], reviewed=True),
        )
        for sheet in sheet_list
    }
    grid = [
        {
            "node": node,
            "cells": [cells.get((sheet.pk, node.criterion.pk)) for sheet in sheet_list],
            "section_totals": [
                (totals[sheet.pk][0].sections.get(node.criterion.pk),
                 totals[sheet.pk][1].sections.get(node.criterion.pk))
                for sheet in sheet_list
            ] if node.depth == 0 else None,
        }
        for node in tree.rows
    ]  # fmt: skip
    return render(
        request,
        "scoring/review_grid.html",
        {
            "cluster_year": cluster_year,
            "table": table,
            "sheets": sheet_list,
            "grid": grid,
            "unit_totals": [totals[sheet.pk] for sheet in sheet_list],
            "crumbs": _crumbs(cluster_year, _("Review grid")),
        },
    )


# --- Deadlines -----------------------------------------------------------------------------------


class DeadlineForm(forms.Form):
    self_score_deadline = forms.DateField(label=_("Self-scoring deadline"), widget=DATE_WIDGET)
    review_deadline = forms.DateField(label=_("Review deadline"), widget=DATE_WIDGET)
    reason = forms.CharField(label=_("Reason for the change"), max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from crispy_forms.helper import FormHelper

        self.helper = FormHelper()
        self.helper.form_tag = False


@login_required
def deadlines(request, pk: int):
    cluster_year, _can_edit = get_cluster_year_for_user(request.user, pk, edit=True)
    form = DeadlineForm(
        request.POST or None,
        initial={
            "self_score_deadline": cluster_year.self_score_deadline,
            "review_deadline": cluster_year.review_deadline,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            sheets.extend_deadlines(
                cluster_year,
                self_score=form.cleaned_data["self_score_deadline"],
                review=form.cleaned_data["review_deadline"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Deadlines changed."))
            return redirect("sheet_list", pk=cluster_year.pk)
    return form_page(
        request,
        form,
        title=_("Deadlines of %(year)s") % {"year": cluster_year.year},
        crumbs=_crumbs(cluster_year, _("Deadlines")),
        cancel_url=reverse("sheet_list", args=[cluster_year.pk]),
    )


# --- The sheet as a document ------------------------------------------------------------------


def sheet_document_context(sheet: ScoreSheet) -> dict:
    table = sheet.table
    cluster_year = table.cluster_year
    authority = cluster_year.cluster.authority
    tree = table.tree()
    scores = sheets.sheet_scores(sheet)
    by_criterion = {score.criterion_id: score for score in scores}
    return {
        "sheet": sheet,
        "table": table,
        "year": cluster_year.year,
        "cluster": cluster_year.cluster,
        "rows": [(node, by_criterion.get(node.criterion.pk)) for node in tree.rows],
        "own": sheets.totals(tree, scores, reviewed=False),
        "effective": sheets.totals(tree, scores, reviewed=True),
        "header": {
            "issuer_parent": (authority.short_name or authority.name).upper(),
            "issuer": f"UBND {sheet.unit.name}".upper(),
            "number": None,
            "place": "……………",
            "date": None,
            "year": cluster_year.year,
        },
        "unit_block": {
            "authority_line": "TM. ỦY BAN NHÂN DÂN",
            "title": "CHỦ TỊCH",
            "name": sheet.unit.head_name,
        },
    }


@login_required
def sheet_document(request, pk: int):
    sheet, _rights = access.get_sheet_for_user(request.user, pk)
    html = render_document_html(
        "scoring/print/sheet.html",
        {
            **sheet_document_context(sheet),
            "preview_title": _("Score sheet of %(unit)s") % {"unit": sheet.unit.name},
            "pdf_url": reverse("sheet_pdf", args=[sheet.pk]),
            "back_url": _sheet_url(sheet.pk),
            "crumbs": _crumbs(sheet.table.cluster_year, sheet.unit.name),
        },
        for_pdf=False,
        request=request,
    )
    return HttpResponse(html)


@login_required
def sheet_pdf(request, pk: int):
    sheet, _rights = access.get_sheet_for_user(request.user, pk)
    pdf = render_pdf("scoring/print/sheet.html", sheet_document_context(sheet))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="phieu-cham-diem-{sheet.table.cluster_year.year}-{sheet.unit_id}.pdf"'
    )
    return response
