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
from django.utils.html import format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clusters.access import get_cluster_year_for_user
from clusters.fields import VietDecimalField, parse_id
from clusters.forms import DATE_WIDGET
from clusters.views import form_page
from documents.formatting import vn_number
from documents.rendering import render_document_html, render_pdf

from . import access, sheet_page, sheets
from .models import ScoringTable
from .sheet_models import Evidence, Score, ScoreSheet, ScoreValues

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
    by_sheet: dict[int, list[ScoreValues]] = defaultdict(list)
    for score in ScoreValues.of(Score.objects.filter(sheet__in=sheet_list)):
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


def _sheet_context(request, sheet: ScoreSheet, rights, *, errors: dict) -> dict:
    table = sheet.table
    tree = table.tree()
    scores = sheets.sheet_scores(sheet)
    events, per_criterion, status_events = sheet_page.history(sheet, scores=scores)
    return {
        "sheet": sheet,
        "table": table,
        "cluster_year": table.cluster_year,
        "rights": rights,
        "rows": sheet_page.rows(
            tree,
            scores,
            per_criterion=per_criterion,
            errors=errors,
            missing_evidence={s.pk for s in sheet.missing_evidence(scores)},
        ),
        **_totals_context(tree, scores),
        "events": events[: sheet_page.HISTORY_ON_SHEET],
        "events_count": len(events),
        "status_events": status_events[: sheet_page.HISTORY_ON_SHEET],
        "status_events_count": len(status_events),
        "crumbs": _crumbs(table.cluster_year, sheet.unit.name),
    }


def _totals_context(tree, scores: list) -> dict:
    return {
        "own": sheets.totals(tree, scores, reviewed=False),
        "effective": sheets.totals(tree, scores, reviewed=True),
        "roots": tree.roots,
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


@login_required
def sheet_history(request, pk: int):
    """The sheet's whole audit trail (the sheet page lists the newest changes), or one
    criterion's with ?tieu-chi=<criterion pk>."""
    sheet, _rights = access.get_sheet_for_user(request.user, pk)
    criterion = None
    if "tieu-chi" in request.GET:
        wanted = parse_id(request.GET["tieu-chi"])
        criterion = sheet.table.criteria.filter(pk=wanted).first() if wanted else None
        if criterion is None:
            raise Http404
    events, _per_criterion, status_events = sheet_page.history(
        sheet, criterion_pk=criterion.pk if criterion else None
    )
    return render(
        request,
        "scoring/sheet_history.html",
        {
            "sheet": sheet,
            "criterion": criterion,
            "events": events,
            "status_events": [] if criterion else status_events,
            "crumbs": [
                *_crumbs(sheet.table.cluster_year),
                (sheet.unit.name, _sheet_url(sheet.pk)),
                (_("History"), None),
            ],
        },
    )


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
    # Only the row's status comes back (the fields being typed in are never replaced), with
    # the new version and the sheet's totals out of band: not the whole sheet (2 queries).
    scores = ScoreValues.of(Score.objects.filter(sheet_id=score.sheet_id))
    current = next(item for item in scores if item.pk == score.pk)  # its version, saved or not
    return render(
        request,
        "scoring/sheet_detail.html#score-status",
        {**_totals_context(score.sheet.table.tree(), scores),
         "row": {"pk": score.pk, "error": error}, "score": current,
         "just_saved": saved and not error, "oob_totals": True},
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


def _pair(own, reviewed, marked: str) -> tuple[str, str]:
    """A total's cell as (extra CSS classes, text): "9", or "9 / 7" when the review changed it."""
    if reviewed is None or reviewed == own:
        return "", vn_number(own) or "—"
    return marked, f"{vn_number(own) or '—'} / {vn_number(reviewed)}"


def _grid_cell(score: ScoreValues | None) -> tuple[str, str]:
    """A criterion's cell: the self-score, " / reviewed" once reviewed, red where they differ."""
    if score is None:
        return "", ""
    text = vn_number(score.self_value) or "—"
    if score.reviewed_value is not None:
        text = f"{text} / {vn_number(score.reviewed_value)}"
    return (" text-danger fw-bold" if score.differs else ""), text


def _grid_line(node, sheet_list, cells: dict, totals: dict) -> dict:
    """One criterion across the units, formatted here."""
    criterion = node.criterion
    line = {
        "depth": str(node.depth),
        "code": criterion.code,
        "text": Truncator(criterion.text).chars(70),
        "max": vn_number(criterion.max_points),
    }
    if node.depth == 0:  # a section: its subtotal per unit, in bold
        line_css = " fw-bold"
        texts = [
            _pair(totals[sheet.pk][0].sections.get(criterion.pk),
                  totals[sheet.pk][1].sections.get(criterion.pk), " text-danger")
            for sheet in sheet_list
        ]  # fmt: skip
    else:
        line_css = ""
        texts = [_grid_cell(cells.get((sheet.pk, criterion.pk))) for sheet in sheet_list]
    # Joined here (escaped): a grid of 15 units × 60 criteria is 900 cells, and as template
    # variables they cost more than the rest of the page.
    line["cells"] = format_html_join(
        "", '<td class="text-center{}{}">{}</td>', ((line_css, css, text) for css, text in texts)
    )
    return line


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
    cells: dict[tuple[int, int], ScoreValues] = {}
    by_sheet: dict[int, list[ScoreValues]] = defaultdict(list)
    for score in ScoreValues.of(Score.objects.filter(sheet__in=sheet_list)):
        cells[(score.sheet_id, score.criterion_id)] = score
        by_sheet[score.sheet_id].append(score)
    totals = {
        sheet.pk: (
            sheets.totals(tree, by_sheet[sheet.pk], reviewed=False),
            sheets.totals(tree, by_sheet[sheet.pk], reviewed=True),
        )
        for sheet in sheet_list
    }
    grid = [_grid_line(node, sheet_list, cells, totals) for node in tree.rows]
    return render(
        request,
        "scoring/review_grid.html",
        {
            "cluster_year": cluster_year,
            "table": table,
            "sheets": sheet_list,
            "grid": grid,
            "unit_totals": [
                _pair(own.total, effective.total, " text-danger")
                for own, effective in (totals[sheet.pk] for sheet in sheet_list)
            ],
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
