"""core/throttle.py: counts kept in the shared cache, so that two nodes see one count."""

from __future__ import annotations

import logging
import os
import threading
import time

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

from core import throttle
from tests.conftest import needs

# Its own Redis database (flushed): not the one of tests/test_two_nodes.py.
REDIS_URL = os.environ.get("THROTTLE_TEST_REDIS_URL", "redis://127.0.0.1:6379/10")
MINUTE = 1_800_000_000.0  # a moment at the start of a minute (divisible by 60)


@pytest.fixture
def shared_locmem(monkeypatch):
    """Two "nodes" whose caches are one store: two LocMemCache objects of the same name (in one
    process they share their data, as two Redis clients share a server)."""
    node_a = LocMemCache("throttle-test", {})
    node_b = LocMemCache("throttle-test", {})
    node_a.clear()
    yield node_a, node_b
    node_a.clear()


def on(node, monkeypatch):
    monkeypatch.setattr(throttle, "cache", node)


def redis_cache(location: str = REDIS_URL) -> RedisCache:
    return RedisCache(
        location,
        {
            "KEY_PREFIX": "throttle-test",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        },
    )


@pytest.fixture
def two_redis_nodes():
    """Two clients (each its own connection pool, as two machines have) of one Redis database;
    skipped where no Redis runs."""
    node_a, node_b = redis_cache(), redis_cache()
    try:
        node_a.clear()
    except Exception as exc:  # redis.ConnectionError and the like
        needs(f"needs Redis at {REDIS_URL} (THROTTLE_TEST_REDIS_URL): {exc}")
    yield node_a, node_b
    node_a.clear()
    node_a.close()
    node_b.close()


def test_one_key_per_scope_client_and_minute():
    assert throttle.window_key("verify", "10.0.0.9", now=MINUTE) == (
        f"throttle:verify:10.0.0.9:{int(MINUTE // 60)}"
    )
    assert throttle.window_key("verify", "10.0.0.9", now=MINUTE + 59.9) == throttle.window_key(
        "verify", "10.0.0.9", now=MINUTE
    )
    assert throttle.window_key("verify", "10.0.0.9", now=MINUTE + 60) != throttle.window_key(
        "verify", "10.0.0.9", now=MINUTE
    )
    assert throttle.window_key("verify", "", now=MINUTE).startswith("throttle:verify:unknown:")


def test_counts_per_client_and_starts_again_in_the_next_minute(shared_locmem, monkeypatch):
    node, _other = shared_locmem
    on(node, monkeypatch)
    answers = [throttle.throttled("verify", "10.0.0.9", 3, now=MINUTE + i) for i in range(4)]
    assert answers == [False, False, False, True]
    assert not throttle.throttled("verify", "10.0.0.10", 3, now=MINUTE + 5)  # another address
    assert not throttle.throttled("login", "10.0.0.9", 3, now=MINUTE + 5)  # another scope
    assert throttle.hit("verify", "10.0.0.9", now=MINUTE + 60) == 1  # the next minute


def test_two_nodes_sharing_a_cache_count_together(shared_locmem, monkeypatch):
    node_a, node_b = shared_locmem
    on(node_a, monkeypatch)
    assert [throttle.hit("verify", "10.0.0.9", now=MINUTE) for _ in range(3)] == [1, 2, 3]
    on(node_b, monkeypatch)
    assert throttle.throttled("verify", "10.0.0.9", 3, now=MINUTE + 1)


def test_the_key_outlives_its_minute_so_it_cannot_expire_between_add_and_incr(
    shared_locmem, monkeypatch
):
    node, _other = shared_locmem
    on(node, monkeypatch)
    throttle.hit("verify", "10.0.0.9", window=60, now=MINUTE)
    key = node.make_and_validate_key(throttle.window_key("verify", "10.0.0.9", now=MINUTE))
    remaining = node._expire_info[key] - time.time()
    assert 60 < remaining <= 120


def test_two_redis_clients_count_together_and_the_key_expires(two_redis_nodes, monkeypatch):
    node_a, node_b = two_redis_nodes
    on(node_a, monkeypatch)
    assert throttle.hit("verify", "10.0.0.9", now=MINUTE) == 1
    assert throttle.hit("verify", "10.0.0.9", now=MINUTE) == 2
    on(node_b, monkeypatch)
    assert throttle.hit("verify", "10.0.0.9", now=MINUTE) == 3
    key = node_b.make_and_validate_key(throttle.window_key("verify", "10.0.0.9", now=MINUTE))
    ttl = node_b._cache.get_client(key).ttl(key)
    assert 60 < ttl <= 120  # never a key without a lifetime


def test_redis_counts_every_hit_of_concurrent_clients(two_redis_nodes, monkeypatch):
    """Redis INCR is atomic: four threads on two clients, 25 hits each, make 100."""
    node_a, node_b = two_redis_nodes
    counts: list[int] = []
    lock = threading.Lock()

    class PerThread:
        """The cache of the thread's "node" (threads 0 and 2 on A, 1 and 3 on B)."""

        local = threading.local()

        def __getattr__(self, name):
            return getattr(self.local.node, name)

    monkeypatch.setattr(throttle, "cache", PerThread())

    def run(node):
        PerThread.local.node = node
        seen = [throttle.hit("verify", "10.0.0.9", now=MINUTE) for _ in range(25)]
        with lock:
            counts.extend(seen)

    threads = [threading.Thread(target=run, args=(n,)) for n in (node_a, node_b) * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(counts) == list(range(1, 101))


def test_an_unreachable_cache_fails_open_and_says_so(monkeypatch, caplog):
    # A port nothing listens on: the connection is refused at once.
    on(redis_cache("redis://127.0.0.1:9/0"), monkeypatch)
    with caplog.at_level(logging.WARNING, logger="core.throttle"):
        assert throttle.hit("verify", "10.0.0.9") == 0
        assert not throttle.throttled("verify", "10.0.0.9", 0)
    assert "cannot be reached" in caplog.text
