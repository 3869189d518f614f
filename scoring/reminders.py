"""Reminders: before each deadline (the year's setting, 7 and 1 days by default), when a sheet is
returned or reviewed, when a unit asks for more time and when it is answered.

``run()`` is the scheduled job (``manage.py send_reminders``, by cron or a systemd timer). It
works out what is due from the state of the sheets, records each reminder once per person
(Reminder.key names the occasion, unique per user), so that the same reminder is never made
twice however often it runs, then e-mails the recorded reminders not yet e-mailed, each under
its row's lock and marked sent in the same transaction. A reminder shows in the app (the top
bar's count, /nhac-viec/) whether or not it could be e-mailed. Reminders are written in the
site's language (Vietnamese)."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from clusters.models import Assignment, ClusterYear, Membership

from .models import ExtensionRequest, Reminder, ScoreSheet, ScoringTable

log = logging.getLogger(__name__)

EMAIL_ATTEMPTS = 3  # a reminder whose e-mail failed this often stays in the app only
EMAIL_WITHIN = datetime.timedelta(days=7)  # older reminders are not e-mailed any more
ANSWERED_WITHIN = datetime.timedelta(days=30)  # answers older than this are not announced


@dataclass(frozen=True)
class Due:
    user_id: int
    key: str
    kind: str
    subject: str
    body: str
    url: str


@dataclass
class Report:
    due: int = 0
    created: int = 0
    emailed: int = 0
    failed: int = 0
    no_address: int = 0
    email_off: bool = False


def _day(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def threshold(day: datetime.date, today: datetime.date, days: list[int]) -> int | None:
    """Which reminder before ``day`` is due ``today``: the smallest of ``days`` not yet
    passed (5 days left with 7 and 1 → 7; 1 or 0 left → 1); None when none is due or the day
    has passed. A job that did not run for a while sends the most urgent one only."""
    left = (day - today).days
    reached = [n for n in days if 0 <= left <= n]
    return min(reached) if reached else None


def _clerks(unit_ids: Iterable[int]) -> dict[int, list[int]]:
    users: dict[int, list[int]] = defaultdict(list)
    for user_id, unit_id in Assignment.objects.filter(
        role=Assignment.Role.CLERK, unit_id__in=set(unit_ids), user__is_active=True
    ).values_list("user_id", "unit_id"):
        users[unit_id].append(user_id)
    return users


def _staff(authority_ids: Iterable[int]) -> dict[int, list[int]]:
    users: dict[int, list[int]] = defaultdict(list)
    for user_id, authority_id in Assignment.objects.filter(
        role=Assignment.Role.STAFF, authority_id__in=set(authority_ids), user__is_active=True
    ).values_list("user_id", "authority_id"):
        users[authority_id].append(user_id)
    return users


def _open_sheets() -> QuerySet[ScoreSheet]:
    return ScoreSheet.objects.filter(table__status=ScoringTable.Status.PUBLISHED).select_related(
        "unit", "table__cluster_year__cluster"
    )


def _title(year: ClusterYear) -> str:
    return f"{year.cluster.name} {year.year}"


def _sheet_url(sheet: ScoreSheet) -> str:
    return reverse("scoring:sheet_detail", args=[sheet.pk])


def _deadlines(today: datetime.date, sheets: list[ScoreSheet]) -> list[Due]:
    """Units still scoring (or correcting a returned sheet) before their deadline, and the
    reviewers with sheets waiting before the review deadline (one reminder per reviewing
    unit and year, however many sheets wait)."""
    due: list[Due] = []
    clerks = _clerks({sheet.unit_id for sheet in sheets} | _reviewer_units(sheets))
    waiting: dict[tuple[int, int], list[ScoreSheet]] = defaultdict(list)
    for sheet in sheets:
        year = sheet.table.cluster_year
        if sheet.status == ScoreSheet.Status.SUBMITTED:
            reviewer = _reviewer_of(year, sheet.unit_id)
            if reviewer is not None:
                waiting[(year.pk, reviewer)].append(sheet)
            continue
        if sheet.status not in (ScoreSheet.Status.DRAFT, ScoreSheet.Status.RETURNED):
            continue
        day = sheet.entry_deadline()
        n = threshold(day, today, year.reminder_day_list) if day is not None else None
        if day is None or n is None:
            continue
        left = (day - today).days
        subject = (
            _("%(unit)s: today is the last day for its score sheet (%(day)s)")
            if left == 0
            else _("%(unit)s: %(left)s left for its score sheet (deadline %(day)s)")
        ) % {"unit": sheet.unit.name, "left": _days(left), "day": _day(day)}
        body = _(
            "The score sheet of %(unit)s in %(cluster)s is not submitted yet. The unit can "
            "score and submit it until the end of %(day)s."
        ) % {"unit": sheet.unit.name, "cluster": _title(year), "day": _day(day)}
        for user_id in clerks.get(sheet.unit_id, []):
            due.append(Due(user_id, f"deadline:{sheet.pk}:{sheet.status}:{day}:{n}",
                           Reminder.Kind.DEADLINE, subject, body, _sheet_url(sheet)))  # fmt: skip
    for (year_pk, unit_id), group in waiting.items():
        year = group[0].table.cluster_year
        day = year.review_deadline
        n = threshold(day, today, year.reminder_day_list) if day is not None else None
        if day is None or n is None:
            continue
        subject = _("%(count)s to review before %(day)s (%(cluster)s)") % {
            "count": _sheets(len(group)), "day": _day(day), "cluster": _title(year)}  # fmt: skip
        body = _("Waiting for your review: %(units)s. The review closes at the end of %(day)s.") % {
            "units": ", ".join(sheet.unit.name for sheet in group), "day": _day(day)}  # fmt: skip
        url = reverse("scoring:sheet_list", args=[year_pk])
        for user_id in clerks.get(unit_id, []):
            due.append(Due(user_id, f"review-deadline:{year_pk}:{unit_id}:{day}:{n}",
                           Reminder.Kind.DEADLINE, subject, body, url))  # fmt: skip
    return due


def _reviewer_units(sheets: list[ScoreSheet]) -> set[int]:
    return {
        unit
        for sheet in sheets
        if sheet.status == ScoreSheet.Status.SUBMITTED
        and (unit := _reviewer_of(sheet.table.cluster_year, sheet.unit_id)) is not None
    }


def _reviewer_of(year: ClusterYear, unit_id: int) -> int | None:
    """The unit that reviews ``unit_id``'s sheet: the leader every other unit's, the deputy
    the leader's (as scoring.access decides)."""
    roles = getattr(year, "_reminder_roles", None)
    if roles is None:
        roles = dict(year.memberships.values_list("role", "unit_id"))
        year._reminder_roles = roles  # type: ignore[attr-defined]
    leader, deputy = roles.get(Membership.Role.LEADER), roles.get(Membership.Role.DEPUTY)
    return deputy if unit_id == leader else leader


def _days(n: int) -> str:
    return translation.ngettext("%(n)d day", "%(n)d days", n) % {"n": n}


def _sheets(n: int) -> str:
    return translation.ngettext("%(n)d sheet", "%(n)d sheets", n) % {"n": n}


def _status_changes(sheets: list[ScoreSheet]) -> list[Due]:
    """A sheet returned to its unit or reviewed: the unit's clerks hear of it once per return
    or review (the history record where the status changed names the occasion)."""
    changed = [s for s in sheets
               if s.status in (ScoreSheet.Status.RETURNED, ScoreSheet.Status.REVIEWED)]  # fmt: skip
    if not changed:
        return []
    since: dict[int, int] = {}  # sheet → history id of the change into its current status
    previous: dict[int, str] = {}
    status_of = {sheet.pk: sheet.status for sheet in changed}
    for sheet_id, status, history_id in (
        ScoreSheet.history.filter(id__in=status_of)
        .order_by("history_date", "history_id")
        .values_list("id", "status", "history_id")
    ):
        if status != previous.get(sheet_id) and status == status_of[sheet_id]:
            since[sheet_id] = history_id
        previous[sheet_id] = status
    clerks = _clerks(sheet.unit_id for sheet in changed)
    due = []
    for sheet in changed:
        if sheet.pk not in since:
            continue
        year = sheet.table.cluster_year
        if sheet.status == ScoreSheet.Status.RETURNED:
            deadline = sheet.entry_deadline()
            subject = _("The score sheet of %(unit)s is returned for correction") % {
                "unit": sheet.unit.name}  # fmt: skip
            body = _("The reviewer returned the sheet (%(cluster)s). Reason: %(reason)s") % {
                "cluster": _title(year), "reason": sheet.return_reason}  # fmt: skip
            if deadline:
                body += " " + _("Correct it and submit it again by %(day)s.") % {
                    "day": _day(deadline)}  # fmt: skip
            kind = Reminder.Kind.RETURNED
        else:
            subject = _("The score sheet of %(unit)s is reviewed") % {"unit": sheet.unit.name}
            body = _("The leader unit finished reviewing the sheet (%(cluster)s).") % {
                "cluster": _title(year)}  # fmt: skip
            kind = Reminder.Kind.REVIEWED
        for user_id in clerks.get(sheet.unit_id, []):
            due.append(Due(user_id, f"{kind}:{sheet.pk}:{since[sheet.pk]}", kind, subject, body,
                           _sheet_url(sheet)))  # fmt: skip
    return due


def _extensions(now: datetime.datetime) -> list[Due]:
    """A request for more time to the staff of the cluster's authority; its answer to whoever
    asked."""
    requests = list(
        ExtensionRequest.objects.filter(sheet__table__status=ScoringTable.Status.PUBLISHED)
        .exclude(status="granted", answered_at__lt=now - ANSWERED_WITHIN)
        .exclude(status="refused", answered_at__lt=now - ANSWERED_WITHIN)
        .select_related("sheet__unit", "sheet__table__cluster_year__cluster")
    )
    staff = _staff(r.sheet.table.cluster_year.cluster.authority_id for r in requests)
    due = []
    for request in requests:
        year, unit = request.sheet.table.cluster_year, request.sheet.unit.name
        if request.status == ExtensionRequest.Status.PENDING:
            subject = _("%(unit)s asks for more time to score") % {"unit": unit}
            body = _("%(cluster)s. Reason: %(reason)s") % {
                "cluster": _title(year), "reason": request.reason}  # fmt: skip
            url = reverse("scoring:deadlines", args=[year.pk]) + f"#request-{request.pk}"
            for user_id in staff.get(year.cluster.authority_id, []):
                due.append(Due(user_id, f"ext-asked:{request.pk}",
                               Reminder.Kind.EXTENSION_ASKED, subject, body, url))  # fmt: skip
        else:
            if request.status == ExtensionRequest.Status.GRANTED and request.granted_until:
                subject = _("More time granted to %(unit)s, until %(day)s") % {
                    "unit": unit, "day": _day(request.granted_until)}  # fmt: skip
            else:
                subject = _("The request of %(unit)s for more time is refused") % {"unit": unit}
            body = f"{_title(year)}. {request.answer}".strip()
            due.append(Due(request.asked_by_id, f"ext-answer:{request.pk}",
                           Reminder.Kind.EXTENSION_ANSWERED, subject, body,
                           _sheet_url(request.sheet)))  # fmt: skip
    return due


def due_now(today: datetime.date | None = None, now: datetime.datetime | None = None) -> list[Due]:
    """Every reminder due now, recorded or not."""
    today, now = today or timezone.localdate(), now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        sheets = list(_open_sheets())
        return [*_deadlines(today, sheets), *_status_changes(sheets), *_extensions(now)]


def record(due: list[Due]) -> int:
    """The due reminders not recorded yet, recorded (how many were new). The unique
    (user, key) keeps two jobs running at once from recording one twice."""
    if not due:
        return 0
    known = set(
        Reminder.objects.filter(key__in={item.key for item in due}).values_list("user_id", "key")
    )
    new = {}
    for item in due:
        if (item.user_id, item.key) not in known:
            new[(item.user_id, item.key)] = Reminder(
                user_id=item.user_id, key=item.key, kind=item.kind, subject=item.subject[:250],
                body=item.body, url=item.url[:300],
            )  # fmt: skip
    Reminder.objects.bulk_create(new.values(), ignore_conflicts=True)
    return len(new)


def email_is_off() -> bool:
    """No mail server configured (production without EMAIL_HOST): reminders stay in the app
    and wait, not marked e-mailed."""
    return settings.EMAIL_BACKEND.endswith("dummy.EmailBackend")


def email_pending(now: datetime.datetime | None = None, report: Report | None = None) -> Report:
    """E-mail every recorded reminder not e-mailed yet (recent ones, a few attempts each). Each
    is sent under its row's lock and marked sent in the same transaction, so that two jobs at
    once do not both send it (PostgreSQL: the second skips the locked row)."""
    report = report or Report()
    if email_is_off():
        report.email_off = True
        return report
    now = now or timezone.now()
    pending = list(
        Reminder.objects.filter(
            emailed_at__isnull=True, email_attempts__lt=EMAIL_ATTEMPTS,
            created_at__gte=now - EMAIL_WITHIN, user__is_active=True,  # no mail to a closed account
        ).values_list("pk", flat=True)
    )  # fmt: skip
    if not pending:
        return report
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    connection = get_connection()
    try:
        connection.open()
    except Exception as error:  # noqa: BLE001 — the server is down: all wait for the next run
        log.warning("reminders not e-mailed, the mail server refused: %s", error)
        report.failed += len(pending)
        return report
    try:
        for pk in pending:
            with transaction.atomic():
                # of=self: lock the reminder alone, not its user's row (a sign-in updating it
                # would otherwise make this job skip the reminder).
                reminder = (
                    Reminder.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("user")
                    .filter(pk=pk, emailed_at__isnull=True)
                    .first()
                )
                if reminder is None:
                    continue  # sent meanwhile by another job
                address = reminder.user.email
                if not address:
                    reminder.email_attempts = EMAIL_ATTEMPTS
                    reminder.email_error = "no e-mail address"
                    reminder.save(update_fields=["email_attempts", "email_error"])
                    report.no_address += 1
                    continue
                message = EmailMessage(
                    subject=f"[{settings.SITE_NAME}] {reminder.subject}",
                    body=f"{reminder.body}\n\n{base}{reminder.url}\n",
                    to=[address],
                    connection=connection,
                )
                try:
                    message.send()
                except Exception as error:  # noqa: BLE001 — recorded, retried next run
                    log.warning("reminder %s to %s not e-mailed: %s", pk, address, error)
                    reminder.email_attempts += 1
                    reminder.email_error = str(error)[:300]
                    reminder.save(update_fields=["email_attempts", "email_error"])
                    report.failed += 1
                    continue
                reminder.email_attempts += 1
                reminder.email_to = address
                reminder.emailed_at = timezone.now()
                reminder.email_error = ""
                reminder.save(
                    update_fields=["email_attempts", "email_to", "emailed_at", "email_error"]
                )
                report.emailed += 1
    finally:
        connection.close()
    return report


def run(today: datetime.date | None = None, now: datetime.datetime | None = None) -> Report:
    """The scheduled job: record what is due, then e-mail what is recorded and unsent."""
    due = due_now(today, now)
    report = Report(due=len(due), created=record(due))
    return email_pending(now, report)
