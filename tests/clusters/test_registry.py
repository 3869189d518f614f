"""The cluster-year page gathers the other apps' cards and steps without importing them."""

import pytest
from django.urls import reverse

from clusters.models import ClusterYear
from clusters.registry import progress_steps, with_year_summary, year_cards
from pledges.models import Pledge
from scoring.models import ScoringTable
from scoring.sheets import publish_table


def test_each_app_adds_its_card_and_its_step(world):
    cards = year_cards(world.cluster_year)
    assert [card.template for card in cards] == [
        "pledges/_year_card.html",
        "scoring/_year_card.html",
        "issuing/_year_card.html",
    ]
    assert cards[0].context["status"] == Pledge.Status.DRAFT
    assert cards[1].context == {
        "status": ScoringTable.Status.DRAFT,
        "Status": ScoringTable.Status,
        "has_sheets": False,
    }
    labels = [str(label) for label, _done in world.cluster_year.progress()]
    assert labels[-6:] == [
        "Ký giao ước",
        "Công bố bảng chấm điểm",
        "Phiếu đã gửi 0/0",
        "Phiếu đã thẩm định 0/0",
        "Kết quả chính thức",
        "Đã kiểm phiếu bầu khen thưởng",
    ]
    assert [done for _label, done in progress_steps(world.cluster_year)] == [False] * 6


def test_the_steps_follow_the_apps_states(world):
    publish_table(world.table)
    year = ClusterYear.objects.get(pk=world.cluster_year.pk)
    assert [done for _label, done in progress_steps(year)] == [
        False,
        True,
        False,
        False,
        False,
        False,
    ]
    assert year_cards(year)[1].context["has_sheets"] is True


def test_a_step_of_the_sheets_is_done_only_when_every_sheet_is(world):
    """Staff saw every step ticked while no unit had scored: the sheets are steps of their own,
    counted, done only when all of them are."""
    publish_table(world.table)
    sheets = list(world.table.sheets.order_by("pk"))
    sheets[0].status = sheets[0].Status.SUBMITTED
    sheets[0].save()
    year = ClusterYear.objects.with_summary().get(pk=world.cluster_year.pk)
    steps = dict(progress_steps(year))
    assert steps["Phiếu đã gửi 1/3"] is False
    assert steps["Phiếu đã thẩm định 0/3"] is False
    for sheet in sheets:
        sheet.status = sheet.Status.REVIEWED
        sheet.save()
    year = ClusterYear.objects.get(pk=world.cluster_year.pk)  # counted by a query this time
    steps = dict(progress_steps(year))
    assert steps["Phiếu đã gửi 3/3"] is True and steps["Phiếu đã thẩm định 3/3"] is True
    assert steps["Kết quả chính thức"] is False


@pytest.mark.django_db
def test_list_pages_get_the_apps_summary_in_one_query(world, django_assert_num_queries):
    publish_table(world.table)
    sheet = world.table.sheets.get(unit=world.member)
    sheet.status = sheet.Status.SUBMITTED
    sheet.save()
    with django_assert_num_queries(1):
        years = list(with_year_summary(ClusterYear.objects.filter(pk=world.cluster_year.pk)))
        assert years[0].awaiting_review == 1
        assert years[0].pledge.status == Pledge.Status.DRAFT
        assert years[0].scoring_table.status == ScoringTable.Status.PUBLISHED


def test_the_year_page_shows_both_cards(client_as, world):
    response = client_as("staff").get(
        reverse("clusters:cluster_year_detail", args=[world.cluster_year.pk])
    )
    page = response.content.decode()
    assert 'id="covenant-heading"' in page and 'id="table-heading"' in page
    assert reverse("pledges:pledge_detail", args=[world.cluster_year.pk]) in page
    assert reverse("scoring:table_detail", args=[world.cluster_year.pk]) in page
