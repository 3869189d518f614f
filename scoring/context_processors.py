from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import Reminder


def reminders(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's unread reminders for the top bar: counted when the bar is drawn
    (one indexed query), never for a page that does not draw it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "reminders_unread": SimpleLazyObject(
            lambda: Reminder.objects.filter(user=user, read_at__isnull=True).count()
        )
    }
