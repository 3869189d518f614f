"""The scoring table as a spreadsheet: export, and import with every error named by row and
column, a preview, then a confirmation (nothing saved before it)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from documents.kinds import xlsx_response

from .. import access, excel, services
from ..forms import ImportForm
from ..models import ScoringTable
from .links import table_crumbs, table_url

IMPORT_SALT = "scoring.import"


@login_required
def table_export(request: HttpRequest, pk: int) -> HttpResponse:
    cluster_year, table, _rights = access.get_table_for_user(request.user, pk)
    if table is None:
        raise Http404
    return xlsx_response(
        excel.export_table(table), filename=f"bang-cham-diem-{cluster_year.year}.xlsx"
    )


@login_required
def table_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload → every error with its row and column, or a preview → confirm (nothing is saved
    before the confirmation, and nothing at all when any row is wrong)."""
    cluster_year, table, rights = access.get_table_for_user(request.user, pk, organise=True)
    if table is not None and not table.is_draft:
        raise PermissionDenied(
            _("The table is published: its structure is frozen. Only wording can be fixed.")
        )
    context: dict[str, Any] = {
        "cluster_year": cluster_year,
        "table": table,
        "crumbs": table_crumbs(cluster_year, _("Import from Excel")),
        "form": ImportForm(),
    }
    if request.method == "POST" and "payload" in request.POST:
        try:
            data = signing.loads(request.POST["payload"], salt=IMPORT_SALT, max_age=3600)
        except signing.BadSignature:
            messages.error(request, _("The preview has expired. Upload the file again."))
            return redirect("scoring:table_import", pk=cluster_year.pk)
        if data.get("cluster_year") != cluster_year.pk:  # a preview made for another year
            messages.error(request, _("The preview has expired. Upload the file again."))
            return redirect("scoring:table_import", pk=cluster_year.pk)
        rows, settings = excel.data_to_rows(data)
        try:
            services.import_rows(cluster_year, rows, settings, year_settings=rights.is_staff)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("scoring:table_import", pk=cluster_year.pk)
        messages.success(request, _("%(count)d criteria imported.") % {"count": len(rows)})
        return redirect(table_url(cluster_year.pk))
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
            context["notes"] = parsed.notes  # the columns read, the defaults used
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
                # The preview's criteria are numbered from 1 (services.preview_tree).
                context["default_steps"] = {index + 1 for index in parsed.step_defaults}
                context["preview_table"] = preview
                context["payload"] = signing.dumps(
                    {**excel.rows_to_data(parsed), "cluster_year": cluster_year.pk},
                    salt=IMPORT_SALT,
                )
    return render(request, "scoring/table_import.html", context)
