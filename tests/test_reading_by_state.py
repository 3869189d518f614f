"""Who reads what, by state (scoring.access.reading_of): every route that shows a sheet of
another unit or the cluster's summary, for every persona, while scoring is open and once the
results are final under each of the year's settings."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from clusters.models import ClusterYear
from results.models import Ballot
from scoring.models import Evidence, ScoreSheet
from scoring.sheets import publish_table

OK, FORBIDDEN, NOT_FOUND = 200, 403, 404


@pytest.fixture
def year(world):
    """The world's year published; the leader unit's sheet (another unit's, for the member
    clerk) has evidence; a ballot is open."""
    cluster_year = world.cluster_year
    cluster_year.self_score_deadline = datetime.date.today() + datetime.timedelta(days=30)
    cluster_year.review_deadline = datetime.date.today() + datetime.timedelta(days=40)
    cluster_year.save()
    publish_table(world.table)
    rival = ScoreSheet.objects.get(table=world.table, unit=world.leader)
    evidence = Evidence(score=rival.scores.first(), original_name="bao-cao.pdf",
                        content_type="application/pdf", size=8)  # fmt: skip
    evidence.file.save("bao-cao.pdf", ContentFile(b"%PDF-1.4"), save=False)
    evidence.save()
    ballot = Ballot.objects.create(table=world.table, award="Cờ thi đua")
    return {"year": cluster_year.pk, "rival": rival.pk, "evidence": evidence.pk,
            "ballot": ballot.pk, "unit": world.leader.pk}  # fmt: skip


# Routes with another unit's sheet data, and routes with the summary (every unit's totals).
SHEET_ROUTES = [
    ("scoring:sheet_detail", lambda y: [y["rival"]]),
    ("scoring:sheet_history", lambda y: [y["rival"]]),
    ("scoring:sheet_document", lambda y: [y["rival"]]),
    ("scoring:sheet_pdf", lambda y: [y["rival"]]),
    ("scoring:evidence_download", lambda y: [y["evidence"]]),
]
SUMMARY_ROUTES = [
    ("results:results", lambda y: [y["year"]]),
    ("results:summary_pdf", lambda y: [y["year"]]),
    ("results:summary_xlsx", lambda y: [y["year"]]),
    ("results:ballot_list", lambda y: [y["year"]]),
    ("results:ballot_detail", lambda y: [y["ballot"]]),
    ("results:vote_document", lambda y: [y["year"], "hop-binh-xet"]),
    ("results:vote_document_pdf", lambda y: [y["year"], "to-trinh"]),
]
# state -> (a member clerk on another unit's sheet, a member clerk on the summary)
MEMBER = {
    "open": (NOT_FOUND, FORBIDDEN),
    "final, everything": (OK, OK),
    "final, summary": (NOT_FOUND, OK),
    "final, own sheet": (NOT_FOUND, FORBIDDEN),
}
SETTING = {
    "final, everything": ClusterYear.AfterFinal.EVERYTHING,
    "final, summary": ClusterYear.AfterFinal.SUMMARY,
    "final, own sheet": ClusterYear.AfterFinal.OWN_SHEET,
}


def _set_state(world, state: str) -> None:
    if state == "open":
        return
    ClusterYear.objects.filter(pk=world.cluster_year.pk).update(
        members_read_after_final=SETTING[state]
    )
    world.table.close(reason="Chốt kết quả")


def _expected(persona: str, state: str, kind: str) -> int:
    if persona in ("staff", "viewer", "leader_clerk"):
        return OK  # staff and viewers read all; the leader unit reviews every sheet
    if persona in ("outsider_clerk", "no_role"):
        return NOT_FOUND
    return MEMBER[state][0 if kind == "sheet" else 1]


CASES = [
    (name, args, kind, persona, state)
    for kind, routes in (("sheet", SHEET_ROUTES), ("summary", SUMMARY_ROUTES))
    for name, args in routes
    for persona in ("staff", "viewer", "leader_clerk", "member_clerk", "outsider_clerk")
    for state in MEMBER
]


@pytest.mark.parametrize(("name", "args", "kind", "persona", "state"), CASES)
def test_each_route_answers_each_persona_in_each_state(
    client_as, world, year, name, args, kind, persona, state
):
    _set_state(world, state)
    response = client_as(persona).get(reverse(name, args=args(year)))
    assert response.status_code == _expected(persona, state, kind), (name, persona, state)


@pytest.mark.parametrize("state", list(MEMBER))
def test_the_lists_the_grid_and_the_bundle_hold_only_what_the_member_reads(
    client_as, world, year, state, monkeypatch
):
    _set_state(world, state)
    client = client_as("member_clerk")
    reads_rival = MEMBER[state][0] == OK
    reads_summary = MEMBER[state][1] == OK
    listed = client.get(reverse("scoring:sheet_list", args=[year["year"]]))
    units = {sheet.unit_id for sheet, _own, _reviewed in listed.context["rows"]}
    assert (world.leader.pk in units) == reads_rival and world.member.pk in units
    grid = client.get(reverse("scoring:review_grid", args=[year["year"]]))
    assert (world.leader.pk in {s.unit_id for s in grid.context["sheets"]}) == reads_rival
    parts = []
    from results.views import bundle as bundle_views

    real_parts = bundle_views.year_parts

    def year_parts(*args):
        bundle = real_parts(*args)
        parts.extend(bundle)
        return bundle

    monkeypatch.setattr(bundle_views, "year_parts", year_parts)
    assert client.get(reverse("results:year_bundle", args=[year["year"]])).status_code == OK
    sheets = [ctx["sheet"].unit_id for template, ctx in parts if template.endswith("sheet.html")]
    assert (world.leader.pk in sheets) == reads_rival and world.member.pk in sheets
    assert any(t.endswith("summary.html") for t, _ in parts) == reads_summary
    history = client.get(reverse("results:unit_results", args=[world.member.pk]))
    assert len(history.context["rows"]) == (1 if reads_summary else 0)
