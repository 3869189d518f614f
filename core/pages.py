"""Form pages and breadcrumbs: the shape every form page of the project shares."""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _


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
