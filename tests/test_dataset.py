"""`manage.py generate_dataset`: a synthetic province that the application itself accepts."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from clusters.models import ClusterYear, Membership
from core.synthetic import Options, generate
from pledges.models import Pledge
from results.models import Ballot
from results.ranking import load_results
from scoring.dataset import split_points
from scoring.models import Score, ScoreSheet, ScoringTable

SMALL = {"clusters": 3, "units": 5, "years": 3, "criteria": 24, "last_year": 2025}


@pytest.fixture
def province(db):
    out = io.StringIO()
    call_command("generate_dataset", *[f"--{k.replace('_', '-')}={v}" for k, v in SMALL.items()],
                 stdout=out)  # fmt: skip
    return out.getvalue()


def test_the_province_has_what_the_options_ask_for(province):
    assert "9 cluster-years" in province and "45 memberships" in province
    years = ClusterYear.objects.all()
    assert years.count() == 9 and {y.year for y in years} == {2023, 2024, 2025}
    for year in years:
        members = list(year.memberships.all())
        assert len(members) == 5
        assert [m.role for m in members].count(Membership.Role.LEADER) == 1
        assert [m.role for m in members].count(Membership.Role.DEPUTY) == 1
    assert Pledge.objects.filter(status="signed").count() == 9
    assert all(p.signatories.count() == 5 for p in Pledge.objects.all())


def test_the_planner_learns_the_new_row_counts(province):
    """generate_dataset (and restore) ANALYZE: without it PostgreSQL kept planning for empty
    tables and read every score of the province for one year's results."""
    from django.db import connection

    scores = Score.objects.count()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'scoring_score'")
            measured = cursor.fetchone()[0]  # -1 (never measured) or 0 without the ANALYZE
        else:
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'scoring_score'")
            measured = int(cursor.fetchone()[0].split()[0])
    assert measured == scores > 0


def test_every_table_is_valid_and_every_sheet_complete(province):
    for table in ScoringTable.objects.all():
        tree = table.tree()
        assert tree.problems == [], table
        assert table.criteria.count() == 24
        leaves = [node for node in tree.rows if node.is_leaf]
        for sheet in table.sheets.all():
            assert sheet.scores.count() == len(leaves)
    # Past years are closed with a vote; the last year is open, its sheets in every state.
    assert set(ScoringTable.objects.filter(cluster_year__year__lt=2025).values_list(
        "status", flat=True)) == {"closed"}  # fmt: skip
    open_sheets = ScoreSheet.objects.filter(table__cluster_year__year=2025)
    assert set(open_sheets.values_list("status", flat=True)) == {"draft", "submitted", "reviewed"}
    assert Ballot.objects.count() == 6
    assert Score.history.count() == Score.objects.count()


def test_results_and_votes_compute_on_the_generated_data(province):
    for cluster_year in ClusterYear.objects.filter(year=2024):
        table, tree, results = load_results(cluster_year)
        assert len(results) == 5 and results[0].rank == 1
        assert all(0 < result.total <= 105 for result in results)
        ballot = Ballot.objects.get(table=table)
        ballot.outcome(list(ballot.counts.all()))


def test_the_generated_users_can_work(province):
    staff = get_user_model().objects.get(username__endswith="-canbo")
    client = Client()
    client.force_login(staff)
    year = ClusterYear.objects.filter(year=2024).first()
    assert client.get(reverse("results:results", args=[year.pk])).status_code == 200
    clerk_unit = year.memberships.filter(role="member").first().unit
    clerk = get_user_model().objects.get(username__endswith=f"-u{clerk_unit.pk}")
    client.force_login(clerk)
    sheet = ScoreSheet.objects.get(table__cluster_year=year, unit=clerk_unit)
    assert client.get(reverse("scoring:sheet_detail", args=[sheet.pk])).status_code == 200


def test_the_same_seed_gives_the_same_province(db):
    def snapshot(authority):
        return sorted(
            Score.objects.filter(sheet__unit__authority=authority).values_list(
                "sheet__unit__name", "sheet__table__cluster_year__year",
                "criterion__parent__code", "criterion__code", "self_value", "reviewed_value",
            )
        )  # fmt: skip

    options = Options(**{**SMALL, "clusters": 1})
    first = generate(options)[0].cluster.authority
    second = generate(options)[0].cluster.authority
    other = generate(Options(**{**SMALL, "clusters": 1, "seed": 7}))[0].cluster.authority
    assert first != second
    assert snapshot(first) == snapshot(second) and len(snapshot(first)) == 3 * 5 * 17
    assert snapshot(other) != snapshot(first)


@pytest.mark.parametrize("total, parts", [(20, 10), (20, 9), (20, 3), (5, 2), (20, 40)])
def test_points_are_shared_in_half_points_that_add_up(total, parts):
    from decimal import Decimal

    points = split_points(Decimal(total), parts)
    assert len(points) == parts and sum(points) == total
    assert all(p > 0 and p % Decimal("0.5") == 0 for p in points)


@pytest.mark.parametrize("criteria", [15, 212])
def test_a_criteria_count_that_cannot_make_a_valid_table_is_refused_and_nothing_added(db, criteria):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="a table needs 16 to 211 criteria"):
        call_command("generate_dataset", "--clusters=1", "--years=1", f"--criteria={criteria}",
                     stdout=io.StringIO())  # fmt: skip
    assert not ClusterYear.objects.exists()


def test_the_largest_table_is_still_valid(db):
    year = generate(Options(clusters=1, units=2, years=1, criteria=211))[0]
    table = ScoringTable.objects.get(cluster_year=year)
    assert table.criteria.count() == 211 and table.tree().problems == []
