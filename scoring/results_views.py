"""The results page of a cluster-year: totals, ranks with their tie-break, tiers; staff
finalise (close the table) and reopen with a reason."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clusters.access import get_cluster_year_for_user
from documents.rendering import render_document_html, render_pdf

from .charts import results_bar_chart
from .models import ScoringTable, describe_tie_break
from .results import rank
from .sheet_models import Score, ScoreSheet, ScoreValues


def load_results(cluster_year):
    """The table, its tree and the ranked results (4 queries whatever the size)."""
    table = ScoringTable.objects.filter(cluster_year=cluster_year).first()
    if table is None or table.is_draft:
        raise Http404
    tree = table.tree()
    sheets = list(ScoreSheet.objects.filter(table=table).select_related("unit"))
    scores = ScoreValues.of(Score.objects.filter(sheet__table=table))
    return table, tree, rank(table, tree, sheets, scores)


@login_required
def results(request, pk: int):
    cluster_year, can_manage = get_cluster_year_for_user(request.user, pk)
    table, tree, ranked = load_results(cluster_year)
    return render(
        request,
        "scoring/results.html",
        {
            "cluster_year": cluster_year,
            "table": table,
            "roots": tree.roots,
            "results": ranked,
            "chart": mark_safe(  # noqa: S308 - built from escaped values in scoring/charts.py
                results_bar_chart(ranked, tree.roots, nominal=table.nominal_total)
            ),
            "rules": [describe_tie_break(rule) for rule in table.tie_break],
            "can_finalise": can_manage and table.status == ScoringTable.Status.PUBLISHED,
            "can_reopen": can_manage and table.is_closed,
            "unreviewed": [r for r in ranked if not r.is_reviewed],
            "crumbs": [
                (_("Clusters"), reverse("cluster_list")),
                (cluster_year.cluster.name, cluster_year.cluster.get_absolute_url()),
                (str(cluster_year.year), cluster_year.get_absolute_url()),
                (_("Results"), None),
            ],
        },
    )


@login_required
@require_POST
def results_status(request, pk: int):
    cluster_year, can_manage = get_cluster_year_for_user(request.user, pk)
    if not can_manage:
        raise PermissionDenied
    table = ScoringTable.objects.filter(cluster_year=cluster_year).first()
    if table is None:
        raise Http404
    reason = request.POST.get("reason", "")
    try:
        if request.POST.get("action") == "finalise":
            table.close(reason=reason or _("Results finalised"))
            messages.success(request, _("The results are final: the table and sheets are frozen."))
        elif request.POST.get("action") == "reopen":
            table.reopen(reason=reason)
            messages.success(request, _("The results are reopened."))
        else:
            raise ValidationError(_("Unknown action."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("results", pk=cluster_year.pk)


# --- The summary score table: PDF and Excel -----------------------------------------------------


def summary_context(cluster_year) -> dict:
    table, tree, ranked = load_results(cluster_year)
    authority = cluster_year.cluster.authority
    score_roots = [node.criterion for node in tree.roots if node.criterion.kind == "score"]
    leader = next(
        (m for m in cluster_year.memberships.select_related("unit") if m.role == "leader"), None
    )
    return {
        "table": table,
        "year": cluster_year.year,
        "cluster": cluster_year.cluster,
        "score_roots": score_roots,
        "chart": mark_safe(  # noqa: S308 - built from escaped values in scoring/charts.py
            results_bar_chart(ranked, tree.roots, nominal=table.nominal_total, width=900)
        ),
        "rows": [
            {
                "result": result,
                "sections": [result.totals.sections.get(root.pk) for root in score_roots],
            }
            for result in ranked
        ],
        "header": {
            "issuer_parent": (authority.short_name or authority.name).upper(),
            "issuer": cluster_year.cluster.name.upper(),
            "number": None,
            "place": authority.place_name,
            "date": None,
            "year": cluster_year.year,
        },
        "leader_block": {
            "unit_line": "CỤM TRƯỞNG",
            "authority_line": f"CHỦ TỊCH UBND {leader.unit.name}".upper() if leader else "",
            "title": "",
            "name": leader.signer_name if leader else "",
        },
    }


@login_required
def summary_pdf(request, pk: int):
    cluster_year, _can_manage = get_cluster_year_for_user(request.user, pk)
    pdf = render_pdf("scoring/print/summary.html", summary_context(cluster_year))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="tong-hop-diem-thi-dua-{cluster_year.year}.pdf"'
    )
    return response


@login_required
def summary_xlsx(request, pk: int):
    cluster_year, _can_manage = get_cluster_year_for_user(request.user, pk)
    context = summary_context(cluster_year)
    response = HttpResponse(
        summary_workbook(context),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="tong-hop-diem-thi-dua-{cluster_year.year}.xlsx"'
    )
    return response


def summary_workbook(context: dict) -> bytes:
    """Numbers as numbers; each total a formula of its row (score sections + bonus − deductions,
    bonus and deductions already within their caps); the header row frozen."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Tổng hợp"
    roots = context["score_roots"]
    headers = [
        "Hạng", "Đơn vị", *[f"{r.code}. {r.text}" for r in roots],
        "Điểm thưởng", "Điểm trừ", "Tổng điểm", "Tỷ lệ (%)", "Xếp loại", "Đã thẩm định",
    ]  # fmt: skip
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    first_section = 3
    bonus_col = first_section + len(roots)
    deduction_col = bonus_col + 1
    total_col = deduction_col + 1
    nominal = float(context["table"].nominal_total)
    for row_number, row in enumerate(context["rows"], start=2):
        result = row["result"]
        values = [result.rank, result.sheet.unit.name]
        values += [float(value or 0) for value in row["sections"]]
        values += [float(result.totals.bonus), float(result.totals.deduction)]
        start, end = get_column_letter(first_section), get_column_letter(bonus_col)
        deduction = get_column_letter(deduction_col)
        values.append(f"=SUM({start}{row_number}:{end}{row_number})-{deduction}{row_number}")
        values.append(f"=ROUND({get_column_letter(total_col)}{row_number}*100/{nominal},2)")
        values += [result.tier, "Có" if result.is_reviewed else "Chưa"]
        sheet.append(values)
        for column in range(first_section, total_col + 2):
            sheet.cell(row=row_number, column=column).number_format = "0.##"
    sheet.freeze_panes = "C2"
    sheet.column_dimensions["B"].width = 28
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- The vote's documents ----------------------------------------------------------------------

VOTE_DOCUMENTS = {
    "kiem-phieu": ("scoring/print/vote_count.html", "Biên bản kiểm phiếu", "bien-ban-kiem-phieu"),
    "hop-binh-xet": ("scoring/print/vote_meeting.html", "Biên bản họp bình xét",
                     "bien-ban-hop-binh-xet"),
    "to-trinh": ("scoring/print/proposal.html", "Tờ trình đề nghị khen thưởng",
                 "to-trinh-de-nghi-khen-thuong"),
}  # fmt: skip


def vote_context(cluster_year) -> dict:
    """Results, ballots with their computed outcomes, and the people who sign."""
    context = summary_context(cluster_year)
    table = context["table"]
    ballots = list(table.ballots.prefetch_related("counts__unit"))
    context["ballots"] = [
        {"ballot": ballot, "counts": list(ballot.counts.all()),
         "outcome": ballot.outcome(list(ballot.counts.all())),
         "invalid": ballot.ballots_issued - ballot.valid_ballots}
        for ballot in ballots
    ]  # fmt: skip
    context["members"] = [row["result"].sheet.unit for row in context["rows"]]
    context["authority"] = cluster_year.cluster.authority
    context["held_on"] = next((b.held_on for b in ballots if b.held_on), None)
    context["proposal_recipients"] = [
        cluster_year.cluster.authority.name,
        "Các đơn vị thành viên Cụm",
        "Lưu: VT",
    ]
    return context


@login_required
def vote_document(request, pk: int, slug: str, *, pdf: bool = False):
    cluster_year, _can_manage = get_cluster_year_for_user(request.user, pk)
    if slug not in VOTE_DOCUMENTS:
        raise Http404
    template, label, filename = VOTE_DOCUMENTS[slug]
    context = vote_context(cluster_year)
    if pdf:
        response = HttpResponse(render_pdf(template, context), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{filename}-{cluster_year.year}.pdf"'
        return response
    html = render_document_html(
        template,
        {
            **context,
            "preview_title": label,
            "pdf_url": reverse("vote_document_pdf", args=[cluster_year.pk, slug]),
            "back_url": reverse("ballot_list", args=[cluster_year.pk]),
            "crumbs": [
                (_("Clusters"), reverse("cluster_list")),
                (str(cluster_year.year), cluster_year.get_absolute_url()),
                (label, None),
            ],
        },
        for_pdf=False,
        request=request,
    )
    return HttpResponse(html)


@login_required
def vote_document_pdf(request, pk: int, slug: str):
    return vote_document(request, pk, slug, pdf=True)
