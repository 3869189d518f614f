"""Send the reminders that are due (scoring.reminders): run it every few minutes from cron or a
systemd timer. Running it again sends nothing twice."""

import datetime
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from scoring import reminders


class Command(BaseCommand):
    help = "Record and e-mail the reminders that are due; idempotent (see scoring/reminders.py)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--today", help="Reckon the deadlines as on this day (YYYY-MM-DD), for a test run."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["today"]
        if isinstance(today, datetime.datetime):
            today = today.date()
        elif isinstance(today, str) and today:
            try:
                today = datetime.date.fromisoformat(today)
            except ValueError:
                raise CommandError("--today takes a date as YYYY-MM-DD.") from None
        elif not isinstance(today, datetime.date):  # call_command(today=date) passes a date
            today = None
        report = reminders.run(today=today)
        self.stdout.write(
            f"due {report.due}, new {report.created}, e-mailed {report.emailed}, "
            f"failed {report.failed}, without an address {report.no_address}"
            + (" (e-mail is not configured: EMAIL_HOST)" if report.email_off else "")
        )
