"""Issuing a document: one transition, in one transaction, on the register's locked counter."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from clusters.models import ClusterYear
from documents.rendering import render_pdf

from .models import IssuedDocument, RegisterCounter, new_code
from .qr import qr_svg
from .signing import Keys, sign_pdf
from .sources import ISSUABLE, Issuable

Renderer = Callable[[str, dict], bytes]


def issuing_body(cluster_year: ClusterYear) -> tuple[str, str, str, str]:
    """(key, name, signer's name, signer's title) of whoever issues the cluster's documents:
    its leader unit this year, or else the authority that organises the cluster."""
    leader = cluster_year.leader
    if leader is not None:
        return f"unit:{leader.unit_id}", leader.unit.name, leader.signer_name, leader.signer_title
    authority = cluster_year.cluster.authority
    return f"authority:{authority.pk}", authority.name, "", ""


def verification_url(code: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("issuing:verify", args=[code])


def numbered(context: dict, reference: str) -> dict:
    """The print context with the number in every header that has a "Số:" line (a header whose
    number is None has none and stays so)."""
    result = dict(context)
    for key, value in context.items():
        if isinstance(value, dict) and value.get("number", None) is not None:
            result[key] = {**value, "number": reference}
    return result


def _locked_counter(body_key: str, year: int) -> RegisterCounter:
    # get_or_create survives two first issues at once (the unique constraint, then a re-read);
    # the lock then makes every other issuer of this register wait until this one commits.
    RegisterCounter.objects.get_or_create(body_key=body_key, year=year)
    return RegisterCounter.objects.select_for_update().get(body_key=body_key, year=year)


def issue_document(
    *,
    cluster_year: ClusterYear,
    slug: str,
    by: Any,  # the user who issues (request.user, typed User | AnonymousUser by the stubs)
    supersede: IssuedDocument | None = None,
    render: Renderer = render_pdf,
    keys: Keys | None = None,
) -> IssuedDocument:
    """Give the document the register's next number and keep the PDF exactly as issued.

    Refused (ValidationError, with the reason) when the kind is not issued, when the document is
    not final yet, when a valid issue of it exists and this is not its correction, or when what
    it supersedes is already superseded. The number is taken under the counter's lock, and the
    PDF rendered (and signed with ``keys``, the operator's: issuing/signing.py) inside the same
    transaction: a failure gives the number back."""
    issuable = ISSUABLE.get(slug)
    if issuable is None:
        raise ValidationError(_("This document is not issued with a number."))
    reason = issuable.not_ready(cluster_year)
    if reason:
        raise ValidationError(reason)
    body_key, body_name, signer_name, signer_title = issuing_body(cluster_year)
    year = timezone.localdate().year
    with transaction.atomic():
        counter = _locked_counter(body_key, year)
        current = (
            IssuedDocument.objects.select_for_update(of=("self",))
            .filter(cluster_year=cluster_year, kind=slug)
            .valid()
            .first()
        )
        if supersede is None and current is not None:
            raise ValidationError(
                _("%(reference)s is already issued: issue a correction to replace it.")
                % {"reference": current.reference}
            )
        if supersede is not None and (current is None or current.pk != supersede.pk):
            raise ValidationError(
                _("Only the valid issue of this document can be corrected; it was replaced.")
            )
        number = counter.last_number + 1
        document = IssuedDocument(
            cluster_year=cluster_year, kind=slug, kind_label=issuable.kind.label,
            body_key=body_key, body_name=body_name, year=year, number=number,
            symbol=issuable.symbol, issued_on=timezone.localdate(), issued_at=timezone.now(),
            issued_by=by, signer_name=signer_name, signer_title=signer_title,
            code=new_code(), supersedes=supersede,
        )  # fmt: skip
        pdf = render(issuable.kind.template, print_context(issuable, document))
        if keys is not None:
            pdf = sign_pdf(pdf, keys=keys, organisation_name=body_name, signer_name=signer_name)
            document.signed = True
        document.pdf = pdf
        document.sha256 = hashlib.sha256(document.pdf).hexdigest()
        document.full_clean(exclude=["issued_by", "pdf"])
        document._history_user = by  # type: ignore[attr-defined]
        document.save()
        counter.last_number = number
        counter.save(update_fields=["last_number"])
    return document


def print_context(issuable: Issuable, document: IssuedDocument) -> dict:
    context = numbered(issuable.context(document.cluster_year), document.reference)
    url = verification_url(document.code)
    context["issued"] = {
        "code": document.code,
        "url": url,
        "reference": document.reference,
        "qr": mark_safe(qr_svg(url)),  # noqa: S308 — made here from our own URL, no user text
    }
    return context
