from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from clusters.links import year_crumbs
from core.ids import parse_id
from core.pages import form_page, save_or_explain
from documents.kinds import preview_response, render_pdf_response, stored_file_response

from . import access, services
from .documents import DOCUMENTS, document_context, load_for_print
from .forms import (
    AttendeeForm,
    CeremonyForm,
    ClauseForm,
    PledgeForm,
    ReopenForm,
    ScanForm,
    SignatoryForm,
)
from .models import Ceremony, Pledge


def _detail_url(cluster_year_pk: int, anchor: str = "") -> str:
    return reverse("pledges:pledge_detail", args=[cluster_year_pk]) + (
        f"#{anchor}" if anchor else ""
    )


def _crumbs(cluster_year, last: str | None = None) -> list:
    if last is None:
        return year_crumbs(cluster_year, (_("Covenant"), _detail_url(cluster_year.pk)))
    return year_crumbs(cluster_year, (_("Covenant"), _detail_url(cluster_year.pk)), (last, None))


def _clause_context(pledge: Pledge, rights) -> dict:
    return {
        "pledge": pledge,
        "rights": rights,
        "clauses": pledge.clauses.numbered(),
        "new_clause_form": ClauseForm(prefix="new"),
    }


def _clauses_response(request, pledge: Pledge, rights):
    """After a clause action: the clause list (htmx) or back to the page (plain form)."""
    if request.htmx:
        response = render(
            request, "pledges/pledge_detail.html#clauses", _clause_context(pledge, rights)
        )
        return reswap(retarget(response, "#clauses"), "outerHTML")
    return redirect(_detail_url(pledge.cluster_year_id, "clauses"))


# --- The covenant page -------------------------------------------------------------------


@login_required
def pledge_detail(request, pk: int):
    cluster_year, pledge, rights = access.get_pledge_for_user(request.user, pk)
    context = {
        "cluster_year": cluster_year,
        "cluster": cluster_year.cluster,
        "pledge": pledge,
        "rights": rights,
        "crumbs": _crumbs(cluster_year)[:-1] + [(_("Covenant"), None)],
        "documents": DOCUMENTS.values(),
    }
    if pledge is None:
        context["previous"] = (
            services.previous_pledge(cluster_year) if rights.can_organise else None
        )
    else:
        context.update(_clause_context(pledge, rights))
        context["signatories"] = pledge.signatories.select_related("unit").order_by("position")
        context["ceremony"] = Ceremony.objects.filter(pledge=pledge).first()
        context["attendees"] = (
            context["ceremony"].attendees.select_related("unit") if context["ceremony"] else []
        )
        context["history"] = pledge.history.select_related("history_user").order_by(
            "-history_date"
        )[:30]
        context["reopen_form"] = ReopenForm()
        context["scan_form"] = ScanForm()
    return render(request, "pledges/pledge_detail.html", context)


@login_required
@require_POST
def pledge_create(request, pk: int):
    cluster_year, pledge, _rights = access.get_pledge_for_user(request.user, pk, organise=True)
    source = request.POST.get("source", "blank")
    try:
        if source == "previous":
            previous = services.previous_pledge(cluster_year)
            if previous is None:
                raise ValidationError(_("The cluster has no earlier covenant to copy."))
            services.copy_pledge_from(previous, to_cluster_year=cluster_year)
            messages.success(
                request,
                _("Draft created from the %(year)s covenant. Check the legal bases and dates.")
                % {"year": previous.cluster_year.year},
            )
        else:
            services.create_pledge(cluster_year)
            messages.success(request, _("Draft covenant created."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except IntegrityError:  # two clicks at once: the other one created it
        messages.error(request, _("This year already has a covenant."))
    return redirect(_detail_url(cluster_year.pk))


@login_required
def pledge_edit(request, pk: int):
    cluster_year, pledge, _rights = access.get_pledge_for_user(request.user, pk, edit=True)
    return form_page(
        request,
        PledgeForm(request.POST or None, instance=pledge),
        success=_("Saved."),
        next_url=_detail_url(cluster_year.pk),
        title=_("Covenant: heading and text"),
        crumbs=_crumbs(cluster_year, _("Edit")),
        cancel_url=_detail_url(cluster_year.pk),
    )


@login_required
@require_POST
def pledge_status(request, pk: int):
    """Adopt, mark signed, or reopen (staff, with a reason)."""
    cluster_year, pledge, rights = access.get_pledge_for_user(request.user, pk, organise=True)
    if pledge is None:
        raise Http404
    action = request.POST.get("action")
    try:
        with transaction.atomic():
            if action == "adopt":
                pledge.adopt()
                messages.success(request, _("The covenant is adopted."))
            elif action == "sign":
                pledge.sign()
                messages.success(request, _("The covenant is signed. It can no longer change."))
            elif action == "reopen":
                if not rights.can_reopen:
                    raise PermissionDenied
                form = ReopenForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Write why the covenant is reopened."))
                pledge.reopen(reason=form.cleaned_data["reason"])
                messages.success(request, _("The covenant is reopened as a draft."))
            else:
                raise ValidationError(_("Unknown action."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_detail_url(cluster_year.pk))


# --- Clauses (htmx and plain forms) ------------------------------------------------------


@login_required
@require_POST
def clause_add(request, pk: int):
    cluster_year, pledge, rights = access.get_pledge_for_user(request.user, pk, edit=True)
    form = ClauseForm(request.POST, prefix="new")
    if form.is_valid():
        clause = form.save(commit=False)
        clause.pledge = pledge
        services.insert_clause(clause, after_pk=parse_id(request.POST.get("after")))
        return _clauses_response(request, pledge, rights)
    if request.htmx:
        context = {**_clause_context(pledge, rights), "new_clause_form": form}
        response = render(request, "pledges/pledge_detail.html#clauses", context)
        return reswap(retarget(response, "#clauses"), "outerHTML")
    return form_page(
        request,
        form,
        title=_("Add a clause"),
        crumbs=_crumbs(cluster_year, _("Add a clause")),
        cancel_url=_detail_url(cluster_year.pk, "clauses"),
    )


@login_required
def clause_edit(request, pk: int):
    clause, rights = access.get_clause_for_user(request.user, pk)
    pledge = clause.pledge
    form = ClauseForm(request.POST or None, instance=clause, prefix=f"clause-{clause.pk}")
    if request.method == "POST" and form.is_valid() and save_or_explain(form):
        return _clauses_response(request, pledge, rights)
    if request.htmx:
        return render(
            request, "pledges/pledge_detail.html#clause-form", {"form": form, "clause": clause}
        )
    return form_page(
        request,
        form,
        title=_("Edit a clause"),
        crumbs=_crumbs(pledge.cluster_year, _("Edit a clause")),
        cancel_url=_detail_url(pledge.cluster_year_id, "clauses"),
    )


@login_required
@require_POST
def clause_move(request, pk: int):
    clause, rights = access.get_clause_for_user(request.user, pk)
    services.move_clause(clause, up=request.POST.get("direction") == "up")
    return _clauses_response(request, clause.pledge, rights)


@login_required
@require_POST
@transaction.atomic  # the freeze check locks the covenant's row until the delete is done
def clause_delete(request, pk: int):
    clause, rights = access.get_clause_for_user(request.user, pk)
    pledge = clause.pledge
    clause.delete()
    return _clauses_response(request, pledge, rights)


# --- Signatories -------------------------------------------------------------------------


@login_required
def signatory_edit(request, pk: int):
    signatory, _rights = access.get_signatory_for_user(request.user, pk)
    cluster_year_pk = signatory.pledge.cluster_year_id
    return form_page(
        request,
        SignatoryForm(request.POST or None, instance=signatory),
        success=_("Saved."),
        next_url=_detail_url(cluster_year_pk, "signatories"),
        title=signatory.unit.name,
        crumbs=_crumbs(signatory.pledge.cluster_year, signatory.unit.name),
        cancel_url=_detail_url(cluster_year_pk, "signatories"),
    )


@login_required
@require_POST
def signatories_sync(request, pk: int):
    cluster_year, pledge, _rights = access.get_pledge_for_user(request.user, pk, edit=True)
    added, removed = services.sync_signatories(pledge)
    messages.success(
        request,
        _("Signatories refreshed from the members: %(added)d added, %(removed)d removed.")
        % {"added": added, "removed": removed},
    )
    return redirect(_detail_url(cluster_year.pk, "signatories"))


# --- Ceremony and attendees --------------------------------------------------------------


@login_required
def ceremony_edit(request, pk: int):
    cluster_year, pledge, _rights = access.get_pledge_for_user(request.user, pk, edit=True)
    ceremony = Ceremony.objects.filter(pledge=pledge).first() or Ceremony(pledge=pledge)
    return form_page(
        request,
        CeremonyForm(request.POST or None, instance=ceremony, pledge=pledge),
        success=_("Saved."),
        next_url=_detail_url(cluster_year.pk, "ceremony"),
        title=_("Signing conference"),
        crumbs=_crumbs(cluster_year, _("Signing conference")),
        cancel_url=_detail_url(cluster_year.pk, "ceremony"),
    )


@login_required
def attendee_add(request, pk: int):
    cluster_year, pledge, _rights = access.get_pledge_for_user(request.user, pk, edit=True)
    form = AttendeeForm(request.POST or None, pledge=pledge)
    if request.method == "POST":  # the conference record starts with its first attendee
        form.instance.ceremony, _created = Ceremony.objects.get_or_create(pledge=pledge)
    if "add_another" in request.POST:
        next_url = reverse("pledges:attendee_add", args=[cluster_year.pk])
    else:
        next_url = _detail_url(cluster_year.pk, "ceremony")
    return form_page(
        request,
        form,
        success=lambda attendee: _("%(name)s added.") % {"name": attendee},
        next_url=next_url,
        title=_("Add an attendee"),
        crumbs=_crumbs(cluster_year, _("Add an attendee")),
        cancel_url=_detail_url(cluster_year.pk, "ceremony"),
        template="pledges/attendee_form.html",
    )


@login_required
@require_POST
@transaction.atomic
def attendee_delete(request, pk: int):
    attendee, _rights = access.get_attendee_for_user(request.user, pk)
    cluster_year_pk = attendee.ceremony.pledge.cluster_year_id
    attendee.delete()
    messages.success(request, _("%(name)s removed.") % {"name": attendee})
    return redirect(_detail_url(cluster_year_pk, "ceremony"))


# --- The scanned signed copy -------------------------------------------------------------


@login_required
@require_POST
def scan_upload(request, pk: int):
    cluster_year, pledge, rights = access.get_pledge_for_user(request.user, pk, organise=True)
    if pledge is None or not rights.can_upload_scan:
        raise PermissionDenied(_("The scanned copy can be uploaded once the covenant is signed."))
    if pledge.scan and not rights.is_staff:
        raise PermissionDenied(_("Only staff can replace the stored signed copy."))
    form = ScanForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["scan"]
        # A replaced file is kept: the history still points at it.
        pledge.scan.save(upload.name, upload, save=False)
        pledge.scan_content_type = upload.detected_content_type
        pledge.scan_uploaded_at = timezone.now()
        pledge.save(update_fields=["scan", "scan_content_type", "scan_uploaded_at", "updated_at"])
        messages.success(request, _("The signed copy is stored."))
    else:
        for error in form.errors.get("scan", []):
            messages.error(request, error)
    return redirect(_detail_url(cluster_year.pk, "status"))


@login_required
def scan_download(request, pk: int):
    cluster_year, pledge, _rights = access.get_pledge_for_user(request.user, pk)
    if pledge is None or not pledge.scan:
        raise Http404
    extension = pledge.scan.name.rsplit(".", 1)[-1]
    return stored_file_response(
        pledge.scan,
        filename=f"giao-uoc-{cluster_year.year}-ban-ky.{extension}",
        content_type=pledge.scan_content_type,
    )


# --- Documents: preview and PDF ----------------------------------------------------------


def _document(request, pk: int, slug: str):
    cluster_year, pledge, _rights = access.get_pledge_for_user(request.user, pk)
    kind = DOCUMENTS.get(slug)
    if pledge is None or kind is None:
        raise Http404
    return cluster_year, kind, document_context(load_for_print(cluster_year.pk))


@login_required
def document_preview(request, pk: int, slug: str):
    cluster_year, kind, context = _document(request, pk, slug)
    return preview_response(
        request,
        kind.template,
        context,
        title=kind.label,
        subtitle=f"{cluster_year.cluster.name} — {cluster_year.year}",
        pdf_url=reverse("pledges:pledge_document_pdf", args=[cluster_year.pk, slug]),
        back_url=_detail_url(cluster_year.pk),
        crumbs=_crumbs(cluster_year, kind.label),
    )


@login_required
def document_pdf(request, pk: int, slug: str):
    cluster_year, kind, context = _document(request, pk, slug)
    return render_pdf_response(
        kind.template, context, filename=f"{kind.filename}-{cluster_year.year}.pdf"
    )
