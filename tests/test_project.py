"""Project-wide behaviour: health check, security headers, language, login throttling,
deployment checks and the translation catalogue."""

import os
import re
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.db import OperationalError
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)


def test_healthz_reports_the_database(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_down(client, db, monkeypatch):
    from django.db import connections

    def refused(*args, **kwargs):
        raise OperationalError("connection refused")

    # /healthz probes on a fresh connection of its own (config/views.py, DatabaseProbe): the
    # database refuses it.
    with monkeypatch.context() as patch:  # undone before the test database is torn down
        patch.setattr(type(connections["default"]), "get_new_connection", refused)
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    assert client.get(reverse("healthz")).status_code == 200


def test_healthz_does_not_use_the_requests_connection(client, db, monkeypatch):
    """A broken request connection alone is not what /healthz reports on; a fresh one is."""
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", broken_cursor)
        response = client.get(reverse("healthz"))
    assert response.status_code == 200


def test_healthz_over_plain_http_is_not_redirected_when_ssl_is_on(client, db, settings):
    """Load balancers probe /healthz over plain HTTP behind the HTTPS proxy (SECURE_SSL=1)."""
    settings.SECURE_SSL_REDIRECT = True  # before the client's first request loads the middleware
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    for path in ("/healthz/", "/healthzx", "/dang-nhap/", "/"):  # only /healthz itself
        redirect = client.get(path)
        assert redirect.status_code == 301, path
        assert redirect["Location"] == f"https://testserver{path}"
    assert client.get("/healthz", secure=True).status_code == 200


PAGES = ["clusters:home", "clusters:cluster_list", "clusters:unit_list"]


@pytest.mark.parametrize("name", PAGES)
def test_pages_send_security_headers(client_as, name):
    response = client_as("staff").get(reverse(name))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def pages_for_csp(world):
    return [
        reverse("clusters:home"),
        reverse("clusters:cluster_list"),
        reverse("clusters:cluster_detail", args=[world.cluster.pk]),
        reverse("clusters:cluster_year_detail", args=[world.cluster_year.pk]),
        reverse("clusters:cluster_year_settings", args=[world.cluster_year.pk]),
        reverse("clusters:cluster_year_next", args=[world.cluster_year.pk]),
        reverse("clusters:membership_add", args=[world.cluster_year.pk]),
        reverse("clusters:unit_list"),
        reverse("clusters:unit_detail", args=[world.leader.pk]),
        reverse("clusters:unit_edit", args=[world.leader.pk]),
        reverse("pledges:pledge_detail", args=[world.cluster_year.pk]),
        reverse("pledges:pledge_edit", args=[world.cluster_year.pk]),
        reverse("pledges:ceremony_edit", args=[world.cluster_year.pk]),
        reverse("pledges:pledge_document", args=[world.cluster_year.pk, "giao-uoc"]),
        reverse("pledges:pledge_document", args=[world.cluster_year.pk, "bien-ban"]),
        reverse("pledges:pledge_document", args=[world.cluster_year.pk, "diem-danh"]),
        reverse("scoring:table_detail", args=[world.cluster_year.pk]),
        reverse("scoring:table_settings", args=[world.cluster_year.pk]),
        reverse("scoring:table_import", args=[world.cluster_year.pk]),
        reverse("scoring:table_document", args=[world.cluster_year.pk, "bang-diem"]),
        reverse("scoring:table_document", args=[world.cluster_year.pk, "phieu-cham"]),
    ]


def test_pages_satisfy_their_csp_no_inline_script_or_style_no_external_assets(client_as, world):
    client = client_as("staff")
    for url in pages_for_csp(world):
        html = client.get(url).content.decode()
        # Every <script> has a src on our origin; no inline handlers or style attributes.
        for attrs in re.findall(r"<script([^>]*)>", html):
            assert re.search(r'src="/static/', attrs), f"{url}: inline or external script {attrs}"
        assert "<style" not in html, url
        assert not re.search(r'\sstyle="', html), url
        assert not re.search(r"\son[a-z]+=\"", html), f"{url}: inline event handler"
        assert not re.search(r'(src|href)="(https?:)?//', html), f"{url}: external asset"
    html = client.get(reverse("clusters:home")).content.decode()
    assert "/static/bootstrap/css/bootstrap.min.css" in html
    assert "/static/django_htmx/htmx-2.min.js" in html


def test_the_local_assets_exist(client_as):
    from django.contrib.staticfiles import finders

    for path in [
        "bootstrap/css/bootstrap.min.css",
        "bootstrap/js/bootstrap.bundle.min.js",
        "django_htmx/htmx-2.min.js",
        "css/app.css",
    ]:
        assert finders.find(path), path


def test_ui_is_vietnamese_even_when_the_browser_asks_for_english(client_as):
    client = client_as("staff")
    html = client.get(
        reverse("clusters:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"
    ).content.decode()
    assert '<html lang="vi"' in html
    assert "Tổng quan" in html and "Đăng xuất" in html


def test_language_switch_gives_english_and_back(client_as):
    client = client_as("staff")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("clusters:home")).content.decode()
    assert '<html lang="en"' in html and "Dashboard" in html
    client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    assert "Tổng quan" in client.get(reverse("clusters:home")).content.decode()


def test_login_page_is_vietnamese_and_logs_in(client, world):
    html = client.get(reverse("login")).content.decode()
    assert "Đăng nhập" in html and "Mật khẩu" in html
    response = client.post(reverse("login"), {"username": "staff", "password": "pw-test-123"})
    assert response.status_code == 302 and response["Location"] == reverse("clusters:home")


def test_wrong_password_is_explained_in_vietnamese(client, world):
    response = client.post(reverse("login"), {"username": "staff", "password": "sai"})
    assert response.status_code == 200
    assert "mật khẩu chính xác" in response.content.decode()


def test_repeated_failed_logins_lock_the_account(client, world):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "staff", "password": "sai"})
    response = client.post(reverse("login"), {"username": "staff", "password": "pw-test-123"})
    assert response.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in response.content.decode()


def test_throttling_trusts_forwarded_addresses_only_behind_a_configured_proxy(rf, settings):
    from config.client_ip import client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="10.0.0.2")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"  # a client cannot pick its address
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.7"  # what our one proxy saw, not what the client wrote


def test_logout_needs_a_post_and_ends_the_session(client_as):
    client = client_as("staff")
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("clusters:home")).status_code == 302


def production_env(**extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTEST_VERSION", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY="x7#Qp2!vLr9@tWz4$kNm8^bYc3&hJd6*fGs1(eRa5)uTo0-iPl_yKwE=qVxZnB",
        ALLOWED_HOSTS="giaouoc.example.gov.vn",
        SECURE_SSL="1",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="1",
        SECURE_HSTS_PRELOAD="1",
        **extra,
    )
    return env


def fresh_machine_fonts(tmp_path) -> str:
    """A fontconfig that sees what a fresh machine has: the DejaVu fonts at most."""
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">'
        "<fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir>"
        f"<cachedir>{tmp_path / 'fontcache'}</cachedir></fontconfig>"
    )
    return str(config)


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    # On a machine with no Times-like font installed: the documents' fonts are the project's.
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(FONTCONFIG_FILE=fresh_machine_fonts(tmp_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_nothing_asks_for_a_system_font_package():
    """The fonts ship with the project (static/fonts): no set-up step installs one."""
    for path in ("README.md", ".ci/run", "Makefile"):
        assert "fonts-liberation" not in (ROOT / path).read_text(encoding="utf-8"), path
    assert (ROOT / "static/fonts/LICENSE-LiberationSerif.txt").is_file()


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_every_ui_string_has_a_vietnamese_translation_and_is_compiled():
    po = polib.pofile(str(ROOT / "locale/vi/LC_MESSAGES/django.po"))
    untranslated = [entry.msgid for entry in po if not entry.translated()]
    assert not untranslated, untranslated
    mo = polib.mofile(str(ROOT / "locale/vi/LC_MESSAGES/django.mo"))
    compiled = {entry.msgid: entry.msgstr or entry.msgstr_plural for entry in mo}
    for entry in po:
        assert entry.msgid in compiled, f"not compiled (run `make messages`): {entry.msgid}"


@pytest.mark.parametrize(
    ("app", "forbidden"),
    [
        ("documents", ("clusters", "pledges", "scoring")),
        ("clusters", ("pledges", "scoring", "documents")),
    ],
)
def test_dependency_direction_between_apps(app, forbidden):
    """DESIGN.md §3: documents imports no app; clusters imports neither pledges nor scoring."""
    pattern = re.compile(rf"^\s*(from|import)\s+({'|'.join(forbidden)})\b", re.M)
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / app).rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, offenders


# --- The dependency audit of .ci/run ----------------------------------------------------------


def _audit_with(tmp_path, report: dict, **env):
    import json

    fake = tmp_path / "pip-audit"
    fake.write_text(f"#!/bin/sh\ncat <<'JSON'\n{json.dumps(report)}\nJSON\n")
    fake.chmod(0o755)
    return subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "audit.py")],
        capture_output=True, text=True, check=False,
        env={**os.environ, "PIP_AUDIT": str(fake), **env},
    )  # fmt: skip


def test_the_dependency_audit_fails_on_a_known_vulnerability(tmp_path):
    report = {"dependencies": [
        {"name": "django", "version": "5.2.0", "vulns": [
            {"id": "PYSEC-2025-1", "fix_versions": ["5.2.1"], "aliases": [], "description": ""}
        ]},
        {"name": "weasyprint", "version": "70.0", "vulns": []},
    ], "fixes": []}  # fmt: skip
    result = _audit_with(tmp_path, report)
    assert result.returncode == 1
    assert "VULNERABLE django 5.2.0: PYSEC-2025-1 (fixed in 5.2.1)" in result.stdout


def test_the_dependency_audit_says_loudly_what_it_could_not_check(tmp_path):
    report = {"dependencies": [
        {"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited"},
        {"name": "weasyprint", "version": "70.0", "vulns": []},
    ], "fixes": []}  # fmt: skip
    result = _audit_with(tmp_path, report)
    assert result.returncode == 0
    assert "audited 1 of 2" in result.stdout and "NOT AUDITED (1)" in result.stderr
    assert _audit_with(tmp_path, report, AUDIT_STRICT="1").returncode == 1


# --- Passwords and sessions ----------------------------------------------------------------------


def test_a_user_changes_their_password_under_the_policy(client_as, world):
    from django.contrib.auth import get_user_model
    from django.test import Client

    elsewhere = Client()
    elsewhere.force_login(get_user_model().objects.get(username="staff"))
    me = client_as("staff")
    url = reverse("password_change")
    page = me.get(url).content.decode()
    assert "Đổi mật khẩu" in page and "Mật khẩu cũ" in page

    weak = me.post(url, {"old_password": "pw-test-123", "new_password1": "12345678",
                         "new_password2": "12345678"})  # fmt: skip
    text = weak.content.decode()
    assert weak.status_code == 200
    assert "cần ít nhất 10 ký tự" in text and "quá phổ biến" in text and "hoàn toàn là số" in text

    wrong_old = me.post(url, {"old_password": "sai", "new_password1": "Cum-thi-dua-2025",
                              "new_password2": "Cum-thi-dua-2025"})  # fmt: skip
    assert wrong_old.status_code == 200 and "không chính xác" in wrong_old.content.decode()

    done = me.post(url, {"old_password": "pw-test-123", "new_password1": "Cum-thi-dua-2025",
                         "new_password2": "Cum-thi-dua-2025"}, follow=True)  # fmt: skip
    assert "Đã đổi mật khẩu" in done.content.decode()
    assert me.get(reverse("clusters:home")).status_code == 200  # still logged in here
    assert elsewhere.get(reverse("clusters:home")).status_code == 302  # logged out everywhere else


def test_a_session_ends_with_the_browser_and_after_a_working_day(client_as):
    import datetime

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE and settings.SESSION_COOKIE_AGE == 8 * 3600
    client = client_as("staff")
    response = client.post(reverse("logout"))  # a fresh login through the form, to read its cookie
    response = client.post(reverse("login"), {"username": "staff", "password": "pw-test-123"})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == "" and cookie["max-age"] == ""  # gone when the browser closes

    session = Session.objects.get(session_key=cookie.value)
    lifetime = session.expire_date - timezone.now()
    assert datetime.timedelta(hours=7, minutes=59) < lifetime <= datetime.timedelta(hours=8)
    session.expire_date = timezone.now() - datetime.timedelta(seconds=1)
    session.save()
    response = client.get(reverse("clusters:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
