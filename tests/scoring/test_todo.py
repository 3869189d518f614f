"""The dashboard's "to do" (issue 14, part 1), the deadlines on the sheet and the submission
refused in one round with every missing row linked (part 5)."""

import datetime
import re

from django.urls import reverse
from django.utils import timezone

from clusters.models import ClusterYear
from clusters.registry import todo_items
from scoring.checks import problems
from scoring.models import Score, ScoreSheet
from tests.scoring.conftest import score, sheet_of
from tests.scoring.test_sheet_views import page, save, submit_all


def dashboard(client) -> str:
    return page(client.get(reverse("clusters:home")))


def years_of(user):
    from clusters.access import visible_cluster_years

    return list(visible_cluster_years(user).with_summary())


def test_a_clerk_reaches_its_sheet_from_the_dashboard_and_sees_the_deadline(
    client_as, world, round_
):
    sheet = sheet_of(round_, world.member)
    html = dashboard(client_as("member_clerk"))
    todo = html[html.index('data-testid="todo-list"') :]
    assert f'href="{reverse("scoring:sheet_detail", args=[sheet.pk])}"' in todo
    assert "Phiếu chấm điểm của xã Phúc Xuân" in todo or sheet.unit.name in todo
    day = world.cluster_year.self_score_deadline
    assert f"Hạn tự chấm điểm: <strong>{day:%d/%m/%Y}</strong> (còn 10 ngày)" in todo
    # What is missing, counted, and the first rows linked.
    assert re.search(r"\d+ tiêu chí chưa có điểm", todo)
    first = problems([sheet.pk])[sheet.pk][0]
    assert f'#score-{first.score_pk}"' in todo and first.label in todo


def test_a_returned_sheet_comes_first_with_its_reason(client_as, world, round_):
    sheet = sheet_of(round_, world.member)
    submit_all(client_as("member_clerk"), sheet)
    sheet.refresh_from_db()
    sheet.return_to_unit(reason="Thiếu biên bản họp dân", by=world.users["leader_clerk"])
    html = dashboard(client_as("member_clerk"))
    todo = html[html.index('data-testid="todo-list"') :]
    assert "Bị trả lại, lý do: Thiếu biên bản họp dân" in todo
    assert "Hạn thẩm định" in todo  # a returned sheet can be corrected until the review deadline
    items = todo_items(world.users["member_clerk"], years_of(world.users["member_clerk"]))
    assert items[0].urgent and items[0].url.endswith(f"/{sheet.pk}/")


def test_the_leader_clerk_is_told_which_sheets_to_review(client_as, world, round_):
    sheet = sheet_of(round_, world.member)
    submit_all(client_as("member_clerk"), sheet)
    html = dashboard(client_as("leader_clerk"))
    assert 'data-testid="todo-review"' in html
    assert f"Thẩm định phiếu của {world.member.name}" in html
    assert "Hạn thẩm định" in html
    # The member's clerk reads its sheet as handed in: nothing to do, shown as done.
    items = todo_items(world.users["member_clerk"], years_of(world.users["member_clerk"]))
    assert [item.done for item in items] == [True]
    # A clerk of another cluster hears nothing of this year's sheets.
    outsider = world.users["outsider_clerk"]
    assert all(
        item.cluster_name != world.cluster.name for item in todo_items(outsider, years_of(outsider))
    )


def test_the_covenant_awaiting_signature_is_on_the_members_list(client_as, world):
    world.pledge.date = datetime.date(2024, 3, 20)
    world.pledge.save()
    world.pledge.adopt()
    html = dashboard(client_as("member_clerk"))
    assert 'data-testid="todo-covenant"' in html
    assert reverse("pledges:pledge_detail", args=[world.cluster_year.pk]) in html


def test_staff_see_real_progress_and_no_clerks_list(client_as, world, round_):
    html = dashboard(client_as("staff"))
    assert 'data-testid="todo-list"' not in html
    assert "○ Phiếu đã gửi 0/3" in html and "○ Kết quả chính thức" in html
    year = ClusterYear.objects.with_summary().get(pk=world.cluster_year.pk)
    assert year.progress_percent() < 100


def test_the_to_do_list_costs_the_same_for_more_years(world, round_, django_assert_num_queries):
    user = world.users["leader_clerk"]
    years = years_of(user)
    # the sheets (own and to review), their missing rows, the criteria's paths (the roles are
    # remembered on the user)
    with django_assert_num_queries(3):
        todo_items(user, years)


def test_the_sheet_shows_its_deadline_and_days_left(client_as, world, round_):
    sheet = sheet_of(round_, world.member)
    html = page(client_as("member_clerk").get(reverse("scoring:sheet_detail", args=[sheet.pk])))
    assert "(còn 10 ngày)" in html
    ClusterYear.objects.filter(pk=world.cluster_year.pk).update(
        self_score_deadline=timezone.localdate() - datetime.timedelta(days=2)
    )
    html = page(client_as("member_clerk").get(reverse("scoring:sheet_detail", args=[sheet.pk])))
    assert "(đã quá hạn 2 ngày)" in html


def test_submit_lists_everything_missing_at_once_with_links_to_the_rows(client_as, world, round_):
    sheet = sheet_of(round_, world.member)
    clerk = client_as("member_clerk")
    first = score(sheet, "1.1")
    save(clerk, first, self="1")
    url = reverse("scoring:sheet_action", args=[sheet.pk])
    response = clerk.post(url, {"action": "submit"})  # no question asked: it cannot succeed
    assert response.status_code == 302
    assert response["Location"].endswith("?kiem-tra=1#problems")
    html = page(clerk.get(response["Location"]))
    assert "Phiếu chưa được gửi: hãy hoàn thành các dòng dưới đây." in html
    found = problems([sheet.pk])[sheet.pk]
    assert any(p.no_value for p in found) and any(p.no_evidence for p in found)  # one round
    listed = html[html.index('data-testid="sheet-problems"') :]
    for problem in found:
        assert f'href="#score-{problem.score_pk}"' in listed
    assert f"I.1.1 — {first.criterion.text[:20]}" in html  # the full path and the text
    assert html.count('data-testid="row-problem"') == len(found)  # each row marked
    assert ScoreSheet.objects.get(pk=sheet.pk).status == "draft"
    assert Score.objects.get(pk=first.pk).self_value == 1


def test_a_missed_deadline_offers_more_time_until_a_request_waits(client_as, world, round_):
    from scoring.models import ExtensionRequest

    sheet = sheet_of(round_, world.member)
    year = world.cluster_year
    year.self_score_deadline = timezone.localdate() - datetime.timedelta(days=1)
    year.save()
    ask = reverse("scoring:extension_ask", args=[sheet.pk])
    todo = dashboard(client_as("member_clerk"))
    todo = todo[todo.index('data-testid="todo-list"') :]
    assert "Đã hết hạn tự chấm điểm" in todo and f'href="{ask}"' in todo
    ExtensionRequest.ask(sheet, by=world.users["member_clerk"], reason="Công chức nghỉ ốm")
    todo = dashboard(client_as("member_clerk"))
    todo = todo[todo.index('data-testid="todo-list"') :]
    assert f'href="{ask}"' not in todo
    assert "Đã xin gia hạn; cán bộ thi đua chưa trả lời." in todo
