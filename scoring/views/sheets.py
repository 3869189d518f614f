"""Pages of the score sheets: the year's sheets, one sheet (self-scoring and review, field by
field with htmx or as one form), its history, and its transitions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clusters.roles import roles_for
from core.ids import parse_id, parse_reason
from core.pages import confirmation, redirect_after_post

from .. import access, checks, sheet_page, trail
from ..models import ExtensionRequest, Score, ScoreSheet, ScoreValues, SheetIncomplete
from ..totals import YearScores, pair
from . import sheet_form
from .links import scores_crumbs, sheet_url


@login_required
def sheet_list(request, pk: int):
    cluster_year, table, can_edit = access.get_published_table_for_user(request.user, pk)
    sheet_list = cluster_year.in_member_order(
        access.visible_sheets(request.user, cluster_year).select_related("unit"),
        lambda sheet: sheet.unit,
    )
    totals = YearScores.load(table, sheet_list).all_totals()
    rows = [(sheet, totals[sheet.pk].own, totals[sheet.pk].effective) for sheet in sheet_list]
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
            "crumbs": scores_crumbs(cluster_year),
        },
    )


CHECK_PARAM = "kiem-tra"  # the sheet page with what it lacks listed and marked (a refused submit)


def _sheet_context(request, sheet: ScoreSheet, rights, *, errors: dict) -> dict:
    table = sheet.table
    tree = table.tree()
    scores = sheet.scores_in_order()
    history = sheet_page.sheet_history(sheet, scores)
    problems = []
    if CHECK_PARAM in request.GET and sheet.is_open_for_unit:
        problems = checks.problems([sheet.pk]).get(sheet.pk, [])
    rows = sheet_page.rows(
        tree,
        scores,
        sheet_pk=sheet.pk,
        errors=errors,
        missing_evidence={s.pk for s in sheet.missing_evidence(scores)},
    )
    if errors:  # a refused row comes back with what was typed, not the stored value
        for score in scores:
            if score.pk in errors:
                key = str(score.pk)
                score.self_note = request.POST.get(f"note-{key}", score.self_note)
                score.review_reason = request.POST.get(f"reason-{key}", score.review_reason)
    typed = {
        str(pk): {name: request.POST[f"{name}-{pk}"] for name in ("self", "reviewed")
                  if f"{name}-{pk}" in request.POST}
        for pk in errors
    }  # fmt: skip
    lacking = {str(problem.score_pk): problem for problem in problems}
    told = sheet_form.row_messages(request)
    for row in rows:
        if row.get("pk") in lacking:
            row["problem"] = lacking[row["pk"]]
        row.update(typed.get(row.get("pk", ""), {}))
        if row.get("pk") in told:
            row["message_ok"], row["message"] = told[row["pk"]]
    return {
        "sheet": sheet,
        "table": table,
        "cluster_year": table.cluster_year,
        "rights": rights,
        "labels": sheet_page.row_labels(),
        "extension": _extension(request.user, sheet),
        "deadline": sheet.deadline(),
        "problems": problems,
        "rows": rows,
        **_totals_context(tree, scores),
        "events": history.events,
        "status_events": history.status_events,
        "history_more": history.more,
        "crumbs": scores_crumbs(table.cluster_year, (sheet.unit.name, None)),
    }


def _totals_context(tree, scores: list) -> dict:
    totals = pair(tree, scores)
    return {
        "own": totals.own,
        "effective": totals.effective,
        "roots": tree.roots,
        "table": tree.table,
    }


@login_required
def sheet_detail(request, pk: int):
    """The sheet; a POST without JavaScript saves every row of the form at once."""
    sheet, rights = access.get_sheet_for_user(request.user, pk)
    if request.method == "POST":
        sheet_form.require_intent(request, rights)
        saved, errors = sheet_form.save_rows(request, sheet, rights)
        attached = sheet_form.attach_chosen(request, sheet, rights)
        sheet_form.tell_rows(request, attached)
        if saved and not errors:
            messages.success(request, _("%(count)d scores saved.") % {"count": saved})
        return after_form(request, sheet, rights, errors, focus=next(iter(attached), None))
    return render_sheet(request, sheet, rights, errors={})


def _extension(user, sheet: ScoreSheet) -> dict | None:
    """For the unit's clerk once its deadline has passed: the last request for more time and
    whether another may be sent (one waiting at a time)."""
    if not sheet.deadline_missed or sheet.unit_id not in roles_for(user).clerk_of:
        return None
    latest = sheet.extension_requests.first()
    pending = latest is not None and latest.status == ExtensionRequest.Status.PENDING
    return {"latest": latest, "can_ask": not pending}


def render_sheet(request, sheet: ScoreSheet, rights, *, errors: dict):
    return render(
        request, "scoring/sheet_detail.html", _sheet_context(request, sheet, rights, errors=errors)
    )


def after_form(request, sheet: ScoreSheet, rights, errors: dict, *, focus: int | None):
    """After the sheet's form was posted without JavaScript: back to the sheet at the row the
    button belonged to (its message drawn there); or, when a typed value was refused, the page
    again with what was typed and why, so that nothing typed is lost."""
    if errors:
        messages.error(request, _("Some scores were not saved; see the rows marked in red."))
        return render_sheet(request, sheet, rights, errors=errors)
    return redirect(sheet_url(sheet.pk, f"evidence-{focus}" if focus else ""))


HISTORY_PAGE = 100  # trail entries on a page of the sheet's history


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
    if criterion is not None and request.htmx:  # the criterion's panel on the sheet
        events, more = sheet_page.criterion_history(sheet, criterion.pk)
        return render(
            request,
            "scoring/_criterion_history.html",
            {"sheet": sheet, "criterion": criterion, "events": events, "more": more},
        )
    entries = Paginator(
        trail.Page(sheet.pk, criterion.pk if criterion else None), HISTORY_PAGE
    ).get_page(request.GET.get("trang"))
    codes = dict(sheet.table.criteria.values_list("pk", "code"))
    first = entries.number == 1
    return render(
        request,
        "scoring/sheet_history.html",
        {
            "sheet": sheet,
            "criterion": criterion,
            "page": entries,
            "events": sheet_page.events_of(list(entries), codes),
            # The status changes are few (a submission, a return, a review): on the first page.
            "status_events": sheet_page.status_events(sheet) if first and not criterion else [],
            "crumbs": scores_crumbs(
                sheet.table.cluster_year,
                (sheet.unit.name, sheet_url(sheet.pk)),
                (_("History"), None),
            ),
        },
    )


@login_required
@require_POST
def score_save(request, pk: int):
    """One row saved by itself (htmx): the row comes back with "đã lưu" or the error, and the
    totals are refreshed out of band."""
    score, rights = access.get_score_for_user(request.user, pk)
    sheet_form.require_intent(request, rights, str(score.pk))
    error, saved, stale = "", False, False
    try:
        saved = bool(sheet_form.save_row(request, score, rights, str(score.pk)))
    except ValidationError as problem:
        error = " ".join(problem.messages)
        # Refused as stale: the tab keeps the version it had, so that its next save is refused
        # too until the user takes the current value (reloads); never a silent overwrite.
        stale = any(item.code == "stale" for item in problem.error_list)
    if not request.htmx:
        if error:
            messages.error(request, f"{score.criterion.code}: {error}")
        return redirect(sheet_url(score.sheet_id, f"score-{score.pk}"))
    # Only the row's status comes back (the fields being typed in are never replaced), with
    # the new version and the sheet's totals out of band: not the whole sheet (2 queries).
    scores = ScoreValues.of(Score.objects.filter(sheet_id=score.sheet_id))
    current = next(item for item in scores if item.pk == score.pk)  # its version, saved or not
    return render(
        request,
        "scoring/sheet_detail.html#score-status",
        {**_totals_context(score.sheet.table.tree(), scores),
         "row": {"pk": score.pk, "error": error, "stale": stale}, "score": current,
         "just_saved": saved and not error, "oob_totals": True,
         # A new address (the current version in it), so that the browser loads the page
         # again instead of scrolling within the stale one.
         "reload_url": f"{reverse('scoring:sheet_detail', args=[score.sheet_id])}"
                       f"?phien-ban={current.version}#score-{score.pk}"},
    )  # fmt: skip


def _ask(request, sheet: ScoreSheet, action: str):
    """The confirmation an act on the sheet asks for, saying what follows (None: confirmed)."""
    unit = sheet.unit.name
    questions = {
        "submit": (
            _("Submit the sheet of %(unit)s?") % {"unit": unit},
            _(
                "Once submitted, the unit can no longer change its scores or evidence; the "
                "leader unit reviews them. Only the reviewer can send the sheet back."
            ),
            _("Yes, submit"),
        ),
        "reviewed": (
            _("Mark the sheet of %(unit)s reviewed?") % {"unit": unit},
            _(
                "The reviewed values count in the results and the review of this sheet stops; "
                "the reviewer or staff can reopen it, with a reason, until the results are final."
            ),
            _("Yes, mark reviewed"),
        ),
        "reopen": (
            _("Reopen the review of %(unit)s?") % {"unit": unit},
            _("The sheet goes back to “submitted” and its review can be changed again."),
            _("Yes, reopen the review"),
        ),
    }
    title, consequence, label = questions[action]
    return confirmation(
        request, title=title, consequence=consequence, confirm_label=label,
        cancel_url=sheet_url(sheet.pk),
    )  # fmt: skip


@login_required
@require_POST
def sheet_action(request, pk: int):
    sheet, rights = access.get_sheet_for_user(request.user, pk)
    if not (rights.can_enter or rights.can_review or rights.can_reopen):
        raise PermissionDenied(rights.enter_blocked or rights.review_blocked)
    action = request.POST.get("action")
    needed = {"submit": rights.can_enter, "return": rights.can_review,
              "reviewed": rights.can_review, "reopen": rights.can_reopen}  # fmt: skip
    if action in needed and not needed[action]:
        raise PermissionDenied(
            rights.enter_blocked if action == "submit" else rights.review_blocked
        )
    if action == "submit" and not request.htmx:
        # Without JavaScript the button submits the sheet's form: what was typed is saved
        # first (or the page comes back with it and why, nothing submitted).
        _saved, errors = sheet_form.save_rows(request, sheet, rights)
        sheet_form.tell_rows(request, sheet_form.attach_chosen(request, sheet, rights))
        if errors:
            return after_form(request, sheet, rights, errors, focus=None)
    if action == "submit" and checks.problems([sheet.pk]).get(sheet.pk):
        # Nothing to confirm while something is missing: the page lists all of it at once.
        messages.error(request, _("The sheet is not submitted yet: complete the rows below."))
        return redirect_after_post(request, f"{sheet_url(sheet.pk)}?{CHECK_PARAM}=1#problems")
    if action in ("submit", "reviewed", "reopen"):
        question = _ask(request, sheet, action)
        if question is not None:
            return question
    try:
        if action == "submit":
            sheet.submit(by=request.user)
            messages.success(request, _("The sheet is submitted to the leader unit for review."))
        elif action == "return":
            sheet.return_to_unit(reason=parse_reason(request.POST.get("reason")), by=request.user)
            messages.success(request, _("The sheet is returned to the unit."))
        elif action == "reviewed":
            sheet.mark_reviewed(by=request.user)
            messages.success(request, _("The sheet is marked reviewed."))
        elif action == "reopen":
            sheet.reopen_review(reason=parse_reason(request.POST.get("reason")), by=request.user)
            messages.success(request, _("The review is reopened."))
        else:
            raise ValidationError(_("Unknown action."))
    except SheetIncomplete:  # completed meanwhile in another tab, then emptied again
        messages.error(request, _("The sheet is not submitted yet: complete the rows below."))
        return redirect_after_post(request, f"{sheet_url(sheet.pk)}?{CHECK_PARAM}=1#problems")
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect_after_post(request, sheet_url(sheet.pk))
