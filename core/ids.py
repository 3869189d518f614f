"""Ids, numbers and text from requests: the one place where a value of request.GET or
request.POST becomes an int or a search text. Each answers None (or a cleaned text) for what
it cannot take, never an exception, so junk in a query string is a 404 or a form's error and
never a server error. Decimals typed into forms go through core.numbers.parse_decimal."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

_INT = re.compile(r"-?[0-9]{1,18}")  # fits a 64-bit column; "²" and "1e999" are not digits here
_ID = re.compile(r"[0-9]{1,18}")
# A search text is short; a longer one is cut, never refused with an error.
TEXT_LIMIT = 200
# A reason given for an act (closing a table, returning a sheet, reversing a reorganisation) is
# kept whole up to this; a longer one is refused by the model (check_reason), never cut.
REASON_LIMIT = 2000


def parse_int(
    value: object, *, minimum: int | None = None, maximum: int | None = None
) -> int | None:
    """An integer from a request, within [minimum, maximum] when given, or None: ASCII digits
    with an optional minus, at most 18 of them. Not int(), which takes " 12 ", "١٢" and
    "1_000" and raises ValueError for 5,000 digits; not str.isdigit(), which takes "²"."""
    text = "" if value is None else str(value)
    if not _INT.fullmatch(text):
        return None
    number = int(text)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        return None
    return number


def parse_id(value: object) -> int | None:
    """A database id from a request (query string, hidden field), or None when it is not one."""
    text = "" if value is None else str(value)
    return int(text) if _ID.fullmatch(text) else None


def parse_year(value: object) -> int | None:
    """A calendar year from a request ("?nam=2025"), or None."""
    return parse_int(value, minimum=1900, maximum=2999)


def parse_page(value: object) -> int:
    """A page number from a request ("?trang=3"); 1 for anything else. Paginator.get_page then
    keeps it within the pages there are."""
    return parse_int(value, minimum=1) or 1


def parse_text(value: object, *, limit: int | None = TEXT_LIMIT) -> str:
    """A text from a request (a search, a reason): without NUL and the other control characters
    that PostgreSQL or the printed documents refuse, trimmed, cut to `limit` characters."""
    text = "" if value is None else str(value)
    text = "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 32)
    text = text.strip()
    return text if limit is None else text[:limit]


def parse_reason(value: object) -> str:
    """A reason typed for an act, from a request: without NUL and the other control characters,
    trimmed, but whole, so that the act refuses one that is too long (check_reason) and the
    page gives it back to be shortened, rather than a reason cut without a word."""
    return parse_text(value, limit=None)


def check_reason(reason: str) -> str:
    """The model's check of a reason: refused, with the limit said, when longer than
    REASON_LIMIT."""
    if len(reason) > REASON_LIMIT:
        raise ValidationError(
            gettext("The reason is too long: at most %(max)s characters.") % {"max": REASON_LIMIT}
        )
    return reason
