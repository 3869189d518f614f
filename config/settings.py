"""One settings module for every environment, driven by environment variables.

DEBUG            "1"/"true" for development (default off).
SECRET_KEY       required when DEBUG is off (a fixed development key is used only with DEBUG on
                 or under pytest).
DATABASE_URL     default: SQLite file var/giaouoc.sqlite3; e.g. postgres://user@host:5432/db
ALLOWED_HOSTS    comma-separated (default with DEBUG: localhost names).
SECURE_SSL       "1" behind HTTPS in production: secure cookies, HSTS, SSL redirect.
SECURE_HSTS_INCLUDE_SUBDOMAINS, SECURE_HSTS_PRELOAD
                 "1" to extend HSTS to subdomains / allow preloading (off: a shared government
                 domain may have subdomains without HTTPS).
TRUSTED_PROXY_COUNT
                 number of reverse proxies in front of gunicorn (default 0). With 1 or more,
                 X-Forwarded-Proto and X-Forwarded-For from them are trusted.
PUBLIC_BASE_URL  the site's public address, printed under the QR code of issued documents
                 (default http://localhost:8000); VERIFY_PER_MINUTE, VERIFY_UPLOAD_MAX_BYTES.
SIGNING_ORGANISATION_PKCS12, SIGNING_ORGANISATION_PASSWORD, SIGNING_PERSON_PKCS12,
SIGNING_PERSON_PASSWORD
                 the keys that sign issued documents (PAdES, issuing/signing.py): the
                 organisation's (its seal; required to sign) and the signer's (optional).
SIGNING_ORGANISATION_PKCS11_MODULE, _TOKEN, _KEY, _CERT, _PIN, _PIN_FILE (and the same with
SIGNING_PERSON_PKCS11_)
                 instead of a PKCS#12 file, a key on a PKCS#11 token (USB token, HSM): the path
                 of the token's PKCS#11 library (e.g. /usr/lib/softhsm/libsofthsm2.so), the
                 token's label, the private key's label, the certificate's label (default: the
                 key's), and the user PIN or a file whose first line is the PIN. A role's
                 PKCS#12 file, when set, is used instead. `manage.py check` opens the tokens
                 and warns of a missing module, a wrong PIN, no such token or key.
SIGNING_TRUST_ROOTS
                 colon-separated PEM/DER files of the roots uploaded signed PDFs are checked
                 against.
DB_CONNECT_TIMEOUT, DB_STATEMENT_TIMEOUT
                 seconds before PostgreSQL gives up connecting (default 5) and cancels a
                 statement (default 30); 0 turns one off.
REQUEST_MAX_BYTES
                 the largest request body accepted (default 50 MB, or the largest upload
                 + 1 MB if that is more).
REDIS_URL        e.g. redis://127.0.0.1:6379/0: the cache (and so the throttles) in Redis,
                 shared by every worker of every web node. Without it: the local-memory cache
                 of each process (fine for one process, the SQLite default).
CACHE_KEY_PREFIX prefix of every cache key (default "giaouoc"): sites sharing one Redis
                 database keep apart.
REDIS_TIMEOUT    seconds to connect to Redis and to wait for an answer (default 2).
SESSION_CACHE    "1" (needs REDIS_URL): sessions read from the cache and written through to the
                 database ("cached_db"). Default: sessions in the database only.
MEDIA_ROOT       uploaded files (default var/media). With several web nodes, a directory they
                 all share (NFS or the like), owned by the user every node runs as.
STATIC_ROOT      where collectstatic puts the static files (default staticfiles/).
"""

import os
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    return [item.strip() for item in value.split(",") if item.strip()] or default


# pytest (>= 8.2) sets PYTEST_VERSION for the whole run.
TESTING = "PYTEST_VERSION" in os.environ
DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "django-insecure-dev-only-giao-uoc-do-not-use-in-production"  # noqa: S105
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off "
            "(export SECRET_KEY=... or DEBUG=1 for development)."
        )

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if (DEBUG or TESTING) else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "bootstrap",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "template_partials",
    "simple_history",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    # Ours, lowest layer first (docs/ARCHITECTURE.md): discovery of each app's demo, dataset
    # and card modules follows this order.
    "core",
    "documents",
    "clusters",
    "pledges",
    "scoring",
    "results",
    "issuing",
]

MIDDLEWARE = [
    # Refuses an oversized body before anything reads it (REQUEST_MAX_BYTES).
    "config.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After whitenoise, which answers static files itself: they keep their own caching.
    "config.middleware.PrivateByDefaultMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.VietnameseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "documents.middleware.DocumentErrorMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # django-axes must come last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clusters.context_processors.user_roles",
                "scoring.context_processors.reminders",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'var' / 'giaouoc.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writing transactions take SQLite's write lock when they begin, so that a check and the
    # write that follows it (score versions, freezes) cannot interleave with another request.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Database timeouts (DB_CONNECT_TIMEOUT, DB_STATEMENT_TIMEOUT, in seconds; 0 turns one off). A
# database that stops answering must cost a request seconds, not a worker forever: PostgreSQL
# gives up connecting after DB_CONNECT_TIMEOUT and cancels a statement after
# DB_STATEMENT_TIMEOUT (server side; /healthz bounds its own wait on the client side, see
# config/views.py). A connect_timeout or statement_timeout given in DATABASE_URL wins. SQLite
# keeps its lock timeout above.
DB_CONNECT_TIMEOUT = int(os.environ.get("DB_CONNECT_TIMEOUT", "5"))
DB_STATEMENT_TIMEOUT = float(os.environ.get("DB_STATEMENT_TIMEOUT", "30"))
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    # libpq: 0 waits for ever (and 1 counts as 2).
    _db_options.setdefault("connect_timeout", max(DB_CONNECT_TIMEOUT, 0))
    if "statement_timeout" not in _db_options.get("options", ""):
        # PostgreSQL: 0 is no limit; set even then, so that a server default does not apply.
        _db_options["options"] = " ".join(
            filter(
                None,
                [
                    _db_options.get("options", ""),
                    f"-c statement_timeout={max(int(DB_STATEMENT_TIMEOUT * 1000), 0)}",
                ],
            )
        )

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "config.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "clusters:home"
LOGOUT_REDIRECT_URL = "login"

# Failed logins: 5 tries per username and address, then 15 minutes' wait. The attempts are rows
# in the database (django-axes's database handler, named here), so every node counts them.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
if TRUSTED_PROXY_COUNT > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Language and formats: Vietnamese by default, English available.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
FORMAT_MODULE_PATH = ["config.formats"]
LANGUAGE_COOKIE_NAME = "giaouoc_language"

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads (scanned signed covenants, evidence) live here, outside the web root; no URL serves
# this folder: views check permissions and stream files.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
PLEDGE_SCAN_MAX_BYTES = int(os.environ.get("PLEDGE_SCAN_MAX_BYTES", str(20 * 1024 * 1024)))
EVIDENCE_MAX_BYTES = int(os.environ.get("EVIDENCE_MAX_BYTES", str(10 * 1024 * 1024)))
# Uploaded workbooks (core/xlsx.py: the scoring table, a reorganisation): the seconds one may
# take to be checked and read before it is refused as too large for a web request.
XLSX_READ_SECONDS = float(os.environ.get("XLSX_READ_SECONDS", "5"))
# A PDF taking longer than this is stopped and the user told so. Sync gunicorn workers run
# requests on the main thread, where the limit applies; it stays below gunicorn's --timeout of
# 30 s, the backstop.
PDF_TIMEOUT_SECONDS = float(os.environ.get("PDF_TIMEOUT_SECONDS", "25"))
# Background jobs (django-tasks, the backport of Django 6's tasks framework, with
# django-tasks-db's database backend): the year's bundle is made by `manage.py worker` on any
# machine that reaches the database, never in a web request (docs/ARCHITECTURE.md, "Jobs").
# TASKS_BACKEND names another backend: django_tasks.backends.immediate.ImmediateBackend runs
# each job inside the request that asks for it (the tests' default: no worker needed).
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend",
        ),
        "QUEUES": ["default"],
    }
}
# A job's PDF is stopped after PDF_JOB_SECONDS (a worker has no user waiting on a connection, so
# more than a request's PDF_TIMEOUT_SECONDS). An attempt that has not finished
# JOB_LOST_AFTER_SECONDS after it began belonged to a worker that died (the time limit would
# have ended it otherwise): the next worker's sweep, or the next request for the file, queues
# it again, at most JOB_MAX_ATTEMPTS times in all before it is shown as failed.
PDF_JOB_SECONDS = float(os.environ.get("PDF_JOB_SECONDS", "120"))
JOB_LOST_AFTER_SECONDS = float(os.environ.get("JOB_LOST_AFTER_SECONDS", str(PDF_JOB_SECONDS + 30)))
JOB_MAX_ATTEMPTS = int(os.environ.get("JOB_MAX_ATTEMPTS", "3"))
# How often each worker looks for lost jobs.
WORKER_SWEEP_SECONDS = float(os.environ.get("WORKER_SWEEP_SECONDS", "30"))
# Issued documents (issuing/): the address printed under their QR code, which anyone holding
# the paper opens to check it (https://…/xac-minh/<code>/); the largest PDF the public page
# compares; how many checks one address may make per minute.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://localhost:8000")
VERIFY_UPLOAD_MAX_BYTES = int(os.environ.get("VERIFY_UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))
VERIFY_PER_MINUTE = int(os.environ.get("VERIFY_PER_MINUTE", "20"))
# Digital signatures of issued documents (issuing/signing.py): PKCS#12 files of the organisation
# (its seal, required to sign) and of the person who signs (optional), their passwords, and the
# trust roots (PEM or DER files, colon-separated) that uploaded signed PDFs are checked against.
SIGNING_ORGANISATION_PKCS12 = os.environ.get("SIGNING_ORGANISATION_PKCS12", "")
SIGNING_ORGANISATION_PASSWORD = os.environ.get("SIGNING_ORGANISATION_PASSWORD", "")
SIGNING_PERSON_PKCS12 = os.environ.get("SIGNING_PERSON_PKCS12", "")
SIGNING_PERSON_PASSWORD = os.environ.get("SIGNING_PERSON_PASSWORD", "")
# Or, per role, a key on a PKCS#11 token: module (.so), token label, key and certificate labels,
# PIN or PIN file (see the docstring).
SIGNING_ORGANISATION_PKCS11_MODULE = os.environ.get("SIGNING_ORGANISATION_PKCS11_MODULE", "")
SIGNING_ORGANISATION_PKCS11_TOKEN = os.environ.get("SIGNING_ORGANISATION_PKCS11_TOKEN", "")
SIGNING_ORGANISATION_PKCS11_KEY = os.environ.get("SIGNING_ORGANISATION_PKCS11_KEY", "")
SIGNING_ORGANISATION_PKCS11_CERT = os.environ.get("SIGNING_ORGANISATION_PKCS11_CERT", "")
SIGNING_ORGANISATION_PKCS11_PIN = os.environ.get("SIGNING_ORGANISATION_PKCS11_PIN", "")
SIGNING_ORGANISATION_PKCS11_PIN_FILE = os.environ.get("SIGNING_ORGANISATION_PKCS11_PIN_FILE", "")
SIGNING_PERSON_PKCS11_MODULE = os.environ.get("SIGNING_PERSON_PKCS11_MODULE", "")
SIGNING_PERSON_PKCS11_TOKEN = os.environ.get("SIGNING_PERSON_PKCS11_TOKEN", "")
SIGNING_PERSON_PKCS11_KEY = os.environ.get("SIGNING_PERSON_PKCS11_KEY", "")
SIGNING_PERSON_PKCS11_CERT = os.environ.get("SIGNING_PERSON_PKCS11_CERT", "")
SIGNING_PERSON_PKCS11_PIN = os.environ.get("SIGNING_PERSON_PKCS11_PIN", "")
SIGNING_PERSON_PKCS11_PIN_FILE = os.environ.get("SIGNING_PERSON_PKCS11_PIN_FILE", "")
SIGNING_TRUST_ROOTS = [p for p in os.environ.get("SIGNING_TRUST_ROOTS", "").split(":") if p]
# E-mail (reminders: scoring/reminders.py, `manage.py send_reminders`). With EMAIL_HOST set,
# Django's SMTP backend sends through it; without, messages go to the console in development
# and nowhere else (tests use the locmem backend, which Django sets for them).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "20"))
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.dummy.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Giao ước <no-reply@localhost>")
# The year's bundle lays its documents out in this many forked processes of the worker making it
# (documents/jobs.py; 1: in the worker's own process).
PDF_BUNDLE_PROCESSES = int(os.environ.get("PDF_BUNDLE_PROCESSES", min(os.cpu_count() or 1, 4)))
# Several web nodes keep nothing on one node (README, "Running on several machines"): uploads
# are files under MEDIA_ROOT, a directory every node shares; the year's bundle is made by a
# worker and kept under MEDIA_ROOT/generated/, one-page documents are answered from the request,
# issued copies are kept in the database; sessions live in the database;
# caches and throttles in Redis (REDIS_URL, below).
# The upload fields (pledges: the signed scan; scoring: evidence) use a FileSystemStorage on
# MEDIA_ROOT of their own, not this "default" entry: S3-compatible storage (django-storages) is
# not offered until they use storages["default"].
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed names in production (needs collectstatic); plain files in
        # development and tests, where no manifest exists.
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if (DEBUG or TESTING)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

if DEBUG or TESTING:
    # Serve straight from the app and project static folders; no collectstatic needed.
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True
    warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Content-Security-Policy: everything from our own origin; no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Caches and throttles (core/throttle.py). With REDIS_URL, Django's Redis backend: one cache for
# every worker of every web node, so a throttle counts a client once whichever node answers.
# Without it, each process's own memory (the SQLite default runs one process).
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
REDIS_TIMEOUT = float(os.environ.get("REDIS_TIMEOUT", "2"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "giaouoc"),
            # Passed to redis-py's connection pool: a Redis that hangs costs seconds, not a worker.
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT,
                "socket_timeout": REDIS_TIMEOUT,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "giaouoc",
        }
    }

# Sessions live in the database, which every node shares (Django's default engine, named here).
# SESSION_CACHE=1 reads them from Redis and writes them through to the database as well, so a
# flushed or restarted Redis signs nobody out.
SESSION_CACHE = env_bool("SESSION_CACHE")
if SESSION_CACHE and not REDIS_URL:
    raise ImproperlyConfigured(
        "SESSION_CACHE=1 keeps sessions in the shared cache: set REDIS_URL as well "
        "(a process's own memory would sign users out on every other node)."
    )
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if SESSION_CACHE
    else "django.contrib.sessions.backends.db"
)

# Commune offices share computers: a session ends when the browser closes, and after a working
# day (SESSION_HOURS) at the latest, whatever the browser keeps.
SESSION_COOKIE_AGE = int(float(os.environ.get("SESSION_HOURS", "8")) * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

if env_bool("SECURE_SSL"):
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS")
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")

# Load balancers probe /healthz over plain HTTP: no redirect to HTTPS for it (a regular
# expression on the path without its leading slash; used only when SECURE_SSL turns the
# redirect on).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Request bodies (config/middleware.py, RequestSizeLimitMiddleware): a body larger than
# REQUEST_MAX_BYTES is refused with 413 before anything reads it. The default leaves room for
# the sheet's form without JavaScript, which sends every file chosen on its rows at once: 50 MB,
# or the largest single upload plus 1 MB for the form's other fields if that is more. The
# reverse proxy's own limit (nginx: client_max_body_size) should match.
REQUEST_MAX_BYTES = int(
    os.environ.get(
        "REQUEST_MAX_BYTES",
        str(
            max(
                50 * 1024 * 1024,
                max(PLEDGE_SCAN_MAX_BYTES, EVIDENCE_MAX_BYTES, VERIFY_UPLOAD_MAX_BYTES)
                + 1024 * 1024,
            )
        ),
    )
)

# Uploaded files (scans, evidence) are readable by the server's own user only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

SILENCED_SYSTEM_CHECKS: list[str] = []

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Shown in the UI; the project's name is Vietnamese and is not translated.
SITE_NAME = "Giao ước"
SITE_TAGLINE = _("Emulation clusters")
