from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from clusters.access import visible_cluster_years
from clusters.fields import parse_id
from clusters.models import Unit
from clusters.views import form_page, save_or_explain
from documents.rendering import render_document_html, render_pdf

from . import access, excel, services, sheets
from .documents import DOCUMENTS, document_context, load_for_print
from .forms import CriterionForm, ImportForm, TableSettingsForm
from .models import Criterion, ScoringTable, describe_tie_break

IMPORT_SALT = "scoring.import"


def _detail_url(cluster_year_pk: int, anchor: str = "") -> str:
    return reverse("table_detail", args=[cluster_year_pk]) + (f"#{anchor}" if anchor else "")


def _crumbs(cluster_year, last: str | None = None) -> list:
    crumbs = [
        (_("Clusters"), reverse("cluster_list")),
        (cluster_year.cluster.name, cluster_year.cluster.get_absolute_url()),
        (str(cluster_year.year), cluster_year.get_absolute_url()),
        (_("Scoring table"), _detail_url(cluster_year.pk)),
    ]
    if last:
        crumbs.append((last, None))
    return crumbs


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
    return redirect(_detail_url(table.cluster_year_id, "tree"))


# --- The table page ----------------------------------------------------------------------


@login_required
def table_detail(request, pk: int):
    cluster_year, table, rights = access.get_table_for_user(request.user, pk)
    context = {
        "cluster_year": cluster_year,
        "cluster": cluster_year.cluster,
        "table": table,
        "rights": rights,
        "documents": DOCUMENTS.values(),
        "crumbs": _crumbs(cluster_year)[:-1] + [(_("Scoring table"), None)],
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
    return redirect(_detail_url(cluster_year.pk))


@login_required
def table_settings(request, pk: int):
    cluster_year, table, rights = access.get_table_for_user(request.user, pk, organise=True)
    if table is None:
        raise Http404
    if not rights.can_edit_wording:
        raise PermissionDenied(_("The table is closed: nothing in it can change."))
    form = TableSettingsForm(request.POST or None, instance=table)
    if request.method == "POST" and form.is_valid() and not table.is_draft:
        # Published: save the wording only (the disabled fields keep their values anyway).
        table.title, table.legal_bases = (
            form.cleaned_data["title"],
            form.cleaned_data["legal_bases"],
        )
        table.save(update_fields=["title", "legal_bases", "updated_at"])
        messages.success(request, _("Saved."))
        return redirect(_detail_url(cluster_year.pk))
    return form_page(
        request,
        form,
        success=_("Saved."),
        next_url=_detail_url(cluster_year.pk),
        title=_("Settings of the table"),
        crumbs=_crumbs(cluster_year, _("Settings")),
        cancel_url=_detail_url(cluster_year.pk),
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
            table.close(reason=request.POST.get("reason", "").strip())
            messages.success(request, _("The table is closed."))
        else:
            raise ValidationError(_("Unknown action."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect(_detail_url(cluster_year.pk))


# --- Criteria (htmx and plain forms) -----------------------------------------------------


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
        crumbs=_crumbs(cluster_year, _("Add a criterion")),
        cancel_url=_detail_url(cluster_year.pk, "tree"),
    )


def _criterion_of(table: ScoringTable, pk) -> Criterion | None:
    if not pk:
        return None
    if parse_id(pk) is None:  # a tampered hidden field
        raise Http404
    return get_object_or_404(Criterion, table=table, pk=parse_id(pk))


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
        crumbs=_crumbs(table.cluster_year, criterion.code),
        cancel_url=_detail_url(table.cluster_year_id, "tree"),
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


# --- Excel ---------------------------------------------------------------------------------


@login_required
def table_export(request, pk: int):
    cluster_year, table, _rights = access.get_table_for_user(request.user, pk)
    if table is None:
        raise Http404
    response = HttpResponse(
        excel.export_table(table),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="bang-cham-diem-{cluster_year.year}.xlsx"'
    )
    return response


@login_required
def table_import(request, pk: int):
    """Upload → every error with its row and column, or a preview → confirm (nothing is saved
    before the confirmation, and nothing at all when any row is wrong)."""
    cluster_year, table, _rights = access.get_table_for_user(request.user, pk, organise=True)
    if table is not None and not table.is_draft:
        raise PermissionDenied(
            _("The table is published: its structure is frozen. Only wording can be fixed.")
        )
    context = {
        "cluster_year": cluster_year,
        "table": table,
        "crumbs": _crumbs(cluster_year, _("Import from Excel")),
        "form": ImportForm(),
    }
    if request.method == "POST" and "payload" in request.POST:
        try:
            data = signing.loads(request.POST["payload"], salt=IMPORT_SALT, max_age=3600)
        except signing.BadSignature:
            messages.error(request, _("The preview has expired. Upload the file again."))
            return redirect("table_import", pk=cluster_year.pk)
        if data.get("cluster_year") != cluster_year.pk:  # a preview made for another year
            messages.error(request, _("The preview has expired. Upload the file again."))
            return redirect("table_import", pk=cluster_year.pk)
        rows, settings = excel.data_to_rows(data)
        try:
            services.import_rows(cluster_year, rows, settings)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("table_import", pk=cluster_year.pk)
        messages.success(request, _("%(count)d criteria imported.") % {"count": len(rows)})
        return redirect(_detail_url(cluster_year.pk))
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > excel.MAX_BYTES:
                parsed = excel.Parsed(
                    errors=[
                        excel.ParseError(
                            None,
                            None,
                            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
                            % {
                                "size": round(upload.size / 1024 / 1024, 1),
                                "limit": excel.MAX_BYTES // (1024 * 1024),
                            },
                        )
                    ]
                )
            else:
                parsed = excel.parse_workbook(upload.read())
            context["errors"] = parsed.errors
            if not parsed.errors:
                rows, settings = excel.data_to_rows(excel.rows_to_data(parsed))
                preview = ScoringTable(
                    cluster_year=cluster_year,
                    title=settings.get("title") or "",
                    nominal_total=settings.get("nominal_total", 100),
                    bonus_cap=settings.get("bonus_cap", 5),
                    deduction_cap=settings.get("deduction_cap", 10),
                )
                context["preview"] = services.preview_tree(preview, rows)
                context["preview_table"] = preview
                context["payload"] = signing.dumps(
                    {**excel.rows_to_data(parsed), "cluster_year": cluster_year.pk},
                    salt=IMPORT_SALT,
                )
    return render(request, "scoring/table_import.html", context)


# --- Documents -----------------------------------------------------------------------------


def _document(request, pk: int, slug: str):
    cluster_year, table, _rights = access.get_table_for_user(request.user, pk)
    kind = DOCUMENTS.get(slug)
    if table is None or kind is None:
        raise Http404
    unit = None
    if slug == "phieu-cham" and request.GET.get("unit"):
        unit = get_object_or_404(
            Unit, pk=request.GET["unit"], memberships__cluster_year=cluster_year
        )
    return cluster_year, kind, document_context(load_for_print(cluster_year.pk), unit=unit), unit


@login_required
def table_document(request, pk: int, slug: str):
    cluster_year, kind, context, unit = _document(request, pk, slug)
    pdf_url = reverse("table_document_pdf", args=[cluster_year.pk, slug])
    if unit:
        pdf_url += f"?unit={unit.pk}"
    html = render_document_html(
        kind.template,
        {
            **context,
            "preview_title": kind.label,
            "preview_subtitle": f"{cluster_year.cluster.name} — {cluster_year.year}",
            "pdf_url": pdf_url,
            "back_url": _detail_url(cluster_year.pk),
            "crumbs": _crumbs(cluster_year, kind.label),
        },
        for_pdf=False,
        request=request,
    )
    return HttpResponse(html)


@login_required
def table_document_pdf(request, pk: int, slug: str):
    cluster_year, kind, context, unit = _document(request, pk, slug)
    response = HttpResponse(render_pdf(kind.template, context), content_type="application/pdf")
    suffix = f"-{unit.pk}" if unit else ""
    response["Content-Disposition"] = (
        f'inline; filename="{kind.filename}-{cluster_year.year}{suffix}.pdf"'
    )
    return response
