"""A deadline as people read it: the day, and how many days are left (deadlines include their
day, in the project's time zone), for the sheets, the dashboard and the deadlines page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

SOON_DAYS = 7  # shown as urgent from this many days before


@dataclass(frozen=True)
class Deadline:
    day: datetime.date
    label: str

    def days_left(self, today: datetime.date | None = None) -> int:
        """0 on the day itself, negative once it has passed."""
        return (self.day - (today or timezone.localdate())).days

    @property
    def passed(self) -> bool:
        return self.days_left() < 0

    @property
    def soon(self) -> bool:
        return 0 <= self.days_left() <= SOON_DAYS

    @property
    def remaining(self) -> str:
        """ "5 days left", "last day today", "passed 3 days ago"."""
        left = self.days_left()
        if left > 0:
            return ngettext("%(n)d day left", "%(n)d days left", left) % {"n": left}
        if left == 0:
            return _("last day today")
        return ngettext("passed %(n)d day ago", "passed %(n)d days ago", -left) % {"n": -left}


def deadline(day: datetime.date | None, label: str) -> Deadline | None:
    return Deadline(day, label) if day is not None else None
