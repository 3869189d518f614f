"""A sheet's audit trail read by window (scoring.trail): the sheet page reads and formats only
the lines it shows, however long the trail; the windows agree with a plain reading of the whole
trail; the history page has it all, a page at a time."""

import random
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scoring import sheet_page, sheets, trail
from scoring.dataset import long_trail
from scoring.models import Evidence, Score, ScoreSheet
from tests.scoring.conftest import score, sheet_of

FIELDS = ("self_value", "self_note", "reviewed_value", "review_reason")


def sheet_page_queries(client, sheet) -> tuple[int, str]:
    url = reverse("scoring:sheet_detail", args=[sheet.pk])
    client.get(url)  # warm: the session and caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries), response.content.decode()


def test_a_sheet_with_2000_history_rows_costs_the_queries_and_formatting_of_a_short_one(
    client_as, world, round_, monkeypatch, django_user_model
):
    short, long = sheet_of(round_, world.member), sheet_of(round_, world.deputy)
    user = django_user_model.objects.get(username="member_clerk")
    long_trail(short, 50, user=user)
    long_trail(long, 2000, user=user)
    staff = client_as("staff")  # a reader of both
    calls = []
    real = sheet_page._when

    def counted(moment):
        calls.append(moment)
        return real(moment)

    monkeypatch.setattr(sheet_page, "_when", counted)
    short_queries, _html = sheet_page_queries(staff, short)
    staff.get(reverse("scoring:sheet_detail", args=[long.pk]))
    calls.clear()
    with CaptureQueriesContext(connection) as queries:
        html = staff.get(reverse("scoring:sheet_detail", args=[long.pk])).content.decode()
    long_queries = len(queries.captured_queries)
    assert long_queries == short_queries
    # Formatted: the entries of the newest 20 lines under the sheet, nothing of the rest (the
    # criteria's panels are read when opened).
    assert 0 < len(calls) <= sheet_page.HISTORY_ON_SHEET
    # A criterion's panel, opened: the same queries whatever its trail, its 3 newest lines.
    busiest = Score.objects.get(sheet=long, criterion__code="1.1")
    counts = []
    for sheet in (short, long):
        url = reverse("scoring:sheet_history", args=[sheet.pk]) + (
            f"?tieu-chi={busiest.criterion_id}"
        )
        calls.clear()
        with CaptureQueriesContext(connection) as queries:
            panel = staff.get(url, HTTP_HX_REQUEST="true").content.decode()
        counts.append(len(queries.captured_queries))
        assert len(calls) <= sheet_page.HISTORY_PER_CRITERION
    assert counts[0] == counts[1]
    assert panel.count("<li>") == sheet_page.HISTORY_PER_CRITERION
    panel = html[html.index('data-testid="history"') :]
    assert panel[: panel.index("</ul>")].count("<li>") == sheet_page.HISTORY_ON_SHEET
    assert "Toàn bộ lịch sử</a>" in html


def reference_events(sheet: ScoreSheet) -> list[tuple]:
    """The trail read whole and compared record by record in Python (what the sheet page did
    before the windows): (history_id, field, old, new), newest first."""
    events = []
    previous: dict[int, dict] = {}
    for record in (
        Score.history.filter(sheet_id=sheet.pk)
        .order_by("id", "history_date", "history_id")
        .values("id", "history_id", "history_date", *FIELDS)
    ):
        before = previous.get(record["id"], {})
        previous[record["id"]] = record
        for field in FIELDS:
            old, new = before.get(field), record[field]
            if field in ("self_note", "review_reason"):
                old, new = old or None, new or None
            if old != new:
                events.append((record["history_date"], record["history_id"], field, old, new))
    events.sort(key=lambda event: (event[0], event[1]), reverse=True)
    return [event[1:] for event in events]


def window_events(entries: list[dict]) -> list[tuple]:
    events = []
    for entry in entries:
        if entry["kind"] == 0:
            continue
        for field in FIELDS:
            old, new = entry[f"p_{field}"], entry[field]
            if field in ("self_note", "review_reason"):
                old, new = old or None, new or None
            if old != new:
                events.append((entry["history_id"], field, old, new))
    return events


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_windows_agree_with_the_whole_trail_read_plainly(world, round_, seed):
    """Random saves of values, bases, reviews and reasons, files attached and removed, on a few
    criteria: the paged trail equals the plain reading; the sheet page's windows are its
    newest lines, overall and per criterion."""
    rng = random.Random(seed)
    sheet = sheet_of(round_, world.member)
    targets = [score(sheet, code) for code in ("1.1", "1.2", "3.1")]
    values = [None, Decimal("0"), Decimal("0.5"), Decimal("1"), Decimal("1.5")]
    notes = ["", "", "Đạt 100%", "Đạt 90%"]
    for _step in range(60):
        target = Score.objects.get(pk=rng.choice(targets).pk)
        move = rng.random()
        if move < 0.55:
            sheets.save_self(target, value=rng.choice(values), note=rng.choice(notes),
                             version=target.version)  # fmt: skip
        elif move < 0.75:
            value = rng.choice(values)
            reason = "" if value in (None, target.self_value) else "Thiếu minh chứng"
            ScoreSheet.objects.filter(pk=sheet.pk).update(status=ScoreSheet.Status.SUBMITTED)
            sheets.save_review(target, value=value, reason=reason, version=target.version)
            ScoreSheet.objects.filter(pk=sheet.pk).update(status=ScoreSheet.Status.DRAFT)
        elif move < 0.9 or not target.evidence.exists():
            upload = SimpleUploadedFile("minh-chung.pdf", b"%PDF-1.4\n%%EOF\n")
            sheets.attach_evidence(target, upload=upload, content_type="application/pdf",
                                   by=None, limit=100)  # fmt: skip
        else:
            sheets.remove_evidence(target.evidence.first(), by=None)
    whole = trail.Page(sheet.pk)
    everything = whole[0 : whole.count()]
    assert window_events(everything) == reference_events(sheet)
    evidence_kinds = [entry["history_type"] for entry in everything if entry["kind"] == 0]
    assert len(evidence_kinds) == Evidence.history.filter(score__sheet=sheet).count()
    # Pages cut the same list.
    assert whole[0:7] + whole[7:20] + whole[20 : whole.count()] == everything

    scores = list(sheet.scores.select_related("criterion"))
    codes = {item.criterion_id: item.criterion.code for item in scores}
    shown = sheet_page.sheet_history(sheet, scores)
    full = sheet_page.events_of(everything, codes)
    assert [event["line"] for event in shown.events] == [
        event["line"] for event in full[: sheet_page.HISTORY_ON_SHEET]
    ]
    assert shown.more == (len(full) > sheet_page.HISTORY_ON_SHEET)
    for target in targets:
        own = trail.Page(sheet.pk, target.criterion_id)
        mine = sheet_page.events_of(own[0 : own.count()], codes)
        lines, more = sheet_page.criterion_history(sheet, target.criterion_id)
        assert [event["short"] for event in lines] == [
            event["short"] for event in mine[: sheet_page.HISTORY_PER_CRITERION]
        ]
        assert more == (len(mine) > sheet_page.HISTORY_PER_CRITERION)


def test_the_history_page_goes_through_the_whole_trail_a_page_at_a_time(
    client_as, world, round_, django_user_model
):
    from scoring.views.sheets import HISTORY_PAGE

    sheet = sheet_of(round_, world.member)
    long_trail(sheet, HISTORY_PAGE * 2 + 5, user=django_user_model.objects.get(username="staff"))
    client = client_as("staff")
    url = reverse("scoring:sheet_history", args=[sheet.pk])
    seen = []
    for number in (1, 2, 3):
        html = client.get(f"{url}?trang={number}").content.decode()
        seen.append(html.count("<li>"))
        assert f"Trang {number}/3" in html
    # Each record of grow_trail changes the value and the basis, or one of them.
    assert seen[2] < seen[0] and sum(seen) >= HISTORY_PAGE * 2 + 5
    first = client.get(url).content.decode()
    assert "trang=2" in first and "Cũ hơn" in first
    for junk in ("abc", "0", "-1", "99999", "²", "1" * 400):
        assert client.get(f"{url}?trang={junk}").status_code == 200
