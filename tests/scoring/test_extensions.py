"""More time for one unit after its deadline (issue 14, part 2): the unit's clerk asks, staff
grant or refuse on the deadlines page; a grant opens that unit's sheet alone, never past the
review deadline, with who and why in the history."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from scoring import sheets
from scoring.models import ExtensionRequest, ScoreSheet, ScoringTable, SheetLocked
from scoring.sheets import publish_table

DAY = datetime.timedelta(days=1)


def today() -> datetime.date:
    return timezone.localdate()


def dmy(day: datetime.date) -> str:
    return f"{day:%d/%m/%Y}"


def fresh(sheet: ScoreSheet) -> ScoreSheet:
    return ScoreSheet.objects.select_related("table__cluster_year", "unit").get(pk=sheet.pk)


@pytest.fixture
def late(world) -> ScoreSheet:
    """The world's table published; the self-scoring deadline passed yesterday, the review
    deadline ten days ahead: the member unit's sheet, still a draft."""
    publish_table(world.table)
    year = world.cluster_year
    year.self_score_deadline = today() - DAY
    year.review_deadline = today() + 10 * DAY
    year.save()
    return fresh(world.table.sheets.get(unit=world.member))


def ask(world, sheet, *, reason="Chủ tịch xã đi công tác", until=None) -> ExtensionRequest:
    return ExtensionRequest.ask(sheet, by=world.users["member_clerk"], reason=reason, until=until)


def messages_of(error) -> list[str]:
    return list(error.value.messages)


# --- Asking ----------------------------------------------------------------------------------


def test_a_unit_asks_only_once_its_deadline_has_passed(world, late):
    year = world.cluster_year
    year.self_score_deadline = today()  # the deadline includes its day
    year.save()
    with pytest.raises(ValidationError) as error:
        ask(world, fresh(late))
    assert messages_of(error) == ["Phiếu đang được chấm điểm: không cần gia hạn."]
    assert not ExtensionRequest.objects.exists()
    year.self_score_deadline = today() - DAY
    year.save()
    request = ask(world, fresh(late))
    assert (request.status, request.asked_by, request.reason) == (
        "pending",
        world.users["member_clerk"],
        "Chủ tịch xã đi công tác",
    )


def test_only_a_draft_sheet_of_an_open_table_may_ask(world, late):
    ScoreSheet.objects.filter(pk=late.pk).update(status=ScoreSheet.Status.SUBMITTED)
    with pytest.raises(ValidationError) as error:
        ask(world, late)
    assert messages_of(error) == ["Phiếu đã gửi: đơn vị chỉ được xem."]
    ScoreSheet.objects.filter(pk=late.pk).update(status=ScoreSheet.Status.DRAFT)
    ScoringTable.objects.get(pk=late.table_id).close(reason="Chốt kết quả")
    with pytest.raises(ValidationError) as error:
        ask(world, late)
    assert messages_of(error) == ["Bảng chấm điểm chưa mở để chấm điểm."]
    assert not ExtensionRequest.objects.exists()


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_a_request_needs_a_reason(world, late, reason):
    with pytest.raises(ValidationError) as error:
        ask(world, late, reason=reason)
    assert messages_of(error) == ["Hãy ghi lý do đơn vị cần thêm thời gian."]
    assert not ExtensionRequest.objects.exists()


def test_one_request_waits_at_a_time(world, late):
    ask(world, late)
    with pytest.raises(ValidationError) as error:
        ask(world, late, reason="Lần nữa")
    assert messages_of(error) == ["Đã có một đề nghị đang chờ trả lời."]
    assert ExtensionRequest.objects.count() == 1


@pytest.mark.parametrize("offset", [0, 1, 60])
def test_the_day_asked_for_may_be_from_today_to_sixty_days_ahead(world, late, offset):
    assert ask(world, late, until=today() + offset * DAY).wanted_until == today() + offset * DAY


@pytest.mark.parametrize("offset", [-1, 61, 400])
def test_a_day_asked_for_in_the_past_or_too_far_is_refused(world, late, offset):
    with pytest.raises(ValidationError) as error:
        ask(world, late, until=today() + offset * DAY)
    assert messages_of(error) == [f"Hãy xin một ngày từ hôm nay đến {dmy(today() + 60 * DAY)}."]
    assert not ExtensionRequest.objects.exists()


# --- Granting and refusing ---------------------------------------------------------------------


def test_a_grant_opens_that_units_sheet_alone_and_the_history_says_who_and_why(world, late):
    request = ask(world, late)
    other = fresh(world.table.sheets.get(unit=world.deputy))
    assert late.entry_blocked() == "Đã hết hạn tự chấm điểm."
    until = today() + 3 * DAY
    request.grant(by=world.users["staff"], until=until, answer="Đồng ý")
    request.refresh_from_db()
    assert (request.status, request.granted_until, request.answer) == ("granted", until, "Đồng ý")
    assert request.answered_by == world.users["staff"] and request.answered_at is not None
    sheet = fresh(late)
    assert sheet.extended_until == until
    assert sheet.entry_blocked() == ""
    assert not sheet.deadline_missed
    assert sheet.deadline().day == until and sheet.deadline().label == "Gia hạn đến"
    # The other units keep the year's deadline; the year's deadline is unchanged.
    assert fresh(other).entry_blocked() == "Đã hết hạn tự chấm điểm."
    world.cluster_year.refresh_from_db()
    assert world.cluster_year.self_score_deadline == today() - DAY
    # Who and why, in both histories.
    change = sheet.history.order_by("-history_id").first()
    assert change.history_user == world.users["staff"]
    assert change.history_change_reason == f"Gia hạn đến {dmy(until)}: Chủ tịch xã đi công tác"
    assert [(h.status, h.history_user) for h in request.history.order_by("history_id")] == [
        ("pending", world.users["member_clerk"]),
        ("granted", world.users["staff"]),
    ]


def test_after_a_grant_the_unit_scores_again(world, late):
    target = late.scores.select_related("criterion").first()
    with pytest.raises(SheetLocked):
        sheets.save_self(target, value=Decimal("1"), note="", version=target.version)
    ask(world, late).grant(by=world.users["staff"], until=today())
    sheets.save_self(target, value=Decimal("1"), note="", version=target.version)
    target.refresh_from_db()
    assert target.self_value == Decimal("1")


def test_a_grant_goes_no_further_than_the_review_deadline(world, late):
    request = ask(world, late)
    review = world.cluster_year.review_deadline
    with pytest.raises(ValidationError) as error:
        request.grant(by=world.users["staff"], until=review + DAY)
    assert messages_of(error) == [f"Không thể gia hạn quá hạn thẩm định ({dmy(review)})."]
    request.grant(by=world.users["staff"], until=review)  # the day itself is allowed
    assert fresh(late).extended_until == review


def test_a_grant_is_never_in_the_past(world, late):
    request = ask(world, late)
    with pytest.raises(ValidationError) as error:
        request.grant(by=world.users["staff"], until=today() - DAY)
    assert messages_of(error) == ["Thời hạn mới không được là ngày đã qua."]
    request.refresh_from_db()
    assert request.status == "pending" and fresh(late).extended_until is None


def test_a_grant_is_refused_once_the_results_are_final(world, late):
    request = ask(world, late)
    ScoringTable.objects.get(pk=late.table_id).close(reason="Chốt kết quả")
    with pytest.raises(ValidationError) as error:
        request.grant(by=world.users["staff"], until=today() + DAY)
    assert messages_of(error) == ["Bảng chấm điểm chưa mở để chấm điểm."]
    request.refresh_from_db()
    assert request.status == "pending" and fresh(late).extended_until is None


def test_a_refusal_needs_an_answer_and_the_unit_may_ask_again(world, late):
    request = ask(world, late)
    with pytest.raises(ValidationError) as error:
        request.refuse(by=world.users["staff"], answer="  ")
    assert messages_of(error) == ["Hãy ghi lý do từ chối đề nghị."]
    request.refresh_from_db()
    assert request.status == "pending"
    request.refuse(by=world.users["staff"], answer="Đã quá lâu")
    request.refresh_from_db()
    assert (request.status, request.answer, request.answered_by) == (
        "refused",
        "Đã quá lâu",
        world.users["staff"],
    )
    assert fresh(late).extended_until is None and fresh(late).deadline_missed
    again = ask(world, fresh(late), reason="Xin lại")
    assert again.status == "pending" and ExtensionRequest.objects.count() == 2


@pytest.mark.parametrize("first", ["grant", "refuse"])
@pytest.mark.parametrize("second", ["grant", "refuse"])
def test_a_request_is_answered_once(world, late, first, second):
    request = ask(world, late)
    act = {
        "grant": lambda r: r.grant(by=world.users["staff"], until=today() + DAY),
        "refuse": lambda r: r.refuse(by=world.users["staff"], answer="Không"),
    }
    act[first](request)
    stale = ExtensionRequest.objects.get(pk=request.pk)
    stale.status = "pending"  # as a second tab still shows it
    with pytest.raises(ValidationError) as error:
        act[second](stale)
    assert messages_of(error) == ["Đề nghị này đã được trả lời."]
    assert ExtensionRequest.objects.get(pk=request.pk).status == {
        "grant": "granted", "refuse": "refused"}[first]  # fmt: skip
    assert request.history.count() == 2


def test_a_sheet_submitted_meanwhile_is_not_extended(world, late):
    request = ask(world, late)
    ScoreSheet.objects.filter(pk=late.pk).update(status=ScoreSheet.Status.SUBMITTED)
    with pytest.raises(ValidationError) as error:
        request.grant(by=world.users["staff"], until=today() + DAY)
    assert messages_of(error) == ["Phiếu không còn ở giai đoạn chấm điểm."]


# --- The pages ----------------------------------------------------------------------------------


def ask_url(sheet) -> str:
    return reverse("scoring:extension_ask", args=[sheet.pk])


def answer_url(request) -> str:
    return reverse("scoring:extension_answer", args=[request.pk])


def test_the_clerk_asks_from_its_sheet(client_as, world, late):
    client = client_as("member_clerk")
    sheet_page = client.get(reverse("scoring:sheet_detail", args=[late.pk])).content.decode()
    assert f'href="{ask_url(late)}"' in sheet_page
    response = client.get(ask_url(late) + "?reason=x&until=2030-01-01")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("<h1") < html.index('data-testid="deadline"')  # the title first
    deadline = f"Hạn tự chấm điểm: <strong>{dmy(today() - DAY)}</strong> (đã quá hạn 1 ngày)"
    assert deadline in html
    assert not ExtensionRequest.objects.exists()  # a GET never writes
    response = client.post(ask_url(late), {"reason": "", "until": ""})
    assert response.status_code == 200 and not ExtensionRequest.objects.exists()
    response = client.post(ask_url(late), {"reason": "Thiếu người", "until": ""}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("scoring:sheet_detail", args=[late.pk])
    html = response.content.decode()
    assert "Đã gửi đề nghị tới cán bộ thi đua" in html
    assert f'href="{ask_url(late)}"' not in html  # one waiting at a time
    request = ExtensionRequest.objects.get()
    assert (request.sheet_id, request.asked_by, request.reason) == (
        late.pk,
        world.users["member_clerk"],
        "Thiếu người",
    )
    response = client.post(ask_url(late), {"reason": "Lần nữa"})
    assert response.status_code == 200
    assert "Đã có một đề nghị đang chờ trả lời." in response.content.decode()
    assert ExtensionRequest.objects.count() == 1
    # The dashboard still links here while the deadline is missed: the page says it waits.
    html = client.get(ask_url(late)).content.decode()
    waiting = f"Đã xin gia hạn ngày {dmy(today())}; cán bộ thi đua chưa trả lời."
    assert waiting in html and 'name="reason"' not in html


def test_asking_before_the_deadline_is_refused_on_the_form(client_as, world, late):
    world.cluster_year.self_score_deadline = today() + DAY
    world.cluster_year.save()
    response = client_as("member_clerk").post(ask_url(late), {"reason": "Sớm"})
    assert response.status_code == 200
    assert "Phiếu đang được chấm điểm: không cần gia hạn." in response.content.decode()
    assert not ExtensionRequest.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 403),
        ("viewer", 403),
        ("leader_clerk", 403),  # reads the sheet (it reviews it), asks for no other unit
        ("outsider_clerk", 404),
        ("no_role", 404),
    ],
)
def test_only_the_units_clerk_asks(client_as, world, late, persona, status):
    client = client_as(persona)
    assert client.get(ask_url(late)).status_code == status
    assert client.post(ask_url(late), {"reason": "Không phải của tôi"}).status_code == status
    assert not ExtensionRequest.objects.exists()


def answer(client, request, **fields):
    data = {f"r{request.pk}-{name}": value for name, value in fields.items()}
    return client.post(answer_url(request), data)


def test_staff_read_the_request_on_the_deadlines_page_and_grant_it_after_confirming(
    client_as, world, late
):
    request = ask(world, late, until=today() + 4 * DAY)
    client = client_as("staff")
    deadlines = reverse("scoring:deadlines", args=[world.cluster_year.pk])
    html = client.get(deadlines).content.decode()
    assert f'id="request-{request.pk}"' in html and "Chủ tịch xã đi công tác" in html
    assert f'action="{answer_url(request)}"' in html
    assert f'value="{dmy(today() + 4 * DAY)}"' in html  # the day asked for, filled in
    until = today() + 5 * DAY
    fields = {"decision": "grant", "until": until.isoformat(), "answer": "Đồng ý"}
    question = answer(client, request, **fields)
    assert question.status_code == 200
    text = question.content.decode()
    assert f"Gia hạn cho {world.member.name} đến {dmy(until)}?" in text
    assert "Đồng ý gia hạn" in text
    request.refresh_from_db()
    assert request.status == "pending" and fresh(late).extended_until is None
    data = {f"r{request.pk}-{name}": value for name, value in fields.items()}
    response = client.post(answer_url(request), {**data, "confirmed": "1"}, follow=True)
    assert response.redirect_chain[0][0] == f"{deadlines}#request-{request.pk}"
    assert "Đã gia hạn." in response.content.decode()
    request.refresh_from_db()
    assert (request.status, request.granted_until, request.answered_by) == (
        "granted",
        until,
        world.users["staff"],
    )
    assert fresh(late).extended_until == until and fresh(late).entry_blocked() == ""
    # Answered: no form for it any more, and a second answer is refused with a message.
    html = client.get(deadlines).content.decode()
    assert f'action="{answer_url(request)}"' not in html
    response = client.post(answer_url(request), {**data, "confirmed": "1"}, follow=True)
    assert "Đề nghị này đã được trả lời." in response.content.decode()


def test_staff_refuse_with_a_reason(client_as, world, late):
    request = ask(world, late)
    client = client_as("staff")
    response = answer(client, request, decision="refuse", answer="")
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "pending"
    assert "Hãy ghi lý do từ chối đề nghị." in client.get(response["Location"]).content.decode()
    response = answer(client, request, decision="refuse", answer="Không có lý do chính đáng")
    request.refresh_from_db()
    assert request.status == "refused" and request.answer == "Không có lý do chính đáng"
    # The clerk reads the refusal on the sheet and may ask again.
    html = (
        client_as("member_clerk")
        .get(reverse("scoring:sheet_detail", args=[late.pk]))
        .content.decode()
    )
    assert "Không có lý do chính đáng" in html and f'href="{ask_url(late)}"' in html


def test_a_grant_without_a_day_is_refused(client_as, world, late):
    request = ask(world, late)
    client = client_as("staff")
    response = answer(client, request, decision="grant", until="", answer="")
    assert response.status_code == 302
    assert "Hãy cho biết thời hạn mới." in client.get(response["Location"]).content.decode()
    request.refresh_from_db()
    assert request.status == "pending"


@pytest.mark.parametrize(
    ("persona", "status"),
    [("viewer", 403), ("leader_clerk", 403), ("member_clerk", 403), ("outsider_clerk", 404),
     ("no_role", 404)],
)  # fmt: skip
def test_only_staff_answer(client_as, world, late, persona, status):
    request = ask(world, late)
    fields = {"decision": "grant", "until": today().isoformat(), "confirmed": "1"}
    data = {f"r{request.pk}-{k}" if k != "confirmed" else k: v for k, v in fields.items()}
    assert client_as(persona).post(answer_url(request), data).status_code == status
    request.refresh_from_db()
    assert request.status == "pending" and fresh(late).extended_until is None


@pytest.mark.parametrize(
    "fields",
    [
        {"decision": "abc", "until": "abc", "answer": "abc"},
        {"decision": "grant", "until": "9" * 5000, "answer": ""},
        {"decision": "grant", "until": "-1", "answer": "\x00"},
        {"decision": "refuse", "until": "", "answer": "\x00"},
        {"decision": "refuse", "until": "", "answer": "x" * 5000},
        {"decision": "\x00", "until": "²", "answer": ""},
    ],
)
def test_junk_in_an_answer_is_refused_with_a_message_and_changes_nothing(
    client_as, world, late, fields
):
    request = ask(world, late)
    client = client_as("staff")
    data = {f"r{request.pk}-{name}": value for name, value in fields.items()}
    response = client.post(answer_url(request), {**data, "confirmed": "1"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert f"{world.member.name}: " in page  # the refusal, named by its unit
    request.refresh_from_db()
    assert request.status == "pending" and fresh(late).extended_until is None


def test_an_answer_is_never_given_by_a_get(client_as, world, late):
    request = ask(world, late)
    query = f"?r{request.pk}-decision=grant&r{request.pk}-until={today().isoformat()}&confirmed=1"
    assert client_as("staff").get(answer_url(request) + query).status_code == 405
    request.refresh_from_db()
    assert request.status == "pending"
