"""Ids from requests."""

from __future__ import annotations

import re

_ID = re.compile(r"[0-9]{1,18}")


def parse_id(value: object) -> int | None:
    """A database id from a request (query string, hidden field), or None when it is not one.
    Not str.isdigit(), which accepts "²" and thousands of digits that int() then refuses."""
    text = str(value)
    return int(text) if _ID.fullmatch(text) else None
