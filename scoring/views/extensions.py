"""More time for one unit after its deadline: the unit's clerk asks ("Xin gia hạn") from its
sheet, staff answer on the year's deadlines page (scoring.models.ExtensionRequest)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clusters.access import get_cluster_year_for_user
from clusters.roles import roles_for
from core.pages import confirmation, form_page

from .. import access
from ..forms import ExtensionAnswerForm, ExtensionAskForm
from ..models import ExtensionRequest
from .links import scores_crumbs, sheet_url


@login_required
def extension_ask(request: HttpRequest, pk: int) -> HttpResponse:
    sheet, _rights = access.get_sheet_for_user(request.user, pk)
    if sheet.unit_id not in roles_for(request.user).clerk_of:
        raise PermissionDenied(_("Only the unit's clerks ask for more time for its sheet."))
    form = ExtensionAskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ExtensionRequest.ask(
                sheet, by=request.user, reason=form.cleaned_data["reason"],
                until=form.cleaned_data["until"],
            )  # fmt: skip
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The request is sent to staff; the answer will show on the sheet.")
            )
            return redirect(sheet_url(sheet.pk))
    cluster_year = sheet.table.cluster_year
    deadline = sheet.deadline()
    # The dashboard links here while the deadline is missed: a request already waiting is told
    # instead of a form that could only be refused.
    waiting = sheet.extension_requests.filter(status=ExtensionRequest.Status.PENDING).first()
    return form_page(
        request,
        form,
        title=_("Ask for more time: %(unit)s") % {"unit": sheet.unit.name},
        crumbs=scores_crumbs(
            cluster_year, (sheet.unit.name, sheet_url(sheet.pk)), (_("Extension"), None)
        ),
        cancel_url=sheet_url(sheet.pk),
        submit=_("Send the request"),
        template="scoring/extension_ask.html",
        extra={"sheet": sheet, "deadline": deadline, "waiting": waiting},
    )


@login_required
@require_POST
def extension_answer(request: HttpRequest, pk: int) -> HttpResponse:
    extension = get_object_or_404(
        ExtensionRequest.objects.select_related("sheet__unit", "sheet__table"), pk=pk
    )
    cluster_year, _can_edit = get_cluster_year_for_user(
        request.user, extension.sheet.table.cluster_year_id, edit=True
    )
    back = reverse("scoring:deadlines", args=[cluster_year.pk]) + f"#request-{extension.pk}"
    form = ExtensionAnswerForm(request.POST, prefix=f"r{extension.pk}")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"{extension.sheet.unit.name}: {error}")
        return redirect(back)
    data = form.cleaned_data
    try:
        if data["decision"] == "grant":
            question = confirmation(
                request,
                title=_("Give %(unit)s until %(day)s?")
                % {"unit": extension.sheet.unit.name,
                   "day": formats.date_format(data["until"], "SHORT_DATE_FORMAT")},
                consequence=_(
                    "The unit can score and submit its sheet until the end of that day. An "
                    "extension cannot be taken back; the other units keep the year's deadline."
                ),
                confirm_label=_("Yes, grant"),
                cancel_url=back,
            )  # fmt: skip
            if question is not None:
                return question
            extension.grant(by=request.user, until=data["until"], answer=data["answer"])
            messages.success(request, _("Extension granted."))
        else:
            extension.refuse(by=request.user, answer=data["answer"])
            messages.success(request, _("Request refused."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, f"{extension.sheet.unit.name}: {message}")
    return redirect(back)
