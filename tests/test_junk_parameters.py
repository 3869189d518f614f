"""Junk in every parameter of every URL: letters where an id is read, "²" (which str.isdigit()
takes for a digit), NUL (which PostgreSQL refuses in text: run it on PostgreSQL too, SQLite
stores it), 5,000 digits (which int() refuses), negative numbers, "1e999" and the empty string.

What a user would notice: a page, a form's error or a 404 — never a server error — and a
refused form leaves nothing half-saved. Every route of tests/test_url_access.py is visited by
one persona that may use it; the query parameters sent are a common set plus the names its
view's module reads and the fields of the page's own GET forms; the POST forms are the ones the
page shows, plus the names their view reads that the form lacks (an attacker adds them), each
field in turn replaced by junk, the others left as the page filled them. A question asked back
(a confirmation with a choice to make) is answered, keeping the junk. The top bar's forms
(logout, language) are tested on their own routes only.

Kept fast (about 2 minutes on SQLite, under 3 on PostgreSQL, on 2 cores): a form repeated per
row (a clause, a member) is tried once; a file response (a PDF, a workbook) gets every name
once with junk rotated among them, not every junk value for every name at once.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO
from urllib.parse import urlencode, urlparse
from zipfile import ZipFile

import lxml.html
import pytest
from django.apps import apps
from django.urls import Resolver404, resolve, reverse

from tests.test_url_access import ACCESS, PUBLIC, project_url_names

JUNK = ["abc", "²", "\x00", "9" * 5000, "-1", "1e999", ""]
# Names any view might read (the project's Vietnamese ones included).
COMMON = [
    "q", "page", "trang", "unit", "year", "nam", "tieu-chi", "kind", "status", "body", "award",
    "code", "former", "source", "after", "parent", "nominee", "supersede", "action",
]  # fmt: skip
PUBLIC_KWARGS = {"issuing:verify": {"code": "ABCDEFGHJK"}}
# Who visits a route: the first of these the access rules let in.
CAPABLE = ["staff", "leader_clerk", "member_clerk", "viewer"]
# The apps whose rows must not change when a POST is refused.
OWN_APPS = ["clusters", "pledges", "scoring", "results", "issuing"]
# A request a view reads but never as a number or id: the CSRF token, the language switch.
NOT_TOUCHED = {"csrfmiddlewaretoken"}
# The forms of the top bar, on every page.
EVERY_PAGE = {"logout", "set_language"}
# Forms that save each row by itself and tell a refused row in that row (scoring/views/
# sheet_form.py): a row refused beside rows saved is no half-saved form there.
ROW_BY_ROW = {"scoring:sheet_detail"}


def persona_for(name: str) -> str:
    if name in PUBLIC:
        return "staff"
    if name not in ACCESS:  # tests/test_url_access.py fails for it already
        pytest.skip(f"{name} has no access rules yet")
    answers = ACCESS[name][2]
    return next(p for p in CAPABLE if answers[p] < 400)


def url_of(name: str, world) -> str:
    if name in PUBLIC:
        return reverse(name, kwargs=PUBLIC_KWARGS.get(name, {}))
    return reverse(name, kwargs=ACCESS[name][1](world))


def method_of(name: str) -> str:
    if name in ("logout", "set_language"):
        return "post"
    return ACCESS[name][0] if name in ACCESS else "get"


_READ = re.compile(
    r"""request\.(GET|POST)(?:\.get|\.getlist)?[\[(]\s*(?:f?)["']([\w-]+)["']"""
    r"""|["']([\w-]+)["']\s+in\s+request\.(GET|POST)"""
)


def names_read_by(path: str, *, view_only: bool = False) -> dict[str, set[str]]:
    """The GET and POST names the module of the view at `path` (or the view alone) reads by
    literal name."""
    view = inspect.unwrap(resolve(path).func)
    source = inspect.getsource(view if view_only else sys.modules[view.__module__])
    found: dict[str, set[str]] = {"GET": set(), "POST": set()}
    for match in _READ.finditer(source):
        method = match.group(1) or match.group(4)
        found[method].add(match.group(2) or match.group(3))
    return found


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)


def forms_of(response, page_url: str) -> list[Form]:
    """The forms of an HTML page with the values the page fills in (a select's chosen option,
    a checked box); file inputs are left out (uploads have their own tests)."""
    if not response["Content-Type"].startswith("text/html") or not response.content.strip():
        return []
    document = lxml.html.fromstring(response.content)
    forms = []
    for element in document.iter("form"):
        form = Form(
            action=urlparse(element.get("action") or page_url).path or page_url,
            method=(element.get("method") or "get").lower(),
        )
        for control in element.iter("input", "select", "textarea", "button"):
            name = control.get("name")
            if not name or name in NOT_TOUCHED:
                continue
            kind = (control.get("type") or "").lower()
            if control.tag == "button" or kind == "submit":
                form.buttons.append((name, control.get("value") or ""))
            elif kind == "file":
                continue
            elif kind in ("checkbox", "radio"):
                if control.get("checked") is not None or name not in form.fields:
                    form.fields[name] = control.get("value") or "on"
            elif control.tag == "select":
                options = control.findall(".//option")
                chosen = [o for o in options if o.get("selected") is not None] or options[:1]
                form.fields[name] = chosen[0].get("value", chosen[0].text or "") if chosen else ""
            elif control.tag == "textarea":
                form.fields[name] = control.text or ""
            else:
                form.fields[name] = control.get("value") or ""
        forms.append(form)
    return forms


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for label in OWN_APPS
        for model in apps.get_app_config(label).get_models()
    }


def assert_no_server_error(response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"


def own_route(path: str, page_route: str) -> bool:
    """Whether a form posting to `path` is this page's to test: the page itself, or a route that
    has no page of its own (a POST-only act); the forms of other pages are tested there. The
    top bar's forms are on every page: tested on their own routes (logging out there would
    leave every later request of the page a redirect to the login page)."""
    try:
        target = resolve(path)
    except Resolver404:
        return False
    name = target.view_name
    return name == page_route or (method_of(name) == "post" and name not in EVERY_PAGE)


ROUTES = sorted(project_url_names() - {"logout"})


@pytest.mark.parametrize("name", ROUTES)
def test_junk_in_any_parameter_or_field_never_makes_a_server_error_nor_half_saves(
    client_as, world, settings, name
):
    settings.VERIFY_PER_MINUTE = 10_000
    client = client_as(persona_for(name))
    url = url_of(name, world)
    send = getattr(client, method_of(name))
    first = send(url)
    assert_no_server_error(first, url)
    forms = forms_of(first, url)
    read = names_read_by(url)["GET"] | {n for f in forms if f.method == "get" for n in f.fields}
    for what, query in query_cases(read, is_page=first["Content-Type"].startswith("text/html")):
        assert_no_server_error(send(f"{url}?{urlencode(query)}"), f"{url}?{what}")
    if method_of(name) == "post":
        # A POST-only act: the names its module reads (the forms that post here are on pages).
        forms = [Form(url, "post", dict.fromkeys(names_read_by(url)["POST"], ""))]
    seen = set()
    for form in forms:
        if form.method != "post" or not own_route(form.action, name):
            continue
        key = same_code(form)
        if key in seen:  # the same form of another row (a clause, a member): the same code
            continue
        seen.add(key)
        # The form as the page filled it, sent with its first named button and confirmed, plus
        # the names its view reads that the form does not hold (an attacker adds them).
        read_there = dict.fromkeys(names_read_by(form.action, view_only=True)["POST"], "")
        base = {**read_there, **form.fields, **dict(form.buttons[:1]), "confirmed": "1"}
        for what, data in field_cases(base):
            before = row_counts()
            response = client.post(form.action, data)
            assert_no_server_error(response, f"POST {form.action} {what}")
            answer = answered(response, form.action, data)
            if answer is not None:  # a question (a choice to make): answered, the junk kept
                response = client.post(form.action, answer)
                assert_no_server_error(response, f"POST {form.action} {what}, answered")
            if refused(response) and resolve(form.action).view_name not in ROW_BY_ROW:
                assert row_counts() == before, f"POST {form.action} {what}: refused, rows changed"


def same_code(form: Form) -> tuple:
    """What tells one form from another: its route and its names, without the ids in them."""
    plain = lambda names: tuple(sorted({re.sub(r"[0-9]+", "#", n) for n in names}))  # noqa: E731
    return (
        resolve(form.action).view_name,
        plain(form.fields),
        plain(n for n, _value in form.buttons),
    )


def query_cases(read: set[str], *, is_page: bool) -> Iterator[tuple[str, dict[str, str]]]:
    """Every name at once with each junk value, then each name the view reads alone. A file (a
    PDF, a workbook) is slow to make: there every name once, each with another junk value."""
    everything = sorted({*COMMON, *read})
    if is_page:
        for junk in JUNK:
            yield f"*={junk!r:.20}", dict.fromkeys(everything, junk)
    else:
        yield "*=rotated", {n: JUNK[i % len(JUNK)] for i, n in enumerate(everything)}
    for name in sorted(read):
        for junk in JUNK:
            yield f"{name}={junk!r:.20}", {name: junk}


def field_cases(base: dict[str, str]) -> Iterator[tuple[str, dict[str, str]]]:
    """Every field junk at once, rotating so that each field gets each junk value once; then
    each field alone as NUL and as 5,000 digits (the two that get past a lax form to the
    database), the others as the page filled them."""
    names = sorted(set(base) - {"confirmed"})
    for turn in range(len(JUNK)):
        data = {n: JUNK[(i + turn) % len(JUNK)] for i, n in enumerate(names)}
        yield f"rotation {turn}", {**base, **data}
    for name in names:
        for junk in ("\x00", "9" * 5000):
            yield f"{name}={junk!r:.20}", {**base, name: junk}


def answered(response, action: str, sent: dict[str, str]) -> dict[str, str] | None:
    """When the answer is a question posting back to `action` (core.pages.confirmation with a
    choice to make), what answering it sends: the choice as the question fills it, everything
    else as first sent (the junk, which the question's hidden copies might not keep intact)."""
    if response.status_code != 200:
        return None
    for form in forms_of(response, action):
        if form.method == "post" and form.action == action and "confirmed" in form.fields:
            kept = {k: v for k, v in sent.items() if v != "" or k not in form.fields}
            return {**form.fields, **dict(form.buttons[:1]), **kept, "confirmed": "1"}
    return None


ERROR_MARKS = (b"is-invalid", b"invalid-feedback", b"alert-danger", b"errorlist")


def refused(response) -> bool:
    """A refusal: an error status, or the page again with an error shown (a form with errors).
    A redirect is a success, or a refusal with a message: neither is checked here."""
    if response.status_code >= 400:
        return True
    return response.status_code == 200 and any(m in response.content for m in ERROR_MARKS)


def not_well_formed_xlsx() -> bytes:
    """A workbook whose sheet XML is cut off in the middle of a tag."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["STT", "Tiêu chí", "Điểm"])
    buffer = BytesIO()
    book.save(buffer)
    source = ZipFile(BytesIO(buffer.getvalue()))
    out = BytesIO()
    with ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]
            target.writestr(item, data)
    return out.getvalue()


def test_a_workbook_whose_sheet_is_not_well_formed_xml_is_refused_in_vietnamese(client_as, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from scoring.models import Criterion

    before = list(world.table.criteria.values_list("pk", "code", "text"))
    url = reverse("scoring:table_import", args=[world.cluster_year.pk])
    upload = SimpleUploadedFile("bang.xlsx", not_well_formed_xlsx())
    response = client_as("staff").post(url, {"file": upload})
    assert response.status_code == 200
    damaged = "Tệp không phải là tệp Excel (.xlsx) hoặc đã bị hỏng."
    assert [str(error.message) for error in response.context["errors"]] == [damaged]
    assert damaged in response.content.decode()
    assert "payload" not in response.context  # no preview, nothing to confirm
    assert list(world.table.criteria.values_list("pk", "code", "text")) == before
    assert Criterion.objects.filter(table=world.table).count() == len(before)
