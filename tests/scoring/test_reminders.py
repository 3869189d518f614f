"""Reminders (issue 14, part 3): before each deadline (the year's reminder days), when a sheet is
returned or reviewed, when a unit asks for more time and when it is answered; each recorded
once per person and occasion, shown in the app and e-mailed once by `manage.py send_reminders`,
however often it runs — against Django's test outbox and against a real SMTP server."""

from __future__ import annotations

import datetime
import email
import email.policy
import socket
from decimal import Decimal
from io import StringIO

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from clusters.access import visible_cluster_years
from clusters.models import ClusterYear
from clusters.models.years import validate_reminder_days
from clusters.registry import todo_items
from scoring import reminders, sheets
from scoring.models import ExtensionRequest, Reminder, ScoreSheet
from scoring.reminders import EMAIL_ATTEMPTS, threshold
from scoring.sheets import publish_table
from tests.conftest import make_user
from tests.test_junk_parameters import forms_of

DAY = datetime.timedelta(days=1)
SUBJECT_PREFIX = "[Giao ước] "


def today() -> datetime.date:
    return timezone.localdate()


def dmy(day: datetime.date) -> str:
    return f"{day:%d/%m/%Y}"


@pytest.fixture
def year(world) -> ClusterYear:
    """The world's table published, deadlines well ahead (no deadline reminder due today);
    every persona has an e-mail address, and the member unit a second clerk."""
    publish_table(world.table)
    cluster_year = world.cluster_year
    cluster_year.self_score_deadline = today() + 30 * DAY
    cluster_year.review_deadline = today() + 40 * DAY
    cluster_year.save()
    world.users["member_clerk_2"] = make_user("member_clerk_2", role="clerk", unit=world.member)
    for name, user in world.users.items():
        user.email = f"{name.replace('_', '.')}@example.vn"
        user.save(update_fields=["email"])
    return cluster_year


def send(day: datetime.date | None = None) -> str:
    out = StringIO()
    if day is None:
        call_command("send_reminders", stdout=out)
    else:
        call_command("send_reminders", today=day.isoformat(), stdout=out)
    return out.getvalue()


def sheet_of(world, unit) -> ScoreSheet:
    return ScoreSheet.objects.select_related("table__cluster_year", "unit").get(
        table=world.table, unit=unit
    )


def submitted(world, unit=None) -> ScoreSheet:
    sheet = sheet_of(world, unit or world.member)
    for item in sheet.scores_in_order():
        sheets.save_self(item, value=Decimal("1"), note="", version=item.version)
    sheet.submit(by=world.users["member_clerk"])
    return sheet_of(world, sheet.unit)


def returned(world, reason="Thiếu biên bản họp dân") -> ScoreSheet:
    sheet = submitted(world)
    sheet.return_to_unit(reason=reason, by=world.users["leader_clerk"])
    return sheet_of(world, world.member)


def mine(user, **filters) -> list[Reminder]:
    return list(Reminder.objects.filter(user=user, **filters).order_by("pk"))


def sent_to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


# --- When a reminder before a deadline is due ----------------------------------------------------


@pytest.mark.parametrize(
    ("left", "days", "due"),
    [
        (8, [7, 1], None),
        (7, [7, 1], 7),
        (5, [7, 1], 7),
        (2, [7, 1], 7),
        (1, [7, 1], 1),
        (0, [7, 1], 1),  # the last day: the most urgent one
        (-1, [7, 1], None),  # passed: nothing before it is due any more
        (3, [], None),  # no reminders set for the year
        (0, [3, 0], 0),
        (30, [60], 60),
    ],
)
def test_threshold_names_the_reminder_due_on_a_day(left, days, due):
    day = datetime.date(2025, 11, 15)
    assert threshold(day, day - datetime.timedelta(days=left), days) == due


def test_units_are_reminded_seven_days_and_one_day_before_their_deadline(world, year):
    deadline = year.self_score_deadline
    clerk = world.users["member_clerk"]
    assert send(deadline - 8 * DAY).startswith("due 0, new 0")
    assert not mine(clerk)
    send(deadline - 7 * DAY)
    [first] = mine(clerk)
    assert first.kind == "deadline" and first.url == reverse(
        "scoring:sheet_detail", args=[sheet_of(world, world.member).pk]
    )
    assert world.member.name in first.subject and dmy(deadline) in first.subject
    assert "7 ngày" in first.subject
    assert f"đến hết ngày {dmy(deadline)}" in first.body or dmy(deadline) in first.body
    for day in (deadline - 6 * DAY, deadline - 2 * DAY):  # the seven-day one was sent
        send(day)
    assert len(mine(clerk)) == 1
    send(deadline - DAY)
    send(deadline - DAY)
    send(deadline)  # the last day: the one-day reminder was already sent
    send(deadline + DAY)  # passed
    reminded = mine(clerk)
    assert [r.key.rsplit(":", 1)[1] for r in reminded] == ["7", "1"]
    assert "1 ngày" in reminded[1].subject
    # E-mailed once each; the leader unit's clerk is reminded of its own sheet alike.
    assert [m.subject for m in sent_to(clerk.email)] == [
        SUBJECT_PREFIX + r.subject for r in reminded
    ]
    assert len(mine(world.users["leader_clerk"])) == 2
    assert not mine(world.users["staff"]) and not mine(world.users["outsider_clerk"])


def test_the_years_reminder_days_decide_when(world, year):
    year.reminder_days = "3"
    year.save()
    deadline = year.self_score_deadline
    send(deadline - 7 * DAY)
    assert not mine(world.users["member_clerk"])
    send(deadline - 3 * DAY)
    assert len(mine(world.users["member_clerk"])) == 1
    year.reminder_days = ""
    year.save()
    send(deadline - DAY)
    assert len(mine(world.users["member_clerk"])) == 1  # empty: no reminders


def test_a_stored_junk_setting_means_no_reminders_not_a_crash(world, year):
    ClusterYear.objects.filter(pk=year.pk).update(reminder_days="x, -1, 400")
    year.refresh_from_db()
    assert year.reminder_day_list == []
    assert send(year.self_score_deadline - DAY).startswith("due 0, new 0")


def test_reviewers_are_reminded_of_the_sheets_waiting_before_the_review_deadline(world, year):
    submitted(world)
    review = year.review_deadline
    send(review - DAY)
    [reminder] = mine(world.users["leader_clerk"])
    assert reminder.kind == "deadline" and reminder.key.startswith("review-deadline:")
    assert reminder.url == reverse("scoring:sheet_list", args=[year.pk])
    assert dmy(review) in reminder.subject and world.member.name in reminder.body
    assert not mine(world.users["member_clerk"])  # its sheet is submitted: nothing to do
    send(review - DAY)
    assert len(mine(world.users["leader_clerk"])) == 1


JUNK_DAYS = 'Hãy ghi số ngày là số nguyên từ 0 đến 60, cách nhau bằng dấu phẩy, ví dụ "7, 1".'


@pytest.mark.parametrize("text", ["x, -1, 400", "x", "-1", "400", "7; 1.5", "²", "7,,61"])
def test_junk_reminder_days_are_refused_in_vietnamese(world, text):
    with pytest.raises(ValidationError) as error:
        validate_reminder_days(text)
    assert error.value.messages == [JUNK_DAYS]
    world.cluster_year.reminder_days = text
    with pytest.raises(ValidationError) as error:
        world.cluster_year.full_clean()
    assert error.value.message_dict["reminder_days"] == [JUNK_DAYS]


def test_more_than_five_reminder_days_are_refused(world):
    with pytest.raises(ValidationError) as error:
        validate_reminder_days("30, 14, 7, 3, 2, 1")
    assert error.value.messages == ["Nhắc tối đa năm lần trước mỗi thời hạn."]
    validate_reminder_days("14, 7, 3, 1, 0")
    validate_reminder_days("")


def test_the_years_settings_page_refuses_junk_reminder_days_and_saves_good_ones(client_as, world):
    client = client_as("staff")
    url = reverse("clusters:cluster_year_settings", args=[world.cluster_year.pk])
    [form] = [f for f in forms_of(client.get(url), url) if "reminder_days" in f.fields]
    assert form.fields["reminder_days"] == "7, 1"
    response = client.post(url, {**form.fields, "reminder_days": "x, -1, 400"})
    assert response.status_code == 200
    assert JUNK_DAYS.replace('"', "&quot;") in response.content.decode()
    world.cluster_year.refresh_from_db()
    assert world.cluster_year.reminder_days == "7, 1"
    response = client.post(url, {**form.fields, "reminder_days": "10; 3, 0"})
    assert response.status_code == 302
    world.cluster_year.refresh_from_db()
    assert world.cluster_year.reminder_day_list == [10, 3, 0]


# --- A returned or reviewed sheet ----------------------------------------------------------------


def test_a_returned_sheet_is_told_once_to_every_clerk_of_the_unit(client_as, world, year):
    sheet = returned(world)
    first, second = send(), send()
    assert "new 2, e-mailed 2" in first and "new 0, e-mailed 0" in second
    subject = f"Phiếu chấm điểm của {world.member.name} bị trả lại để sửa"
    for persona in ("member_clerk", "member_clerk_2"):
        user = world.users[persona]
        [reminder] = mine(user)
        assert (reminder.kind, reminder.subject) == ("returned", subject)
        assert "Lý do: Thiếu biên bản họp dân" in reminder.body
        assert dmy(year.review_deadline) in reminder.body  # corrected until the review deadline
        [message] = sent_to(user.email)
        assert message.subject == SUBJECT_PREFIX + subject
        assert "Thiếu biên bản họp dân" in message.body
        assert f"/phieu/{sheet.pk}/" in message.body
    assert len(mail.outbox) == 2
    # One item on the clerk's dashboard, with the reason; the job changed nothing there.
    clerk = world.users["member_clerk"]
    items = [
        item
        for item in todo_items(clerk, list(visible_cluster_years(clerk).with_summary()))
        if item.url == reverse("scoring:sheet_detail", args=[sheet.pk])
    ]
    assert len(items) == 1 and items[0].urgent
    html = client_as("member_clerk").get("/").content.decode()
    todo = html[html.index('data-testid="todo-list"') :]
    assert todo.count("Bị trả lại, lý do: Thiếu biên bản họp dân") == 1


def test_each_return_is_its_own_occasion(world, year):
    returned(world, reason="Lần một")
    send()
    sheet = sheet_of(world, world.member)
    sheet.submit(by=world.users["member_clerk"])
    sheet.return_to_unit(reason="Lần hai", by=world.users["leader_clerk"])
    send()
    send()
    reasons = [r.body for r in mine(world.users["member_clerk"], kind="returned")]
    assert len(reasons) == 2 and "Lần một" in reasons[0] and "Lần hai" in reasons[1]
    assert len(sent_to(world.users["member_clerk"].email)) == 2


def test_a_reviewed_sheet_is_told_once(world, year):
    sheet = submitted(world)
    sheet.mark_reviewed(by=world.users["leader_clerk"])
    send()
    send()
    [reminder] = mine(world.users["member_clerk"])
    assert reminder.kind == "reviewed"
    assert reminder.subject == f"Phiếu chấm điểm của {world.member.name} đã được thẩm định"
    assert [m.subject for m in sent_to(world.users["member_clerk"].email)] == [
        SUBJECT_PREFIX + reminder.subject
    ]
    assert not mine(world.users["leader_clerk"])


# --- Requests for more time ----------------------------------------------------------------------


def late_request(world, year) -> ExtensionRequest:
    year.self_score_deadline = today() - DAY
    year.save()
    return ExtensionRequest.ask(
        sheet_of(world, world.member), by=world.users["member_clerk"], reason="Thiếu người"
    )


def test_staff_hear_of_a_request_and_the_asker_of_its_answer_once_each(world, year):
    request = late_request(world, year)
    send()
    send()
    staff = world.users["staff"]
    [asked] = mine(staff)
    assert asked.kind == "ext-asked"
    assert asked.subject == f"{world.member.name} xin gia hạn chấm điểm"
    assert "Thiếu người" in asked.body
    assert asked.url == reverse("scoring:deadlines", args=[year.pk]) + f"#request-{request.pk}"
    assert len(sent_to(staff.email)) == 1
    assert not mine(world.users["viewer"]) and not mine(world.users["member_clerk"])
    until = today() + 20 * DAY
    request.grant(by=staff, until=until, answer="Đồng ý")
    send()
    send()
    [answer] = mine(world.users["member_clerk"])
    assert answer.kind == "ext-answer"
    assert answer.subject == f"{world.member.name} được gia hạn đến {dmy(until)}"
    assert [m.subject for m in sent_to(world.users["member_clerk"].email)] == [
        SUBJECT_PREFIX + answer.subject
    ]
    # Only the one who asked hears the answer; staff nothing more.
    assert not mine(world.users["member_clerk_2"]) and len(mine(staff)) == 1


def test_a_refusal_is_told_with_its_reason(world, year):
    request = late_request(world, year)
    request.refuse(by=world.users["staff"], answer="Quá hạn lâu")
    send()
    [answer] = mine(world.users["member_clerk"])
    assert answer.subject == f"Đề nghị gia hạn của {world.member.name} bị từ chối"
    assert "Quá hạn lâu" in answer.body


# --- E-mail: no address, a server down, a real server --------------------------------------------


def test_without_an_address_a_reminder_stays_in_the_app_and_is_not_retried(client_as, world, year):
    clerk = world.users["member_clerk"]
    clerk.email = ""
    clerk.save(update_fields=["email"])
    returned(world)
    assert "without an address 1" in send()
    [reminder] = mine(clerk)
    assert reminder.emailed_at is None and reminder.email_attempts == EMAIL_ATTEMPTS
    assert reminder.email_error
    assert "without an address 0" in send()
    reminder.refresh_from_db()
    assert reminder.email_attempts == EMAIL_ATTEMPTS
    assert not sent_to("") and len(mail.outbox) == 1  # the second clerk's
    html = client_as("member_clerk").get(reverse("scoring:reminders")).content.decode()
    assert reminder.subject in html


def test_a_switched_off_account_gets_no_e_mail(world, year):
    returned(world)
    reminders.record(reminders.due_now())  # recorded while both clerks were active
    second = world.users["member_clerk_2"]
    second.is_active = False
    second.save(update_fields=["is_active"])
    send()
    assert len(sent_to(world.users["member_clerk"].email)) == 1 and not sent_to(second.email)
    [reminder] = mine(second)
    assert reminder.emailed_at is None and reminder.email_attempts == 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Collector:
    """An SMTP handler keeping what it receives; it refuses the addresses in ``refuse``."""

    def __init__(self, refuse: tuple[str, ...] = ()):
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [message for rcpt, message in self.received if rcpt == [address]]


@pytest.fixture
def smtp(settings):
    """A real SMTP server (aiosmtpd) on a free local port, Django's SMTP backend pointed at it."""
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield handler
    controller.stop()


def test_a_real_smtp_server_gets_each_reminder_once(world, year, smtp):
    returned(world)
    first, second = send(), send()
    assert "e-mailed 2" in first and "e-mailed 0" in second
    subject = f"[Giao ước] Phiếu chấm điểm của {world.member.name} bị trả lại để sửa"
    for persona in ("member_clerk", "member_clerk_2"):
        address = world.users[persona].email
        [message] = smtp.to(address)
        # Python folds the encoded header onto a second line; its parser keeps that line's space.
        assert message["Subject"].strip() == subject
        assert "Thiếu biên bản họp dân" in message.get_content()
        [reminder] = mine(world.users[persona])
        assert reminder.email_to == address and reminder.emailed_at is not None
    assert len(smtp.received) == 2


def test_a_mail_server_down_marks_nothing_sent_and_the_next_run_sends(world, year, smtp, settings):
    returned(world)
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there: the connection is refused
    assert "e-mailed 0, failed 2" in send()
    for reminder in Reminder.objects.all():
        assert reminder.emailed_at is None and reminder.email_attempts == 0
    assert not smtp.received
    settings.EMAIL_PORT = port  # the server is back
    assert "e-mailed 2" in send()
    send()
    for persona in ("member_clerk", "member_clerk_2"):
        assert len(smtp.to(world.users[persona].email)) == 1


def test_an_address_the_server_refuses_is_tried_a_few_times_then_left_in_the_app(world, year, smtp):
    refused = world.users["member_clerk"].email
    smtp.refuse = (refused,)
    returned(world)
    for _run in range(EMAIL_ATTEMPTS + 2):
        send()
    [reminder] = mine(world.users["member_clerk"])
    assert reminder.emailed_at is None and reminder.email_attempts == EMAIL_ATTEMPTS
    assert "550" in reminder.email_error
    assert not smtp.to(refused)
    assert len(smtp.to(world.users["member_clerk_2"].email)) == 1  # the other clerk got it


def test_with_e_mail_off_reminders_wait_in_the_app(world, year, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    returned(world)
    assert "e-mail is not configured" in send()
    assert all(r.emailed_at is None and r.email_attempts == 0 for r in Reminder.objects.all())
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send()
    assert len(mail.outbox) == 2


def test_the_command_reads_a_day_and_refuses_junk(world, year):
    with pytest.raises(CommandError):
        call_command("send_reminders", today="15/11/2024", stdout=StringIO())
    out = StringIO()
    call_command("send_reminders", today=year.self_score_deadline - DAY, stdout=out)
    assert "new 3" in out.getvalue()  # the leader unit's clerk and the member unit's two


def test_the_job_records_and_sends_through_run(world, year):
    returned(world)
    report = reminders.run()
    assert (report.created, report.emailed) == (2, 2)
    report = reminders.run()
    assert (report.created, report.emailed) == (0, 0)


# --- The reminders page and the top bar ----------------------------------------------------------


def remind(user, key, subject) -> Reminder:
    return Reminder.objects.create(
        user=user, key=key, kind="returned", subject=subject, body="Nội dung", url="/"
    )


def test_the_reminders_page_lists_ones_own_and_marks_them_read_only_by_a_post(client_as, world):
    clerk, other = world.users["member_clerk"], world.users["leader_clerk"]
    remind(clerk, "a", "Nhắc việc thứ nhất")
    remind(clerk, "b", "Nhắc việc thứ hai")
    remind(other, "a", "Nhắc việc của người khác")
    client = client_as("member_clerk")
    html = client.get(reverse("scoring:reminders")).content.decode()
    assert "Nhắc việc thứ nhất" in html and "Nhắc việc thứ hai" in html
    assert "Nhắc việc của người khác" not in html
    assert 'data-testid="reminders-count">2<' in html
    assert f'action="{reverse("scoring:reminders_read")}"' in html
    # Reading the page, or a GET of the act, marks nothing read.
    client.get(reverse("scoring:reminders"))
    assert client.get(reverse("scoring:reminders_read")).status_code == 405
    assert Reminder.objects.filter(read_at__isnull=True).count() == 3
    response = client.post(reverse("scoring:reminders_read"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("scoring:reminders")
    html = response.content.decode()
    assert "Đã đánh dấu mọi nhắc việc là đã đọc." in html
    assert 'data-testid="reminders-count"' not in html
    assert not Reminder.objects.filter(user=clerk, read_at__isnull=True).exists()
    assert Reminder.objects.get(user=other).read_at is None  # another's stay unread


def test_the_top_bar_counts_unread_reminders(client_as, world):
    client = client_as("member_clerk")
    html = client.get(reverse("clusters:home")).content.decode()
    assert 'data-testid="reminders-link"' in html and 'data-testid="reminders-count"' not in html
    for index in range(3):
        remind(world.users["member_clerk"], f"k{index}", f"Nhắc {index}")
    remind(world.users["staff"], "k", "Của cán bộ")
    html = client.get(reverse("clusters:home")).content.decode()
    assert 'data-testid="reminders-count">3<span class="visually-hidden"> chưa đọc</span>' in html


def test_an_empty_reminders_page_says_so(client_as, world):
    html = client_as("no_role").get(reverse("scoring:reminders")).content.decode()
    assert "Chưa có nhắc việc nào." in html
    assert reverse("scoring:reminders_read") not in html  # nothing to mark read


def test_opening_a_reminder_marks_it_read_and_leads_to_what_it_is_about(client_as, world):
    clerk = world.users["member_clerk"]
    mine = remind(clerk, "a", "Phiếu bị trả lại")
    mine.url = reverse("scoring:reminders") + "?trang=1"
    mine.save()
    other = remind(world.users["leader_clerk"], "a", "Của người khác")
    client = client_as("member_clerk")
    url = reverse("scoring:reminder_open", args=[mine.pk])
    assert f'action="{url}"' in client.get(reverse("scoring:reminders")).content.decode()
    assert client.get(url).status_code == 405  # a GET marks nothing read
    mine.refresh_from_db()
    assert mine.read_at is None
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == mine.url
    mine.refresh_from_db()
    read_at = mine.read_at
    assert read_at is not None
    client.post(url)  # opened again: still read, when it was first read
    mine.refresh_from_db()
    assert mine.read_at == read_at
    # Another person's reminder does not exist here, and stays unread.
    assert client.post(reverse("scoring:reminder_open", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_a_reminder_never_leads_off_the_site(client_as, world):
    clerk = world.users["member_clerk"]
    odd = remind(clerk, "x", "Lạ")
    odd.url = "https://example.com/phieu/1/"
    odd.save()
    response = client_as("member_clerk").post(reverse("scoring:reminder_open", args=[odd.pk]))
    assert response["Location"] == reverse("scoring:reminders")
