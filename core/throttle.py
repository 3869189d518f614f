"""Counting requests per client in the shared cache, so that every web node sees one count.

A throttle kept in a process (a dict, an LRU) counts per gunicorn worker and per machine: with
four workers on two nodes a client gets eight times its allowance. The count lives in Django's
cache instead, which is Redis when several nodes serve the site (REDIS_URL; see
config/settings.py) and the local-memory cache on the single-process SQLite default.

One key per scope, client and window (a minute by default): ``add`` creates it at 0 with a
lifetime longer than the window, and ``incr`` (Redis INCR: atomic across workers and nodes)
counts. The key's lifetime outlives its window, so it cannot expire between the two calls, and a
key that is left behind names a window that never comes back.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)


def window_key(scope: str, client: str, *, window: int = 60, now: float | None = None) -> str:
    """The cache key counting ``client``'s requests in ``scope`` during the current window."""
    moment = time.time() if now is None else now
    return f"throttle:{scope}:{client or 'unknown'}:{int(moment // window)}"


def hit(scope: str, client: str, *, window: int = 60, now: float | None = None) -> int:
    """Count one request of ``client`` in ``scope``; the number of requests in this window so
    far, this one included. 0 when the cache cannot be reached: a throttle that fails open (and
    says so in the log) rather than a page that fails."""
    key = window_key(scope, client, window=window, now=now)
    try:
        cache.add(key, 0, timeout=2 * window)
        try:
            return cache.incr(key)
        except ValueError:  # evicted between add and incr (never by its own lifetime)
            if cache.add(key, 1, timeout=2 * window):
                return 1
            return cache.incr(key)
    except Exception:  # the cache server is down or unreachable
        logger.warning(
            "throttle %s: the cache cannot be reached; not counting", scope, exc_info=True
        )
        return 0


def throttled(
    scope: str, client: str, limit: int, *, window: int = 60, now: float | None = None
) -> bool:
    """Count one request and say whether ``client`` went over ``limit`` in this window."""
    return hit(scope, client, window=window, now=now) > limit
