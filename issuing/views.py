"""The register of a cluster-year, issuing (and correcting) a document, the issued copy, and
the public verification page that the QR code of every issued document opens."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clusters.access import get_cluster_year_for_user
from config.client_ip import client_ip
from core.ids import parse_id
from core.pages import confirmation, redirect_after_post
from core.throttle import throttled
from documents.kinds import pdf_response, xlsx_response
from documents.rendering import PdfRenderError

from .models import IssuedDocument, normalised_code
from .registers import listing, register_workbook
from .registers import superseded as _superseded
from .services import issue_document
from .signing import SigningNotConfigured, check_signatures, configured_keys
from .sources import ISSUABLE


@login_required
def register(request: HttpRequest, pk: int) -> HttpResponse:
    cluster_year, manages = get_cluster_year_for_user(request.user, pk)
    issued = list(
        IssuedDocument.objects.filter(cluster_year=cluster_year)
        .select_related("issued_by", "superseded_by")
        .defer("pdf")
        .order_by("-issued_at")
    )
    kinds = []
    for slug, issuable in ISSUABLE.items():
        current = next((d for d in issued if d.kind == slug and not _superseded(d)), None)
        kinds.append(
            {
                "slug": slug,
                "label": issuable.kind.label,
                "current": current,
                "not_ready": issuable.not_ready(cluster_year) if manages else "",
            }
        )
    rows = [(doc, _superseded(doc)) for doc in issued]
    return render(
        request,
        "issuing/register.html",
        {
            "cluster_year": cluster_year,
            "rows": rows,
            "kinds": kinds,
            "can_issue": manages,
            "can_sign": bool(settings.SIGNING_ORGANISATION_PKCS12),
        },
    )


@login_required
@require_POST
def issue(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    cluster_year, _manages = get_cluster_year_for_user(request.user, pk, edit=True)
    issuable = ISSUABLE.get(slug)
    if issuable is None:
        raise Http404
    back = reverse("issuing:register", args=[cluster_year.pk])
    supersede = None
    if request.POST.get("supersede"):
        wanted = parse_id(request.POST["supersede"])
        if wanted is not None:
            supersede = IssuedDocument.objects.filter(
                cluster_year=cluster_year, kind=slug, pk=wanted
            ).first()
        if supersede is None:
            messages.error(request, _("The document to correct was not found."))
            return redirect_after_post(request, back)
    question = confirmation(
        request,
        title=(
            _("Issue a correction of %(reference)s?") % {"reference": supersede.reference}
            if supersede
            else _("Issue %(kind)s?") % {"kind": issuable.kind.label}
        ),
        consequence=_(
            "The document gets the next number of the register and is kept exactly as it is "
            "printed now, with a verification code. A number once given is never taken back, "
            "and the issued copy never changes: a later correction is a new issue."
        ),
        details=[
            *(
                [_("%(reference)s will be marked superseded.") % {"reference": supersede.reference}]
                if supersede
                else []
            ),
            *(
                [_("It will be signed digitally with the organisation's key.")]
                if request.POST.get("sign")
                else []
            ),
        ],
        confirm_label=_("Issue"),
        cancel_url=back,
    )
    if question is not None:
        return question
    try:
        keys = configured_keys() if request.POST.get("sign") else None
        document = issue_document(
            cluster_year=cluster_year, slug=slug, by=request.user, supersede=supersede, keys=keys
        )
    except SigningNotConfigured:
        messages.error(
            request,
            _("Digital signing is not set up on this server: ask the operator for the keys."),
        )
        return redirect_after_post(request, back)
    except (ValidationError, PdfRenderError) as error:
        for message in getattr(error, "messages", [str(error)]):
            messages.error(request, message)
        return redirect_after_post(request, back)
    messages.success(request, _("Issued as %(reference)s.") % {"reference": document.reference})
    return redirect_after_post(request, back)


@login_required
def issued_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The copy as issued, through the same door as the live document of its kind."""
    document = get_object_or_404(IssuedDocument.objects.only("kind", "cluster_year_id"), pk=pk)
    ISSUABLE[document.kind].door(request.user, document.cluster_year_id)
    document = IssuedDocument.objects.get(pk=pk)
    return pdf_response(
        bytes(document.pdf),
        filename=f"{document.number:02d}-{document.kind}-{document.year}.pdf",
    )


# --- The public verification page ---------------------------------------------------------


def _throttled(request: HttpRequest) -> bool:
    """More than VERIFY_PER_MINUTE checks from one address in this minute (the address as the
    login throttle sees it: config.client_ip, which trusts only the configured proxies), counted
    in the shared cache so that every worker of every node sees the same count."""
    return throttled("issuing-verify", client_ip(request) or "", settings.VERIFY_PER_MINUTE)


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Anyone holding the paper or the file: what was issued under this code (kind, number,
    date, body, status, hash: nothing of the document's content), and whether an uploaded PDF
    is byte for byte that document."""
    if _throttled(request):
        response = render(request, "issuing/verify.html", {"throttled": True}, status=429)
        response["Retry-After"] = "60"
        return response
    document = (
        IssuedDocument.objects.filter(code=normalised_code(code)[:20])
        .select_related("superseded_by")
        .defer("pdf")
        .first()
    )
    context: dict = {"document": document, "code": code[:20]}
    if document is not None:
        context["superseded"] = _superseded(document)
        context["replacement"] = document.superseded_by if context["superseded"] else None
    if request.method == "POST" and document is not None:
        context["comparison"] = _compare(request, document)
    return render(request, "issuing/verify.html", context, status=200 if document else 404)


def _compare(request: HttpRequest, document: IssuedDocument) -> dict:
    upload = request.FILES.get("file")
    if upload is None:
        return {"error": _("Choose the PDF file to compare.")}
    if upload.size is None or upload.size > settings.VERIFY_UPLOAD_MAX_BYTES:
        return {
            "error": _("The file is larger than %(mb)s MB: it is not this document.")
            % {"mb": settings.VERIFY_UPLOAD_MAX_BYTES // (1024 * 1024)}
        }
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    return {"same": digest.hexdigest() == document.sha256, "sha256": digest.hexdigest()}


@require_GET
def verify_form(request: HttpRequest) -> HttpResponse:
    """A code typed by hand: the page of that code."""
    code = normalised_code(request.GET.get("code", ""))
    if code:
        return redirect("issuing:verify", code=code)
    return render(request, "issuing/verify.html", {"ask": True})


# --- Checking a signed PDF --------------------------------------------------------------------


@login_required
def signature_check(request: HttpRequest) -> HttpResponse:
    """A signed PDF (e.g. a covenant signed elsewhere) checked against the trust roots the
    operator configured: each signature, whether it is intact, trusted and covers the file."""
    context: dict = {"roots": len(settings.SIGNING_TRUST_ROOTS)}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = _("Choose the PDF file to check.")
        elif upload.size is None or upload.size > settings.VERIFY_UPLOAD_MAX_BYTES:
            context["error"] = _("The file is larger than %(mb)s MB.") % {
                "mb": settings.VERIFY_UPLOAD_MAX_BYTES // (1024 * 1024)
            }
        else:
            try:
                context["checks"] = check_signatures(upload.read())
            except Exception:  # noqa: BLE001 — any unreadable file is the user's to know
                context["error"] = _("The file is not a PDF whose signatures can be read.")
            else:
                if not context["checks"]:
                    context["error"] = _("The file has no digital signature.")
    return render(request, "issuing/signature_check.html", context)


# --- The registers, every body's, per year ------------------------------------------------


@login_required
def register_list(request: HttpRequest) -> HttpResponse:
    """The registers of the years the user reads, filtered; who issued what and when."""
    found = listing(request.user, request.GET.dict())
    rows = [(doc, _superseded(doc)) for doc in found.documents]
    return render(
        request,
        "issuing/register_list.html",
        {"form": found.form, "rows": rows, "year": found.year, "query": request.GET.urlencode()},
    )


@login_required
def register_xlsx(request: HttpRequest) -> HttpResponse:
    found = listing(request.user, request.GET.dict())
    return xlsx_response(
        register_workbook(found.documents, year=found.year),
        filename=f"so-van-ban-di-{found.year}.xlsx",
    )
