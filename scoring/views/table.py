"""The scoring table page: create or copy a table, its settings and status, and its criteria
(added, edited, moved with htmx or plain forms)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from clusters.access import visible_cluster_years
from clusters.models import Unit
from core.ids import parse_id, parse_reason
from core.pages import form_page, save_or_explain

from .. import access, services, sheets
from ..documents import DOCUMENTS
from ..forms import CriterionForm, TableSettingsForm
from ..models import Criterion, ScoringTable, describe_tie_break
from .links import table_crumbs, table_url


def _tree_context(table: ScoringTable, rights, **extra) -> dict:
    return {
        "table": table,
        "rights": rights,
        "tree": table.tree(),
        "new_form": CriterionForm(prefix="new", initial={"step": "0.5"}),
        **extra,
    }


def _tree_response(request, table: ScoringTable, rights, **extra):
    """After a change to the tree: the tree with its totals and warnings (htmx), or back to
    the page (plain form)."""
    if request.htmx:
        response = render(
            request, "scoring/table_detail.html#tree", _tree_context(table, rights, **extra)
        )
        return reswap(retarget(response, "#tree"), "outerHTML")
    return redirect(table_url(table.cluster_year_id, "tree"))


@login_required
def table_detail(request, pk: int):
    cluster_year, table, rights = access.get_table_for_user(request.user, pk)
    context = {
        "cluster_year": cluster_year,
        "cluster": cluster_year.cluster,
        "table": table,
        "rights": rights,
        "documents": DOCUMENTS.values(),
        "crumbs": table_crumbs(cluster_year),
    }
    if table is None:
        context["sources"] = _sources(request.user, cluster_year) if rights.can_organise else []
    else:
        context.update(_tree_context(table, rights))
        context["tie_break"] = [describe_tie_break(rule) for rule in table.tie_break]
        context["members"] = Unit.objects.filter(memberships__cluster_year=cluster_year).order_by(
            "memberships__position"
        )
        context["history"] = table.history.select_related("history_user").order_by("-history_date")[
            :20
        ]
    return render(request, "scoring/table_detail.html", context)


def _sources(user, cluster_year) -> list[ScoringTable]:
    """Earlier tables the user may see and copy (the cluster's own last year first)."""
    visible = set(visible_cluster_years(user).values_list("pk", flat=True))
    return [
        table
        for table in services.previous_tables(cluster_year)
        if table.cluster_year_id in visible and table.cluster_year.year < cluster_year.year
    ]


@login_required
@require_POST
def table_create(request, pk: int):
    cluster_year, table, _rights = access.get_table_for_user(request.user, pk, organise=True)
    try:
        if request.POST.get("source"):
            allowed = {t.pk: t for t in _sources(request.user, cluster_year)}
            source = allowed.get(parse_id(request.POST["source"]))
            if source is None:
                raise Http404
            services.copy_table(source, to_cluster_year=cluster_year)
            messages.success(
                request,
                _("Draft table copied from %(table)s (%(cluster)s, %(year)s).")
                % {
                    "table": source.title,
                    "cluster": source.cluster_year.cluster.name,
                    "year": source.cluster_year.year,
                },
            )
        else:
            services.create_table(cluster_year)
            messages.success(request, _("Empty draft table created."))
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    except (IntegrityError, ValueError):
        messages.error(request, _("This year already has a scoring table."))
    return redirect(table_url(cluster_year.pk))


@login_required
def table_settings(request, pk: int):
    cluster_year, table, rights = access.get_table_for_user(request.user, pk, organise=True)
    if table is None:
        raise Http404
    if not rights.can_edit_wording:
        raise PermissionDenied(_("The table is closed: nothing in it can change."))
    form = TableSettingsForm(request.POST or None, instance=table)
    if request.method == "POST" and form.is_valid() and not table.is_draft:
        # Published: the form holds the wording only.
        table.title, table.legal_bases, table.date = (
            form.cleaned_data["title"],
            form.cleaned_data["legal_bases"],
            form.cleaned_data["date"],
        )
        table.save(update_fields=["title", "legal_bases", "date", "updated_at"])
        messages.success(request, _("Saved."))
        return redirect(table_url(cluster_year.pk))
    return form_page(
        request,
        form,
        success=_("Saved."),
        next_url=table_url(cluster_year.pk),
        title=_("Settings of the table"),
        crumbs=table_crumbs(cluster_year, _("Settings")),
        cancel_url=table_url(cluster_year.pk),
        extra={
            "frozen": form.frozen,
            "frozen_note": _("The table is published: these settings are frozen."),
        },
    )


@login_required
@require_POST
def table_status(request, pk: int):
    cluster_year, table, rights = access.get_table_for_user(request.user, pk, organise=True)
    if table is None:
        raise Http404
    action = request.POST.get("action")
    try:
        if action == "publish":
            sheets.publish_table(table)
            messages.success(request, _("The table is published: its structure is now frozen."))
        elif action == "close":
            if not rights.can_close:
                raise PermissionDenied
            table.close(reason=parse_reason(request.POST.get("reason")))
            messages.success(request, _("The table is closed."))
        else:
            raise ValidationError(_("Unknown action."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect(table_url(cluster_year.pk))


@login_required
@require_POST
def criterion_add(request, pk: int):
    cluster_year, table, rights = access.get_table_for_user(request.user, pk, structure=True)
    form = CriterionForm(request.POST, prefix="new")
    parent = _criterion_of(table, request.POST.get("parent"))
    after = _criterion_of(table, request.POST.get("after"))
    if form.is_valid():
        criterion = form.save(commit=False)
        criterion.table = table
        criterion.parent = after.parent if after else parent
        services.add_criterion(criterion, after=after)
        return _tree_response(request, table, rights)
    if request.htmx:
        return _tree_response(request, table, rights, new_form=form)
    return form_page(
        request,
        form,
        title=_("Add a criterion"),
        crumbs=table_crumbs(cluster_year, _("Add a criterion")),
        cancel_url=table_url(cluster_year.pk, "tree"),
    )


def _criterion_of(table: ScoringTable, pk) -> Criterion | None:
    if not pk:
        return None
    wanted = parse_id(pk)
    if wanted is None:  # a tampered hidden field
        raise Http404
    return get_object_or_404(Criterion, table=table, pk=wanted)


@login_required
def criterion_edit(request, pk: int):
    criterion, rights = access.get_criterion_for_user(request.user, pk, structure=False)
    table = criterion.table
    wording_only = not table.is_draft
    form = CriterionForm(
        request.POST or None,
        instance=criterion,
        prefix=f"criterion-{criterion.pk}",
        wording_only=wording_only,
    )
    if request.method == "POST" and form.is_valid():
        if wording_only:
            criterion.save(update_fields=["text", "guidance"])
            saved = True
        else:
            saved = save_or_explain(form)
        if saved:
            return _tree_response(request, table, rights)
    if request.htmx:
        return render(
            request,
            "scoring/table_detail.html#criterion-form",
            {"form": form, "criterion": criterion},
        )
    return form_page(
        request,
        form,
        title=_("Criterion %(code)s") % {"code": criterion.code},
        crumbs=table_crumbs(table.cluster_year, criterion.code),
        cancel_url=table_url(table.cluster_year_id, "tree"),
    )


ACTIONS = {
    "indent": services.indent,
    "outdent": services.outdent,
    "up": lambda c: services.move(c, up=True),
    "down": lambda c: services.move(c, up=False),
    "delete": services.delete,
}


@login_required
@require_POST
def criterion_action(request, pk: int):
    criterion, rights = access.get_criterion_for_user(request.user, pk, structure=True)
    action = ACTIONS.get(request.POST.get("action"))
    try:
        if action is None:
            raise ValidationError(_("Unknown action."))
        action(criterion)
    except ValidationError as error:
        if not request.htmx:
            messages.error(request, " ".join(error.messages))
        return _tree_response(request, criterion.table, rights, tree_error=" ".join(error.messages))
    return _tree_response(request, criterion.table, rights)
