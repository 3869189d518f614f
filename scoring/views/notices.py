"""A person's reminders (scoring.reminders): the newest first, the unread marked; read ones are
marked read only by a POST."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.ids import parse_page
from core.pages import resolve_crumbs

from ..models import Reminder

PER_PAGE = 50


def _mine(request: HttpRequest) -> QuerySet[Reminder]:
    return Reminder.objects.filter(user_id=request.user.pk or 0)


@login_required
def reminder_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(_mine(request), PER_PAGE).get_page(parse_page(request.GET.get("trang")))
    return render(
        request,
        "scoring/reminders.html",
        {
            "page": page,
            "crumbs": resolve_crumbs([(_("Reminders"), None)]),
        },
    )


@login_required
@require_POST
def reminders_read(request: HttpRequest) -> HttpResponse:
    count = _mine(request).filter(read_at__isnull=True).update(read_at=timezone.now())
    if count:
        messages.success(request, _("Every reminder is marked read."))
    return redirect("scoring:reminders")


@login_required
@require_POST
def reminder_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open what a reminder is about, marking it read on the way (a POST: a link's GET writes
    nothing). Another person's reminder does not exist here."""
    reminder = get_object_or_404(_mine(request), pk=pk)
    if reminder.read_at is None:
        _mine(request).filter(pk=reminder.pk, read_at__isnull=True).update(read_at=timezone.now())
    if url_has_allowed_host_and_scheme(reminder.url, allowed_hosts=None):
        return redirect(reminder.url)
    return redirect("scoring:reminders")
