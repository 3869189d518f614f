"""The settings of several web nodes, read from the environment (config/settings.py): the cache
and the sessions."""

from __future__ import annotations

import runpy

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from config import settings as settings_module

NODE_VARIABLES = ("REDIS_URL", "REDIS_TIMEOUT", "CACHE_KEY_PREFIX", "SESSION_CACHE")


def load_settings(monkeypatch, **env) -> dict:
    """The settings module run afresh with these environment variables (and none of the others
    it reads for several nodes)."""
    for name in NODE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(settings_module.__file__)


def test_without_redis_each_process_has_its_memory_and_sessions_are_in_the_database(
    monkeypatch,
):
    loaded = load_settings(monkeypatch)
    assert loaded["CACHES"]["default"]["BACKEND"] == (
        "django.core.cache.backends.locmem.LocMemCache"
    )
    assert loaded["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"
    assert loaded["AXES_HANDLER"] == "axes.handlers.database.AxesDatabaseHandler"


def test_redis_url_gives_the_shared_redis_cache_with_bounded_waits(monkeypatch):
    loaded = load_settings(monkeypatch, REDIS_URL=" redis://10.0.0.5:6379/2 ", REDIS_TIMEOUT="1.5")
    cache = loaded["CACHES"]["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == "redis://10.0.0.5:6379/2"
    assert cache["KEY_PREFIX"] == "giaouoc"
    assert cache["OPTIONS"] == {"socket_connect_timeout": 1.5, "socket_timeout": 1.5}
    # Sessions stay in the database unless asked otherwise.
    assert loaded["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"

    prefixed = load_settings(
        monkeypatch, REDIS_URL="redis://10.0.0.5:6379/2", CACHE_KEY_PREFIX="tinh-a"
    )
    assert prefixed["CACHES"]["default"]["KEY_PREFIX"] == "tinh-a"


def test_session_cache_reads_sessions_from_redis_and_writes_them_to_the_database(monkeypatch):
    loaded = load_settings(monkeypatch, REDIS_URL="redis://127.0.0.1:6379/0", SESSION_CACHE="1")
    assert loaded["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"
    off = load_settings(monkeypatch, REDIS_URL="redis://127.0.0.1:6379/0", SESSION_CACHE="0")
    assert off["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"


def test_session_cache_without_redis_is_refused(monkeypatch):
    """Sessions in one process's memory would sign users out on every other node."""
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        load_settings(monkeypatch, SESSION_CACHE="1")


def test_media_and_static_roots_come_from_the_environment(monkeypatch, tmp_path):
    loaded = load_settings(
        monkeypatch, MEDIA_ROOT=str(tmp_path / "nfs"), STATIC_ROOT=str(tmp_path / "static")
    )
    assert loaded["MEDIA_ROOT"] == tmp_path / "nfs"
    assert loaded["STATIC_ROOT"] == tmp_path / "static"
    assert loaded["STORAGES"]["default"]["BACKEND"] == (
        "django.core.files.storage.FileSystemStorage"
    )


@pytest.mark.django_db
def test_a_session_is_a_database_row(django_user_model):
    """What every node reads: the session the login wrote, in the shared database."""
    from django.contrib.sessions.models import Session  # noqa: PLC0415

    user = django_user_model.objects.create_user(username="hai-may", password="pw-test-123")
    client = Client()
    client.force_login(user)
    row = Session.objects.get(session_key=client.session.session_key)
    assert row.get_decoded()["_auth_user_id"] == str(user.pk)
