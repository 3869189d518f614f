"""The sheet as one form: what every button of the sheet does with the values typed in it.

With JavaScript each field saves by itself and a file is attached or removed in its row (htmx),
the answer drawn in that row. Without JavaScript every button of the sheet ("Lưu tất cả",
"Đính kèm", a file's "Gỡ", "Gửi phiếu") submits the whole form, so the values typed but not
yet saved are saved first, whatever the button; the files chosen on any row are attached; and
what happened to a row is told in that row (a message tagged ``in-row``, which the page draws
next to the row instead of at the top), with the page scrolled to it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from core.ids import parse_id

from .. import sheets
from ..access import SheetRights
from ..forms import EVIDENCE_FILES_PER_SCORE, EvidenceForm, score_value_field
from ..models import Evidence, Score, ScoreSheet

ROW_TAG = "in-row"  # a message drawn in its row (row-<score pk>), not at the top of the page


def require_intent(request: HttpRequest, rights: SheetRights, key: str = "") -> None:
    """403 with the reason that applies: reviewing (reviewed-/reason- fields) or scoring."""
    reviewing = any(name.startswith((f"reviewed-{key}", f"reason-{key}")) for name in request.POST)
    if reviewing and not rights.can_review:
        raise PermissionDenied(rights.review_blocked)
    if not reviewing and not rights.can_enter:
        raise PermissionDenied(rights.enter_blocked or rights.review_blocked)


def save_row(request: HttpRequest, score: Score, rights: SheetRights, key: str) -> int:
    """Save one row from POST data (names suffixed with the score's pk); 1 when it changed."""
    version = parse_id(request.POST.get(f"version-{key}", ""))
    if version is None:
        version = -1  # a tampered field: any change is refused as stale, nothing is lost
    field = score_value_field()
    if rights.can_enter and f"self-{key}" in request.POST:
        value = field.clean(request.POST.get(f"self-{key}", ""))
        note = request.POST.get(f"note-{key}", "")
        saved = sheets.save_self(score, value=value, note=note, version=version)
        return int(getattr(saved, "changed", False))
    if rights.can_review and f"reviewed-{key}" in request.POST:
        value = field.clean(request.POST.get(f"reviewed-{key}", ""))
        reason = request.POST.get(f"reason-{key}", "")
        saved = sheets.save_review(score, value=value, reason=reason, version=version)
        return int(getattr(saved, "changed", False))
    return 0


def save_rows(
    request: HttpRequest, sheet: ScoreSheet, rights: SheetRights
) -> tuple[int, dict[int, str]]:
    """Every row of the sheet's form in the POST: how many changed, and each refused row's
    reason (the page shows those rows with what was typed)."""
    saved = 0
    errors: dict[int, str] = {}
    if not any(name.startswith("version-") for name in request.POST):
        return 0, {}
    for score in sheet.scores.select_related("criterion").order_by("criterion__position"):
        key = str(score.pk)
        if f"version-{key}" not in request.POST:
            continue
        try:
            saved += save_row(request, score, rights, key)
        except ValidationError as error:
            errors[score.pk] = " ".join(error.messages)
    return saved, errors


def attach(
    request: HttpRequest, score: Score, rights: SheetRights, upload: UploadedFile | None
) -> tuple[bool, str]:
    """One file on a score: whether it was attached, and what to tell the row."""
    if upload is None:
        return False, _("Choose a file first, then press “Attach”.")
    if not rights.can_enter:
        return False, rights.enter_blocked
    form = EvidenceForm(data={}, files=MultiValueDict({"file": [upload]}))
    if not form.is_valid():
        return False, " ".join(str(text) for text in form.errors.get("file", []))
    checked = form.cleaned_data["file"]
    try:
        sheets.attach_evidence(
            score, upload=checked, content_type=checked.detected_content_type,
            by=request.user, limit=EVIDENCE_FILES_PER_SCORE,
        )  # fmt: skip
    except (ValidationError, PermissionDenied) as error:
        return False, _reason(error)
    return True, _("Attached: %(name)s.") % {"name": checked.name}


def remove(request: HttpRequest, evidence: Evidence, rights: SheetRights) -> tuple[bool, str]:
    """One file taken off its score (its history keeps who attached and removed it)."""
    if not rights.can_enter:
        return False, rights.enter_blocked
    try:
        sheets.remove_evidence(evidence, by=request.user)
    except (ValidationError, PermissionDenied) as error:
        return False, _reason(error)
    return True, _("Removed: %(name)s.") % {"name": evidence.original_name}


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("This change is not allowed now.")


def chosen_files(request: HttpRequest) -> dict[int, UploadedFile]:
    """The files chosen in the sheet's form, by score pk (inputs named file-<score pk>)."""
    chosen: dict[int, UploadedFile] = {}
    for name in request.FILES:
        pk = parse_id(name.removeprefix("file-")) if name.startswith("file-") else None
        upload = request.FILES.get(name)
        if pk is not None and upload is not None:
            chosen[pk] = upload
    return chosen


def attach_chosen(
    request: HttpRequest, sheet: ScoreSheet, rights: SheetRights
) -> dict[int, tuple[bool, str]]:
    """Every file chosen on any row of the form, each on its own score."""
    chosen = chosen_files(request)
    if not chosen:
        return {}
    scores = sheet.scores.select_related("criterion").filter(pk__in=list(chosen))
    return {score.pk: attach(request, score, rights, chosen[score.pk]) for score in scores}


def tell_rows(request: HttpRequest, results: dict[int, tuple[bool, str]]) -> None:
    """Each row's outcome for the next page of the sheet, drawn in its row."""
    for pk, (done, text) in results.items():
        level = messages.SUCCESS if done else messages.ERROR
        messages.add_message(request, level, text, extra_tags=f"{ROW_TAG} row-{pk}")


def row_messages(request: HttpRequest) -> dict[str, tuple[bool, str]]:
    """The messages meant for rows, by score pk (as a string, like the rows' keys); the others
    stay for the top of the page."""
    found: dict[str, tuple[bool, str]] = {}
    for message in messages.get_messages(request):
        tags = message.extra_tags.split()
        if ROW_TAG not in tags:
            continue
        pk = next((tag.removeprefix("row-") for tag in tags if tag.startswith("row-")), "")
        done = message.level == messages.SUCCESS
        if pk in found:
            done, text = found[pk][0] and done, f"{found[pk][1]} {message.message}"
        else:
            text = message.message
        found[pk] = (done, text)
    return found
