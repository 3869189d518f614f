"""Pages of "Áp dụng sắp xếp đơn vị hành chính": import a reorganisation as a table, preview
it with every problem named by row, apply it all at once, reverse it while nothing uses it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.ids import parse_reason
from core.pages import confirmation, form_page

from . import access
from .forms import ReorganisationForm
from .models import Reorganisation
from .reform import blockers, check
from .roles import roles_for


def _crumbs(*more: tuple[str, str | None]) -> list:
    return [(_("Reorganisations"), reverse("clusters:reorganisation_list")), *more]


@login_required
def reorganisation_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "clusters/reorganisation_list.html",
        {
            "reorganisations": access.visible_reorganisations(request.user),
            "can_create": roles_for(request.user).is_staff_anywhere,
            "crumbs": _crumbs(),
        },
    )


@login_required
def reorganisation_create(request: HttpRequest) -> HttpResponse:
    authorities = access.require_staff(request.user)
    form = ReorganisationForm(request.POST or None, request.FILES or None, authorities=authorities)
    if request.method == "POST" and form.is_valid() and form.reading is not None:
        upload = form.cleaned_data.get("file")
        reorganisation = Reorganisation(
            authority=form.cleaned_data["authority"],
            title=form.cleaned_data["title"],
            source_name=upload.name[:255] if upload else _("typed on the page"),
            rows=form.reading.rows,
            created_by=request.user if request.user.is_authenticated else None,
        )
        reorganisation._history_user = request.user  # type: ignore[attr-defined]
        reorganisation.full_clean()
        reorganisation.save()
        reorganisation.ending_authorities.set(form.cleaned_data["ending_authorities"])
        messages.info(request, _("Check the preview, then apply."))
        return redirect(reorganisation)
    return form_page(
        request,
        form,
        title=_("Apply a reorganisation of administrative units"),
        crumbs=_crumbs((_("New"), None)),
        cancel_url="clusters:reorganisation_list",
        submit=_("Preview"),
        template="clusters/reorganisation_form.html",
    )


@login_required
def reorganisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    reorganisation, can_edit = access.get_reorganisation_for_user(request.user, pk)
    draft = reorganisation.status == Reorganisation.Status.DRAFT
    plan = check(reorganisation) if draft else None
    return render(
        request,
        "clusters/reorganisation_detail.html",
        {
            "reorganisation": reorganisation,
            "can_edit": can_edit,
            "plan": plan,
            "links": reorganisation.links.select_related(
                "predecessor__authority", "successor"
            ).order_by("successor__name", "predecessor__name"),
            "blockers": blockers(reorganisation)
            if reorganisation.status == Reorganisation.Status.APPLIED
            else [],
            "history": reorganisation.history.select_related("history_user").order_by(
                "-history_date"
            ),
            "crumbs": _crumbs((reorganisation.title, None)),
        },
    )


@login_required
@require_POST
def reorganisation_apply(request: HttpRequest, pk: int) -> HttpResponse:
    reorganisation, _can_edit = access.get_reorganisation_for_user(request.user, pk, edit=True)
    plan = check(reorganisation)
    question = confirmation(
        request,
        title=_("Apply “%(title)s”?") % {"title": reorganisation.title},
        consequence=_(
            "%(ended)s former units end, %(new)s new units begin in %(authority)s and "
            "%(authorities)s authorities end, their records passing to %(authority)s. It can be "
            "reversed only while no year, user or later reorganisation uses the new units."
        )
        % {
            "ended": len(plan.ended),
            "new": len(plan.new_units),
            "authority": reorganisation.authority,
            "authorities": len(plan.authorities),
        },
        details=[str(a) for a in plan.authorities] + plan.warnings,
        confirm_label=_("Apply"),
        cancel_url=reorganisation.get_absolute_url(),
    )
    if question is not None:
        return question
    try:
        reorganisation.apply(by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Applied."))
    return redirect(reorganisation)


@login_required
def reorganisation_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    reorganisation, _can_edit = access.get_reorganisation_for_user(request.user, pk, edit=True)
    reasons = blockers(reorganisation)
    typed = ""
    if request.method == "POST":
        typed = parse_reason(request.POST.get("reason"))
        try:
            reorganisation.reverse(by=request.user, reason=typed)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request, _("Reversed: the former units and authorities are as before.")
            )
            return redirect(reorganisation)
    return render(
        request,
        "clusters/reorganisation_reverse.html",
        {
            "reorganisation": reorganisation,
            "blockers": reasons,
            "typed": typed,
            "crumbs": _crumbs(
                (reorganisation.title, reorganisation.get_absolute_url()), (_("Reverse"), None)
            ),
        },
    )


@login_required
@require_POST
def reorganisation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    reorganisation, _can_edit = access.get_reorganisation_for_user(request.user, pk, edit=True)
    if reorganisation.status != Reorganisation.Status.DRAFT:
        messages.error(request, _("Only a draft can be deleted; an applied one is reversed."))
        return redirect(reorganisation)
    question = confirmation(
        request,
        title=_("Delete the draft “%(title)s”?") % {"title": reorganisation.title},
        consequence=_("The table typed or uploaded is deleted; nothing else changes."),
        confirm_label=_("Delete"),
        cancel_url=reorganisation.get_absolute_url(),
    )
    if question is not None:
        return question
    reorganisation.delete()
    messages.success(request, _("Draft deleted."))
    return redirect("clusters:reorganisation_list")
