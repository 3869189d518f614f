"""Walks every URL pattern of the project. A view that is not listed here fails the first test,
so every new view must come with its access rules: the right role, read-only (403), outsider
(404), anonymous (login)."""

from __future__ import annotations

import datetime
from urllib.parse import urlparse

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import PERSONAS

# Views anyone may open without logging in.
# The verification pages of issued documents are public by design (tests/issuing/ checks they
# reveal nothing but the register's entry).
PUBLIC = {"login", "logout", "set_language", "healthz", "issuing:verify", "issuing:verify_form"}

OK, FORBIDDEN, NOT_FOUND = 200, 403, 404
EVERYONE = dict.fromkeys(PERSONAS, OK)
STAFF_ONLY_CREATE = {
    "staff": OK,
    "viewer": FORBIDDEN,
    "leader_clerk": FORBIDDEN,
    "member_clerk": FORBIDDEN,
    "outsider_clerk": FORBIDDEN,
    "no_role": FORBIDDEN,
}
READ_CLUSTER_OF_A = {
    "staff": OK,
    "viewer": OK,
    "leader_clerk": OK,
    "member_clerk": OK,
    "outsider_clerk": NOT_FOUND,
    "no_role": NOT_FOUND,
}
# The ranking and every unit's totals: member units read them once the results are final (the
# world's year is open here; tests/test_reading_by_state.py walks the other states).
SUMMARY_OF_A = {**READ_CLUSTER_OF_A, "member_clerk": FORBIDDEN}
# A POST that succeeds redirects (302) instead of showing a page.
FOUND = {"staff": 302, "leader_clerk": 302}
CHANGE_CLUSTER_OF_A = {
    "staff": OK,
    "viewer": FORBIDDEN,
    "leader_clerk": FORBIDDEN,
    "member_clerk": FORBIDDEN,
    "outsider_clerk": NOT_FOUND,
    "no_role": NOT_FOUND,
}

ORGANISE_COVENANT = {**CHANGE_CLUSTER_OF_A, "leader_clerk": OK}


def signed_pledge(world) -> int:
    """Sign the world's covenant (for the views that need a signed one); its cluster-year pk."""
    pledge = world.pledge
    pledge.date = datetime.date(2024, 3, 20)
    pledge.save()
    pledge.adopt()
    pledge.sign()
    return pledge.cluster_year_id


def scanned_pledge(world) -> int:
    pk = signed_pledge(world)
    world.pledge.scan.save("ban-ky.pdf", ContentFile(b"%PDF-1.4 scan"), save=False)
    world.pledge.scan_content_type = "application/pdf"
    world.pledge.save(update_fields=["scan", "scan_content_type"])
    return pk


YEAR = lambda w: {"pk": w.cluster_year.pk}  # noqa: E731


def opened(world, *, other: bool = False):
    """Publish the (other) year's table so its sheets open, with deadlines ahead."""
    from scoring.sheets import publish_table

    table = world.other_table if other else world.table
    cluster_year = table.cluster_year
    cluster_year.self_score_deadline = datetime.date.today() + datetime.timedelta(days=30)
    cluster_year.review_deadline = datetime.date.today() + datetime.timedelta(days=40)
    cluster_year.save()
    publish_table(table)
    return table


def member_sheet(world, *, other: bool = False):
    table = opened(world, other=other)
    unit = world.other_unit if other else world.member
    return table.sheets.get(unit=unit)


def member_score(world, *, other: bool = False):
    return member_sheet(world, other=other).scores.first()


def member_evidence(world, *, other: bool = False):
    from scoring.models import Evidence

    evidence = Evidence(score=member_score(world, other=other), original_name="minh-chung.pdf",
                        content_type="application/pdf", size=8)  # fmt: skip
    evidence.file.save("minh-chung.pdf", ContentFile(b"%PDF-1.4"), save=False)
    evidence.save()
    return evidence


def a_ballot(world, *, other: bool = False):
    from results.models import Ballot

    return Ballot.objects.create(table=opened(world, other=other), award="Cờ thi đua")


def an_issued_covenant(world, *, other: bool = False):
    """An entry of the register (made directly: issuing itself is tested in tests/issuing/)."""
    from django.utils import timezone

    from issuing.models import IssuedDocument

    return IssuedDocument.objects.create(
        cluster_year=world.other_cluster_year if other else world.cluster_year, kind="giao-uoc",
        kind_label="Bản giao ước thi đua", body_key="unit:0", body_name="xã", year=2024,
        number=1, symbol="GƯ-CTĐ", issued_on=timezone.localdate(), issued_at=timezone.now(),
        issued_by=world.users["staff"], pdf=b"%PDF-1.7", sha256="0" * 64,
        code="TEST" + ("B" if other else "A") * 6,
    )  # fmt: skip


def late_sheet(world, *, other: bool = False):
    """The member's (or B's unit's) sheet once the self-scoring deadline has passed: its clerk
    may ask for more time."""
    from django.utils import timezone

    sheet = member_sheet(world, other=other)
    cluster_year = sheet.table.cluster_year
    cluster_year.self_score_deadline = timezone.localdate() - datetime.timedelta(days=1)
    cluster_year.save()
    return sheet


def an_extension_request(world, *, other: bool = False):
    """A request for more time waiting for staff, asked by the unit's clerk."""
    from scoring.models import ExtensionRequest

    clerk = world.users["outsider_clerk" if other else "member_clerk"]
    return ExtensionRequest.ask(late_sheet(world, other=other), by=clerk, reason="Thiếu người")


def a_reminder(world, *, other: bool = False):
    """A reminder of staff (or, for the other authority, of its clerk): only its owner opens it."""
    from scoring.models import Reminder

    user = world.users["outsider_clerk" if other else "staff"]
    return Reminder.objects.create(
        user=user, key="k", kind="returned", subject="Nhắc", body="Nội dung", url="/"
    )


# A person's own reminder: opened (and marked read) by its owner only.
OPEN_REMINDER = {**dict.fromkeys(PERSONAS, NOT_FOUND), "staff": 302}

# More time after a missed deadline: only the unit's own clerk asks (the others who read the
# sheet 403, those who do not 404).
ASK_EXTENSION = {
    "staff": FORBIDDEN, "viewer": FORBIDDEN, "leader_clerk": FORBIDDEN, "member_clerk": OK,
    "outsider_clerk": NOT_FOUND, "no_role": NOT_FOUND,
}  # fmt: skip

# Sheets: the unit and staff enter; viewers and the leader (not yet reviewing) read.
ENTER_SHEET = {
    "staff": 302, "member_clerk": 302, "leader_clerk": FORBIDDEN, "viewer": FORBIDDEN,
    "outsider_clerk": NOT_FOUND, "no_role": NOT_FOUND,
}  # fmt: skip


def a_reorganisation(world, *, other: bool = False):
    """A draft reorganisation received by authority A (or B)."""
    from clusters.models import Reorganisation

    authority = world.other_authority if other else world.authority
    unit = world.other_unit if other else world.member
    return Reorganisation.objects.create(
        authority=authority,
        title="Sắp xếp đơn vị hành chính",
        rows=[{"row": 2, "old": unit.name, "new": "phường Mới", "kind": "phường",
               "effective": "01/07/2025", "resolution": "1683/NQ-UBTVQH15",
               "resolution_date": ""}],
    )  # fmt: skip


REORGANISATION = lambda w: {"pk": a_reorganisation(w).pk}  # noqa: E731
# A reorganisation is the business of its authority's staff (who change) and viewers (who read).
READ_AUTHORITY_OF_A = {**READ_CLUSTER_OF_A, "leader_clerk": NOT_FOUND, "member_clerk": NOT_FOUND}
CHANGE_AUTHORITY_OF_A = {
    **CHANGE_CLUSTER_OF_A, "leader_clerk": NOT_FOUND, "member_clerk": NOT_FOUND,
}  # fmt: skip

# url name -> (method, kwargs from the world, expected status per persona)
ACCESS = {
    "clusters:home": ("get", lambda w: {}, EVERYONE),
    "password_change": ("get", lambda w: {}, EVERYONE),
    "password_change_done": ("get", lambda w: {}, EVERYONE),
    "clusters:cluster_list": ("get", lambda w: {}, EVERYONE),
    "clusters:unit_list": ("get", lambda w: {}, EVERYONE),
    "clusters:cluster_create": ("get", lambda w: {}, STAFF_ONLY_CREATE),
    "clusters:unit_create": ("get", lambda w: {}, STAFF_ONLY_CREATE),
    "clusters:authority_edit": (
        "get",
        lambda w: {"pk": w.authority.pk},
        {**CHANGE_CLUSTER_OF_A, "leader_clerk": NOT_FOUND, "member_clerk": NOT_FOUND},
    ),
    "clusters:cluster_detail": ("get", lambda w: {"pk": w.cluster.pk}, READ_CLUSTER_OF_A),
    "clusters:cluster_edit": ("get", lambda w: {"pk": w.cluster.pk}, CHANGE_CLUSTER_OF_A),
    "clusters:cluster_year_create": (
        "get",
        lambda w: {"cluster_pk": w.cluster.pk},
        CHANGE_CLUSTER_OF_A,
    ),
    "clusters:cluster_year_detail": ("get", lambda w: {"pk": w.cluster_year.pk}, READ_CLUSTER_OF_A),
    "clusters:cluster_year_settings": (
        "get",
        lambda w: {"pk": w.cluster_year.pk},
        CHANGE_CLUSTER_OF_A,
    ),
    "clusters:cluster_year_next": ("get", lambda w: {"pk": w.cluster_year.pk}, CHANGE_CLUSTER_OF_A),
    "clusters:membership_add": ("get", lambda w: {"pk": w.cluster_year.pk}, CHANGE_CLUSTER_OF_A),
    "clusters:membership_edit": (
        "get",
        lambda w: {"pk": w.leader_membership.pk},
        CHANGE_CLUSTER_OF_A,
    ),
    "clusters:membership_delete": (
        "post",
        lambda w: {"pk": w.cluster_year.memberships.get(unit=w.member).pk},
        {**CHANGE_CLUSTER_OF_A, "staff": 302},
    ),
    "clusters:unit_detail": ("get", lambda w: {"pk": w.member.pk}, READ_CLUSTER_OF_A),
    "clusters:unit_edit": ("get", lambda w: {"pk": w.member.pk}, CHANGE_CLUSTER_OF_A),
    # The covenant: read by all who see the year; drafted by staff and the leader unit's clerk.
    "pledges:pledge_detail": ("get", lambda w: {"pk": w.cluster_year.pk}, READ_CLUSTER_OF_A),
    "pledges:pledge_create": (
        "post",
        lambda w: {"pk": w.cluster_year.pk},
        ORGANISE_COVENANT | FOUND,
    ),
    "pledges:pledge_edit": ("get", lambda w: {"pk": w.cluster_year.pk}, ORGANISE_COVENANT),
    "pledges:pledge_status": (
        "post",
        lambda w: {"pk": w.cluster_year.pk},
        ORGANISE_COVENANT | FOUND,
    ),
    "pledges:clause_add": ("post", lambda w: {"pk": w.cluster_year.pk}, ORGANISE_COVENANT),
    "pledges:clause_edit": (
        "get",
        lambda w: {"pk": w.pledge.clauses.first().pk},
        ORGANISE_COVENANT,
    ),
    "pledges:clause_move": (
        "post",
        lambda w: {"pk": w.pledge.clauses.first().pk},
        ORGANISE_COVENANT | FOUND,
    ),
    "pledges:clause_delete": (
        "post",
        lambda w: {"pk": w.pledge.clauses.first().pk},
        ORGANISE_COVENANT | FOUND,
    ),
    "pledges:signatory_edit": (
        "get",
        lambda w: {"pk": w.pledge.signatories.first().pk},
        ORGANISE_COVENANT,
    ),
    "pledges:signatories_sync": (
        "post",
        lambda w: {"pk": w.cluster_year.pk},
        ORGANISE_COVENANT | FOUND,
    ),
    "pledges:ceremony_edit": ("get", lambda w: {"pk": w.cluster_year.pk}, ORGANISE_COVENANT),
    "pledges:attendee_add": ("get", lambda w: {"pk": w.cluster_year.pk}, ORGANISE_COVENANT),
    "pledges:attendee_delete": ("post", lambda w: {"pk": w.attendee.pk}, ORGANISE_COVENANT | FOUND),
    "pledges:pledge_scan_upload": (
        "post",
        lambda w: {"pk": signed_pledge(w)},
        ORGANISE_COVENANT | FOUND,
    ),
    "pledges:pledge_scan": ("get", lambda w: {"pk": scanned_pledge(w)}, READ_CLUSTER_OF_A),
    "pledges:pledge_document": (
        "get",
        lambda w: {"pk": w.cluster_year.pk, "slug": "giao-uoc"},
        READ_CLUSTER_OF_A,
    ),
    "pledges:pledge_document_pdf": (
        "get",
        lambda w: {"pk": w.cluster_year.pk, "slug": "giao-uoc"},
        READ_CLUSTER_OF_A,
    ),
    # The scoring table: read by all who see the year; built by staff and the leader clerk.
    "scoring:table_detail": ("get", YEAR, READ_CLUSTER_OF_A),
    "scoring:table_create": ("post", YEAR, ORGANISE_COVENANT | FOUND),
    "scoring:table_settings": ("get", YEAR, ORGANISE_COVENANT),
    "scoring:table_status": ("post", YEAR, ORGANISE_COVENANT | FOUND),
    "scoring:criterion_add": ("post", YEAR, ORGANISE_COVENANT),
    "scoring:criterion_edit": (
        "get",
        lambda w: {"pk": w.table.criteria.first().pk},
        ORGANISE_COVENANT,
    ),
    "scoring:criterion_action": (
        "post",
        lambda w: {"pk": w.table.criteria.first().pk},
        ORGANISE_COVENANT | FOUND,
    ),
    "scoring:table_export": ("get", YEAR, READ_CLUSTER_OF_A),
    "scoring:table_import": ("get", YEAR, ORGANISE_COVENANT),
    "scoring:table_document": (
        "get",
        lambda w: {"pk": w.cluster_year.pk, "slug": "bang-diem"},
        READ_CLUSTER_OF_A,
    ),  # fmt: skip
    "scoring:table_document_pdf": (
        "get",
        lambda w: {"pk": w.cluster_year.pk, "slug": "phieu-cham"},
        READ_CLUSTER_OF_A,
    ),
    # Score sheets and review.
    "scoring:sheet_list": ("get", lambda w: {"pk": opened(w).cluster_year_id}, READ_CLUSTER_OF_A),
    "scoring:review_grid": ("get", lambda w: {"pk": opened(w).cluster_year_id}, READ_CLUSTER_OF_A),
    "scoring:deadlines": ("get", YEAR, CHANGE_CLUSTER_OF_A),
    "scoring:sheet_detail": ("get", lambda w: {"pk": member_sheet(w).pk}, READ_CLUSTER_OF_A),
    "scoring:sheet_history": ("get", lambda w: {"pk": member_sheet(w).pk}, READ_CLUSTER_OF_A),
    "scoring:sheet_document": ("get", lambda w: {"pk": member_sheet(w).pk}, READ_CLUSTER_OF_A),
    "scoring:sheet_pdf": ("get", lambda w: {"pk": member_sheet(w).pk}, READ_CLUSTER_OF_A),
    "scoring:sheet_action": ("post", lambda w: {"pk": member_sheet(w).pk}, ENTER_SHEET),
    "scoring:score_save": ("post", lambda w: {"pk": member_score(w).pk}, ENTER_SHEET),
    "scoring:evidence_upload": ("post", lambda w: {"pk": member_score(w).pk}, ENTER_SHEET),
    "scoring:evidence_download": (
        "get",
        lambda w: {"pk": member_evidence(w).pk},
        READ_CLUSTER_OF_A,
    ),
    "scoring:evidence_delete": ("post", lambda w: {"pk": member_evidence(w).pk}, ENTER_SHEET),
    # More time: the clerk asks from its sheet; staff answer from the deadlines page (a POST
    # that goes back there, a refusal told as a message).
    "scoring:extension_ask": ("get", lambda w: {"pk": late_sheet(w).pk}, ASK_EXTENSION),
    "scoring:extension_answer": (
        "post",
        lambda w: {"pk": an_extension_request(w).pk},
        {**CHANGE_CLUSTER_OF_A, "staff": 302},
    ),
    # Reminders: everyone reads their own and marks them read (a POST, back to the list).
    "scoring:reminders": ("get", lambda w: {}, EVERYONE),
    "scoring:reminders_read": ("post", lambda w: {}, dict.fromkeys(PERSONAS, 302)),
    "scoring:reminder_open": ("post", lambda w: {"pk": a_reminder(w).pk}, OPEN_REMINDER),
    # Results.
    "results:results": ("get", lambda w: {"pk": opened(w).cluster_year_id}, SUMMARY_OF_A),
    "results:results_status": (
        "post",
        lambda w: {"pk": opened(w).cluster_year_id},
        {**CHANGE_CLUSTER_OF_A, "staff": 302},
    ),
    "results:summary_pdf": ("get", lambda w: {"pk": opened(w).cluster_year_id}, SUMMARY_OF_A),
    "results:summary_xlsx": ("get", lambda w: {"pk": opened(w).cluster_year_id}, SUMMARY_OF_A),
    # The award vote.
    "results:ballot_list": ("get", lambda w: {"pk": opened(w).cluster_year_id}, SUMMARY_OF_A),
    "results:ballot_create": (
        "post",
        lambda w: {"pk": opened(w).cluster_year_id},
        ORGANISE_COVENANT | FOUND,
    ),  # fmt: skip
    "results:ballot_detail": ("get", lambda w: {"pk": a_ballot(w).pk}, SUMMARY_OF_A),
    # Closing asks first (200, the question); a revote of an open ballot is refused (302).
    "results:ballot_close": ("post", lambda w: {"pk": a_ballot(w).pk}, ORGANISE_COVENANT),
    "results:ballot_revote": (
        "post",
        lambda w: {"pk": a_ballot(w).pk},
        ORGANISE_COVENANT | FOUND,
    ),  # fmt: skip
    "results:vote_document": (
        "get",
        lambda w: {"pk": a_ballot(w).table.cluster_year_id, "slug": "hop-binh-xet"},
        SUMMARY_OF_A,
    ),
    "results:vote_document_pdf": (
        "get",
        lambda w: {"pk": a_ballot(w).table.cluster_year_id, "slug": "to-trinh"},
        SUMMARY_OF_A,
    ),
    "results:year_bundle": ("get", lambda w: {"pk": opened(w).cluster_year_id}, READ_CLUSTER_OF_A),
    # Until the bundle is made, its file's address leads to the page that asks for it (302).
    "results:year_bundle_pdf": (
        "get",
        lambda w: {"pk": opened(w).cluster_year_id},
        {
            **READ_CLUSTER_OF_A,
            **dict.fromkeys(["staff", "viewer", "leader_clerk", "member_clerk"], 302),
        },
    ),
    "results:authority_overview": (
        "get",
        lambda w: {"pk": opened(w).cluster_year.cluster.authority_id},
        {**READ_CLUSTER_OF_A, "leader_clerk": NOT_FOUND, "member_clerk": NOT_FOUND},
    ),
    "results:unit_results": ("get", lambda w: {"pk": opened(w) and w.member.pk}, READ_CLUSTER_OF_A),
    # Reorganisations of administrative units (the 2025 reform): the receiving authority's.
    "clusters:reorganisation_list": ("get", lambda w: {}, EVERYONE),
    "clusters:reorganisation_create": ("get", lambda w: {}, STAFF_ONLY_CREATE),
    "clusters:reorganisation_detail": ("get", REORGANISATION, READ_AUTHORITY_OF_A),
    # Applying and deleting ask first (200, the question).
    "clusters:reorganisation_apply": ("post", REORGANISATION, CHANGE_AUTHORITY_OF_A),
    "clusters:reorganisation_delete": ("post", REORGANISATION, CHANGE_AUTHORITY_OF_A),
    "clusters:reorganisation_reverse": ("get", REORGANISATION, CHANGE_AUTHORITY_OF_A),
    # The register of issued documents: readers of the year read it; staff issue (asking first,
    # 200); the issued copy goes through the door of its kind's live document.
    "issuing:register": ("get", YEAR, READ_CLUSTER_OF_A),
    "issuing:issue": (
        "post",
        lambda w: {"pk": w.cluster_year.pk, "slug": "giao-uoc"},
        CHANGE_CLUSTER_OF_A,
    ),
    "issuing:issued_pdf": ("get", lambda w: {"pk": an_issued_covenant(w).pk}, READ_CLUSTER_OF_A),
    # Checking a signed PDF: anyone signed in (nothing of the system's data is shown).
    "issuing:signature_check": ("get", lambda w: {}, EVERYONE),
    # Every body's registers: each reads the entries of the years they read (filtered inside).
    "issuing:register_list": ("get", lambda w: {}, EVERYONE),
    "issuing:register_xlsx": ("get", lambda w: {}, EVERYONE),
}


def project_url_names() -> set[str]:
    """Names of every URL pattern outside the Django admin (which has its own login)."""
    names: set[str] = set()

    def walk(patterns, prefix: str = ""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
                walk(pattern.url_patterns, namespace)
            elif isinstance(pattern, URLPattern):
                assert pattern.name, f"URL pattern {pattern.pattern} has no name"
                names.add(prefix + pattern.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_view_has_access_rules():
    names = project_url_names()
    unlisted = names - PUBLIC - set(ACCESS)
    assert not unlisted, f"Views without access tests (add them to ACCESS): {sorted(unlisted)}"
    stale = (set(ACCESS) | PUBLIC) - names
    assert not stale, f"ACCESS lists views that no longer exist: {sorted(stale)}"


CASES = [(name, persona) for name in sorted(ACCESS) for persona in PERSONAS]


@pytest.mark.parametrize(("name", "persona"), CASES)
def test_view_answers_each_persona_as_its_rules_say(client_as, world, name, persona):
    method, kwargs, expected = ACCESS[name]
    url = reverse(name, kwargs=kwargs(world))
    response = getattr(client_as(persona), method)(url)
    assert response.status_code == expected[persona], (
        f"{method.upper()} {url} as {persona}: {response.status_code}, expected {expected[persona]}"
    )
    if response.status_code == OK:
        assert_security_headers(response, f"{method.upper()} {url} as {persona}")


def assert_security_headers(response, where: str) -> None:
    """Every page is locked down (CSP, no framing, no referrer to other sites); every file
    (PDF, Excel, an upload) at least may not be sniffed into HTML by the browser."""
    assert response.get("X-Content-Type-Options") == "nosniff", where
    if response["Content-Type"].startswith("text/html"):
        assert "default-src 'self'" in response.get("Content-Security-Policy", ""), where
        assert response.get("X-Frame-Options") == "DENY", where
        assert response.get("Referrer-Policy") == "same-origin", where


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_anonymous_is_sent_to_login(client_as, world, name):
    method, kwargs, _expected = ACCESS[name]
    url = reverse(name, kwargs=kwargs(world))
    response = getattr(client_as("anonymous"), method)(url)
    assert response.status_code == 302
    target = urlparse(response["Location"])
    assert target.path == reverse("login")
    assert url in target.query


def test_public_views_open_without_login(client, db):
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("healthz")).status_code == 200


# Views of one object: staff and viewers of authority A must get 404 on authority B's objects.
OTHER_AUTHORITY_OBJECTS = {
    "clusters:authority_edit": lambda w: {"pk": w.other_authority.pk},
    "clusters:cluster_detail": lambda w: {"pk": w.other_cluster.pk},
    "clusters:cluster_edit": lambda w: {"pk": w.other_cluster.pk},
    "clusters:cluster_year_create": lambda w: {"cluster_pk": w.other_cluster.pk},
    "clusters:cluster_year_detail": lambda w: {"pk": w.other_cluster_year.pk},
    "clusters:cluster_year_settings": lambda w: {"pk": w.other_cluster_year.pk},
    "clusters:cluster_year_next": lambda w: {"pk": w.other_cluster_year.pk},
    "clusters:membership_add": lambda w: {"pk": w.other_cluster_year.pk},
    "clusters:membership_edit": lambda w: {"pk": w.other_cluster_year.memberships.get().pk},
    "clusters:membership_delete": lambda w: {"pk": w.other_cluster_year.memberships.get().pk},
    "clusters:unit_detail": lambda w: {"pk": w.other_unit.pk},
    "clusters:unit_edit": lambda w: {"pk": w.other_unit.pk},
    "pledges:pledge_detail": lambda w: {"pk": w.other_cluster_year.pk},
    "pledges:pledge_create": lambda w: {"pk": w.other_cluster_year.pk},
    "pledges:pledge_edit": lambda w: {"pk": w.other_cluster_year.pk},
    "pledges:pledge_status": lambda w: {"pk": w.other_cluster_year.pk},
    "pledges:clause_add": lambda w: {"pk": w.other_cluster_year.pk},
    "pledges:clause_edit": lambda w: {"pk": w.other_pledge.clauses.first().pk},
    "pledges:clause_move": lambda w: {"pk": w.other_pledge.clauses.first().pk},
    "pledges:clause_delete": lambda w: {"pk": w.other_pledge.clauses.first().pk},
    "pledges:signatory_edit": lambda w: {"pk": w.other_pledge.signatories.first().pk},
    "pledges:signatories_sync": lambda w: {"pk": w.other_cluster_year.pk},
    "pledges:ceremony_edit": lambda w: {"pk": w.other_cluster_year.pk},
    "pledges:attendee_add": lambda w: {"pk": w.other_cluster_year.pk},
    "pledges:attendee_delete": lambda w: {"pk": w.other_attendee.pk},
    "pledges:pledge_scan_upload": lambda w: {"pk": w.other_cluster_year.pk},
    "pledges:pledge_scan": lambda w: {"pk": w.other_cluster_year.pk},
    "pledges:pledge_document": lambda w: {"pk": w.other_cluster_year.pk, "slug": "giao-uoc"},
    "pledges:pledge_document_pdf": lambda w: {"pk": w.other_cluster_year.pk, "slug": "giao-uoc"},
    "scoring:table_detail": lambda w: {"pk": w.other_cluster_year.pk},
    "scoring:table_create": lambda w: {"pk": w.other_cluster_year.pk},
    "scoring:table_settings": lambda w: {"pk": w.other_cluster_year.pk},
    "scoring:table_status": lambda w: {"pk": w.other_cluster_year.pk},
    "scoring:criterion_add": lambda w: {"pk": w.other_cluster_year.pk},
    "scoring:criterion_edit": lambda w: {"pk": w.other_table.criteria.first().pk},
    "scoring:criterion_action": lambda w: {"pk": w.other_table.criteria.first().pk},
    "scoring:table_export": lambda w: {"pk": w.other_cluster_year.pk},
    "scoring:table_import": lambda w: {"pk": w.other_cluster_year.pk},
    "scoring:table_document": lambda w: {"pk": w.other_cluster_year.pk, "slug": "bang-diem"},
    "scoring:table_document_pdf": lambda w: {"pk": w.other_cluster_year.pk, "slug": "phieu-cham"},
    "scoring:sheet_list": lambda w: {"pk": opened(w, other=True).cluster_year_id},
    "scoring:review_grid": lambda w: {"pk": opened(w, other=True).cluster_year_id},
    "scoring:deadlines": lambda w: {"pk": w.other_cluster_year.pk},
    "scoring:sheet_detail": lambda w: {"pk": member_sheet(w, other=True).pk},
    "scoring:sheet_history": lambda w: {"pk": member_sheet(w, other=True).pk},
    "scoring:sheet_document": lambda w: {"pk": member_sheet(w, other=True).pk},
    "scoring:sheet_pdf": lambda w: {"pk": member_sheet(w, other=True).pk},
    "scoring:sheet_action": lambda w: {"pk": member_sheet(w, other=True).pk},
    "scoring:score_save": lambda w: {"pk": member_score(w, other=True).pk},
    "scoring:evidence_upload": lambda w: {"pk": member_score(w, other=True).pk},
    "scoring:evidence_download": lambda w: {"pk": member_evidence(w, other=True).pk},
    "scoring:evidence_delete": lambda w: {"pk": member_evidence(w, other=True).pk},
    "scoring:extension_ask": lambda w: {"pk": late_sheet(w, other=True).pk},
    "scoring:extension_answer": lambda w: {"pk": an_extension_request(w, other=True).pk},
    "scoring:reminder_open": lambda w: {"pk": a_reminder(w, other=True).pk},
    "results:results": lambda w: {"pk": opened(w, other=True).cluster_year_id},
    "results:results_status": lambda w: {"pk": opened(w, other=True).cluster_year_id},
    "results:summary_pdf": lambda w: {"pk": opened(w, other=True).cluster_year_id},
    "results:summary_xlsx": lambda w: {"pk": opened(w, other=True).cluster_year_id},
    "results:ballot_list": lambda w: {"pk": opened(w, other=True).cluster_year_id},
    "results:ballot_create": lambda w: {"pk": opened(w, other=True).cluster_year_id},
    "results:ballot_detail": lambda w: {"pk": a_ballot(w, other=True).pk},
    "results:ballot_close": lambda w: {"pk": a_ballot(w, other=True).pk},
    "results:ballot_revote": lambda w: {"pk": a_ballot(w, other=True).pk},
    "results:vote_document": lambda w: {
        "pk": opened(w, other=True).cluster_year_id,
        "slug": "kiem-phieu",
    },
    "results:year_bundle": lambda w: {"pk": opened(w, other=True).cluster_year_id},
    "results:year_bundle_pdf": lambda w: {"pk": opened(w, other=True).cluster_year_id},
    "results:authority_overview": lambda w: {"pk": w.other_authority.pk},
    "results:unit_results": lambda w: {"pk": w.other_unit.pk},
    "results:vote_document_pdf": lambda w: {
        "pk": opened(w, other=True).cluster_year_id,
        "slug": "kiem-phieu",
    },
    "clusters:reorganisation_detail": lambda w: {"pk": a_reorganisation(w, other=True).pk},
    "clusters:reorganisation_apply": lambda w: {"pk": a_reorganisation(w, other=True).pk},
    "clusters:reorganisation_delete": lambda w: {"pk": a_reorganisation(w, other=True).pk},
    "clusters:reorganisation_reverse": lambda w: {"pk": a_reorganisation(w, other=True).pk},
    "issuing:register": lambda w: {"pk": w.other_cluster_year.pk},
    "issuing:issue": lambda w: {"pk": w.other_cluster_year.pk, "slug": "giao-uoc"},
    "issuing:issued_pdf": lambda w: {"pk": an_issued_covenant(w, other=True).pk},
}


@pytest.mark.parametrize("persona", ["staff", "viewer"])
@pytest.mark.parametrize("name", sorted(OTHER_AUTHORITY_OBJECTS))
def test_another_authoritys_objects_do_not_exist_for_staff_and_viewers(
    client_as, world, name, persona
):
    method = ACCESS[name][0]
    url = reverse(name, kwargs=OTHER_AUTHORITY_OBJECTS[name](world))
    for verb in {method, "post"}:
        response = getattr(client_as(persona), verb)(url)
        assert response.status_code == 404, f"{verb.upper()} {url} as {persona}"


def test_every_object_view_is_checked_across_authorities():
    object_views = {name for name, (_m, kwargs, _e) in ACCESS.items() if kwargs.__code__.co_names}
    assert object_views <= set(OTHER_AUTHORITY_OBJECTS), object_views - set(OTHER_AUTHORITY_OBJECTS)


# --- Custody after a reform -------------------------------------------------------------------
# Authority A ends on 30/6/2025 and its records pass to the province P. P's staff and viewers
# read everything of A as A's viewers do (read-only: nothing of A changes through P), except
# that P's staff start A's next year in their own cluster and create in P; A's own users keep
# exactly the access they had.

PROVINCE_PERSONAS = ["province_staff", "province_viewer"]
CUSTODY_EXCEPTIONS = {
    ("province_staff", "clusters:cluster_year_next"): OK,
    ("province_staff", "clusters:cluster_create"): OK,
    ("province_staff", "clusters:unit_create"): OK,
    ("province_staff", "clusters:reorganisation_create"): OK,
}


@pytest.fixture
def reformed(world):
    from clusters.models import Authority
    from tests.conftest import make_user

    province = Authority.objects.create(name="Ủy ban nhân dân tỉnh P", place_name="P")
    Authority.objects.filter(pk=world.authority.pk).update(
        valid_to=datetime.date(2025, 6, 30), successor=province, parent=province
    )
    world.users["province_staff"] = make_user("province_staff", role="staff", authority=province)
    world.users["province_viewer"] = make_user("province_viewer", role="viewer", authority=province)
    return world


def expected_after_reform(name: str, persona: str) -> int:
    answers = ACCESS[name][2]
    if persona in PROVINCE_PERSONAS:
        return CUSTODY_EXCEPTIONS.get((persona, name), answers["viewer"])
    return answers[persona]


@pytest.mark.parametrize("persona", [*PROVINCE_PERSONAS, "staff", "viewer", "member_clerk"])
@pytest.mark.parametrize("name", sorted(ACCESS))
def test_after_a_reform_the_successor_reads_and_former_users_keep_their_access(
    client_as, reformed, name, persona
):
    method, kwargs, _expected = ACCESS[name]
    url = reverse(name, kwargs=kwargs(reformed))
    response = getattr(client_as(persona), method)(url)
    expected = expected_after_reform(name, persona)
    assert response.status_code == expected, (
        f"{method.upper()} {url} as {persona} after the reform: {response.status_code}, "
        f"expected {expected}"
    )


@pytest.mark.parametrize("persona", PROVINCE_PERSONAS)
@pytest.mark.parametrize("name", sorted(OTHER_AUTHORITY_OBJECTS))
def test_custody_does_not_reach_an_authority_that_did_not_end_into_it(
    client_as, reformed, name, persona
):
    method = ACCESS[name][0]
    url = reverse(name, kwargs=OTHER_AUTHORITY_OBJECTS[name](reformed))
    assert getattr(client_as(persona), method)(url).status_code == 404, f"{url} as {persona}"
