"""Evidence files of a score: upload (checked by content), download (only to who may read the
sheet, never rendered by the browser), delete (while the unit may still score)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from documents.kinds import stored_file_response

from .. import access, sheets
from ..forms import EVIDENCE_FILES_PER_SCORE, EvidenceForm
from .links import sheet_url


@login_required
@require_POST
def evidence_upload(request, pk: int):
    score, rights = access.get_score_for_user(request.user, pk)
    if not rights.can_enter:
        raise PermissionDenied(rights.enter_blocked)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            sheets.attach_evidence(
                score, upload=upload, content_type=upload.detected_content_type,
                by=request.user, limit=EVIDENCE_FILES_PER_SCORE,
            )  # fmt: skip
        except ValidationError as error:
            messages.error(request, f"{score.criterion.code}: {' '.join(error.messages)}")
        else:
            messages.success(
                request, _("Evidence attached to %(code)s.") % {"code": score.criterion.code}
            )
    else:
        for error in form.errors.get("file", []):
            messages.error(request, f"{score.criterion.code}: {error}")
    return redirect(sheet_url(score.sheet_id, f"score-{score.pk}"))


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
    if not rights.can_enter:
        raise PermissionDenied(rights.enter_blocked)
    sheets.remove_evidence(evidence, by=request.user)
    messages.success(request, _("Evidence removed."))
    return redirect(sheet_url(evidence.score.sheet_id, f"score-{evidence.score_id}"))
