"""Evidence files of a score: upload (checked by content), download (only to who may read the
sheet, never rendered by the browser), removal (while the unit may still score).

With htmx a file is attached or removed in its row and only that row's evidence cell comes
back, with the answer in it. Without JavaScript the buttons submit the sheet's whole form
(scoring.views.sheet_form): typed values are saved too, and the answer is drawn in the row."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from documents.kinds import stored_file_response

from .. import access, checks, sheet_page
from ..models import Score
from ..models.sheet import needs_evidence
from . import sheet_form
from .sheets import CHECK_PARAM, after_form


@login_required
@require_POST
def evidence_upload(request, pk: int):
    score, rights = access.get_score_for_user(request.user, pk)
    if request.htmx:
        upload = request.FILES.get(f"file-{score.pk}") or request.FILES.get("file")
        return _cell(request, score, rights, sheet_form.attach(request, score, rights, upload))
    sheet_form.require_intent(request, rights)
    _saved, errors = sheet_form.save_rows(request, score.sheet, rights)
    results = sheet_form.attach_chosen(request, score.sheet, rights)
    if score.pk not in results:  # the row's own button, its file from an older form or none
        results[score.pk] = sheet_form.attach(request, score, rights, request.FILES.get("file"))
    sheet_form.tell_rows(request, results)
    return after_form(request, score.sheet, rights, errors, focus=score.pk)


@login_required
def evidence_download(request, pk: int):
    evidence, _rights = access.get_evidence_for_user(request.user, pk)
    return stored_file_response(
        evidence.file, filename=evidence.original_name, content_type=evidence.content_type
    )


@login_required
@require_POST
def evidence_delete(request, pk: int):
    evidence, rights = access.get_evidence_for_user(request.user, pk)
    score = evidence.score
    if request.htmx:
        return _cell(request, score, rights, sheet_form.remove(request, evidence, rights))
    sheet_form.require_intent(request, rights)
    _saved, errors = sheet_form.save_rows(request, score.sheet, rights)
    results = sheet_form.attach_chosen(request, score.sheet, rights)
    results[score.pk] = sheet_form.remove(request, evidence, rights)
    sheet_form.tell_rows(request, results)
    return after_form(request, score.sheet, rights, errors, focus=score.pk)


def _cell(request, score: Score, rights, outcome: tuple[bool, str]) -> HttpResponse:
    """The row's evidence cell after an attachment or a removal (htmx), with what happened;
    on a page listing what the sheet lacks (a refused submission), the row's line too."""
    score = Score.objects.select_related("criterion").prefetch_related("evidence").get(pk=score.pk)
    files = len(score.evidence.all())
    missing = needs_evidence(
        score.criterion.kind, score.criterion.evidence_required, score.self_value, files
    )
    row = {**sheet_page.evidence_cell(score, missing), "message_ok": outcome[0],
           "message": outcome[1]}  # fmt: skip
    context = {"row": row, "rights": rights, "labels": sheet_page.row_labels()}
    html = render_to_string("scoring/sheet_detail.html#evidence-cell", context, request)
    if CHECK_PARAM in (request.htmx.current_url or ""):
        lacking = checks.problems([score.sheet_id]).get(score.sheet_id, [])
        row["problem"] = next((item for item in lacking if item.score_pk == score.pk), None)
        html += render_to_string(
            "scoring/sheet_detail.html#row-problem", {**context, "oob": True}, request
        )
    return HttpResponse(html)
