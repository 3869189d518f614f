"""Form pages and breadcrumbs: the shape every form page of the project shares."""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect


def save_or_explain(form):
    """Save a valid form; when the database refuses it (two people saving the same thing at the
    same moment, a double click on a slow line), say so next to the form and save nothing."""
    try:
        with transaction.atomic():
            return form.save()
    except IntegrityError:
        form.add_error(None, conflict_message())
        return None


def conflict_message() -> str:
    return _(
        "Someone saved a conflicting change at the same moment. "
        "Check the current data and try again."
    )


def resolve_crumbs(crumbs: list) -> list[tuple[str, str | None]]:
    """Breadcrumbs as (label, url); a URL may be given as a URL name or a path."""
    return [(label, resolve_url(url) if url else None) for label, url in crumbs]


def form_page(
    request,
    form,
    *,
    title: str,
    crumbs: list,
    cancel_url: str,
    success=None,
    next_url=None,
    submit: str = "",
    template: str = "core/form.html",
    extra: dict | None = None,
):
    """A page with one form. On a valid POST the form is saved, ``success`` (a message, or a
    function of the saved object giving one) is shown and the user goes to ``next_url`` (the
    saved object's page by default)."""
    if success is not None and request.method == "POST" and form.is_valid():
        saved = save_or_explain(form)
        if saved:
            messages.success(request, success(saved) if callable(success) else success)
            return redirect(next_url or saved)
    return render(
        request,
        template,
        {
            "form": form,
            "title": title,
            "crumbs": resolve_crumbs(crumbs),
            "cancel_url": resolve_url(cancel_url),
            "submit_label": submit or _("Save"),
            **(extra or {}),
        },
    )


def redirect_after_post(request: HttpRequest, url: str) -> HttpResponse:
    """Where a POST goes next. An htmx POST (a confirmation's first step) is sent there by
    HX-Redirect, so that a whole page never lands inside the small part htmx would swap."""
    if request.htmx:
        return HttpResponseClientRedirect(resolve_url(url))
    return redirect(url)


def confirmation(
    request: HttpRequest,
    *,
    title: str,
    consequence: str,
    confirm_label: str,
    cancel_url: str,
    details: list[str] | None = None,
    choice: tuple[str, str, list[tuple[str, str]]] | None = None,
) -> HttpResponse | None:
    """Ask before an act that cannot simply be undone, saying what follows.

    None when the POST confirms (``confirmed=1``, and the ``choice`` made when one is asked);
    otherwise the question: a ``<dialog>`` for htmx (the page's ``#confirm-slot``), a page of
    its own without JavaScript. Both post the same form again, with ``confirmed=1``. ``choice``
    is (field name, question, [(value, label)…]): a decision the act needs, with no default."""
    name = choice[0] if choice else ""
    if request.POST.get("confirmed") == "1" and (not choice or request.POST.get(name)):
        return None
    fields = [
        (key, value)
        for key, value in request.POST.items()
        if key not in ("csrfmiddlewaretoken", "confirmed", name)
    ]
    context = {
        "title": title,
        "consequence": consequence,
        "details": details or [],
        "confirm_label": confirm_label,
        "cancel_url": cancel_url,
        "action_url": request.get_full_path(),
        "fields": fields,
        "choice": choice,
        "choice_missing": request.POST.get("confirmed") == "1" and bool(choice),
    }
    if request.htmx:
        return render(request, "core/confirm.html#confirm-dialog", context)
    return render(request, "core/confirm.html", context)
