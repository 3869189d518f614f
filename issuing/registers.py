"""The registers as a list: filtered (year, issuing body, kind, status) among the documents of
the years the user reads, and the same list as a workbook (scoring.excel.writing: every text
written as text, never a formula, whatever the body's or the user's name looks like)."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clusters.access import visible_cluster_years
from scoring.excel.writing import Book

from .models import IssuedDocument
from .sources import ISSUABLE


class RegisterFilter(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2200)
    body = forms.ChoiceField(label=gettext_lazy("Issuing body"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Document"), required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", "—"), ("valid", gettext_lazy("valid")),
                 ("superseded", gettext_lazy("superseded"))],
    )  # fmt: skip

    def __init__(self, data: object, *, readable: QuerySet[IssuedDocument]) -> None:
        super().__init__(data)  # type: ignore[arg-type]
        bodies = readable.order_by("body_name").values_list("body_key", "body_name").distinct()
        self.fields["body"].choices = [("", "—"), *bodies]  # type: ignore[attr-defined]
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *((slug, issuable.kind.label) for slug, issuable in ISSUABLE.items()),
        ]


@dataclass
class Listing:
    form: RegisterFilter
    documents: list[IssuedDocument]
    year: int


def readable_documents(user: object) -> QuerySet[IssuedDocument]:
    return IssuedDocument.objects.filter(cluster_year__in=visible_cluster_years(user)).defer("pdf")


def listing(user: object, params: dict) -> Listing:
    """The documents the filter asks for; this year's when no year is given, none when the
    filter is not valid (its errors say why)."""
    readable = readable_documents(user)
    data = {"year": timezone.localdate().year, **{k: v for k, v in params.items() if v}}
    form = RegisterFilter(data, readable=readable)
    if not form.is_valid():
        return Listing(form, [], timezone.localdate().year)
    chosen = form.cleaned_data
    documents = readable.filter(year=chosen["year"])
    if chosen["body"]:
        documents = documents.filter(body_key=chosen["body"])
    if chosen["kind"]:
        documents = documents.filter(kind=chosen["kind"])
    if chosen["status"] == "valid":
        documents = documents.filter(superseded_by__isnull=True)
    elif chosen["status"] == "superseded":
        documents = documents.filter(superseded_by__isnull=False)
    documents = documents.select_related(
        "issued_by", "supersedes", "superseded_by", "cluster_year__cluster"
    ).order_by("body_name", "body_key", "number")
    return Listing(form, list(documents), chosen["year"])


def superseded(document: IssuedDocument) -> bool:
    try:
        document.superseded_by  # noqa: B018 — the reverse one-to-one, selected with the row
    except IssuedDocument.DoesNotExist:
        return False
    return True


def register_workbook(documents: list[IssuedDocument], *, year: int) -> bytes:
    book = Book()
    sheet = book.sheet(_("Register %(year)s") % {"year": year})
    headers = [
        _("Number"), _("Issue date"), _("Document"), _("Issuing body"), _("Cluster"),
        _("Signer"), _("Issued by"), _("Issued at"), _("Status"), _("Supersedes"),
        _("Signed digitally"), _("Verification code"), "SHA-256",
    ]  # fmt: skip
    for col, header in enumerate(headers):
        book.text(sheet, 0, col, header, bold=True, bg_color="#DDDDDD", border=1)
    for row, doc in enumerate(documents, start=1):
        user = doc.issued_by
        values = [
            doc.reference,
            doc.issued_on.strftime("%d/%m/%Y"),
            doc.kind_label,
            doc.body_name,
            doc.cluster_year.cluster.name,
            doc.signer_name,
            user.get_full_name() or user.get_username(),
            timezone.localtime(doc.issued_at).strftime("%d/%m/%Y %H:%M:%S"),
            _("superseded") if superseded(doc) else _("valid"),
            doc.supersedes.reference if doc.supersedes else "",
            _("yes") if doc.signed else _("no"),
            doc.code,
            doc.sha256,
        ]
        for col, value in enumerate(values):
            book.text(sheet, row, col, value, border=1)
    for col, width in enumerate((12, 12, 36, 30, 36, 22, 20, 20, 14, 12, 10, 14, 66)):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)
    return book.close()
