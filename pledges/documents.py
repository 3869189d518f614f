"""The covenant's printed documents: what each print template receives. The templates live in
templates/pledges/print/ and extend the Decree 30 base of the documents app."""

from __future__ import annotations

from django.utils import timezone

from documents.kinds import DocumentKind, document_header, kinds_by_slug

from .models import Attendee, Ceremony, Pledge

DOCUMENTS = kinds_by_slug(
    DocumentKind(
        "giao-uoc", "pledges/print/covenant.html", "Bản giao ước thi đua", "giao-uoc-thi-dua"
    ),
    DocumentKind(
        "bien-ban",
        "pledges/print/minutes.html",
        "Biên bản hội nghị ký kết giao ước thi đua",
        "bien-ban-hoi-nghi-ky-ket",
    ),
    DocumentKind(
        "diem-danh",
        "pledges/print/attendance.html",
        "Danh sách đại biểu dự hội nghị",
        "danh-sach-dai-bieu",
    ),
)


def load_for_print(cluster_year_pk: int) -> Pledge:
    """The covenant with what every document prints, in a fixed number of queries."""
    return Pledge.objects.select_related("cluster_year__cluster__authority").get(
        cluster_year_id=cluster_year_pk
    )


def member_delegates(attendees: list[Attendee], signatories: list) -> list[dict]:
    """Who represents the member units at the conference: the delegates recorded, or else
    each member unit's signer (whatever guests or witnesses were recorded)."""
    delegates = [a for a in attendees if a.kind == Attendee.Kind.DELEGATE]
    if delegates:
        return [
            {"name": a.name, "title": a.title, "organisation": a.organisation_name}
            for a in delegates
        ]
    return [
        {"name": s.signer_name, "title": s.signer_title.capitalize(), "organisation": s.unit_name}
        for s in signatories
    ]


def document_context(pledge: Pledge) -> dict:
    """Everything the three documents print (4 queries whatever the number of members). The
    minutes and the attendance sheet are dated the day of the conference they record (the
    covenant's own date when the conference has none); the covenant and the minutes have a
    "Số:" line (a dotted blank until numbered)."""
    year = pledge.cluster_year.year
    clauses = pledge.clauses.numbered()
    signatories = list(pledge.signatories.select_related("unit").order_by("position", "pk"))
    ceremony = Ceremony.objects.select_related("host_unit").filter(pledge=pledge).first()
    attendees = (
        list(ceremony.attendees.select_related("unit").order_by("kind", "position", "pk"))
        if ceremony
        else []
    )
    witnesses = [a for a in attendees if a.kind == Attendee.Kind.WITNESS]
    header = document_header(
        issuer_parent=pledge.issuer_parent,
        issuer=pledge.issuer,
        number=pledge.number,
        place=pledge.place,
        date=pledge.date,
        year=year,
        upper=False,
    )
    starts_at = ceremony.starts_at if ceremony else None
    meeting_day = timezone.localtime(starts_at).date() if starts_at else pledge.date
    minutes_header = {**header, "number": "", "date": meeting_day}
    return {
        "pledge": pledge,
        "cluster": pledge.cluster_year.cluster,
        "year": year,
        "header": header,
        "minutes_header": minutes_header,
        "attendance_header": {**minutes_header, "number": None},
        "clauses": clauses,
        "signatories": signatories,
        "signature_blocks": [s.signature_block() for s in signatories],
        "registrations": [s for s in signatories if s.registered_title],
        "witness_blocks": [
            {
                "unit_line": witness.organisation_name,
                "authority_line": "",
                "title": witness.title,
                "name": witness.name,
            }
            for witness in witnesses
        ],
        "ceremony": ceremony,
        "minutes_blocks": [
            {"title": "THƯ KÝ", "name": ceremony.secretary_name if ceremony else ""},
            {"title": "CHỦ TRÌ HỘI NGHỊ", "name": ceremony.chair_name if ceremony else ""},
        ],
        "member_delegates": member_delegates(attendees, signatories),
        "guests": [a for a in attendees if a.kind != Attendee.Kind.DELEGATE],
        "recipients": pledge.recipient_lines(),
    }
