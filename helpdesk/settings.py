"""Settings: everything that differs between a laptop and production comes from the environment.

With no environment at all the helpdesk runs on its embedded defaults: a SQLite file and Celery's
filesystem transport under ``var/``, so nothing else needs installing.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HELPDESK_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _embedded_secret_key() -> str:
    # Without SECRET_KEY we keep a random one in var/ so sessions survive restarts of a local install.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY") or _embedded_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "django.contrib.postgres",  # full-text search on PostgreSQL; harmless on SQLite
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "django_htmx",
    "template_partials",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "accounts",
    "tickets",
    "sla",
    "portal",
    "surveys",
    "notifications",
    "mailboxes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Connection reuse: each web or Celery worker keeps its database connection for DB_CONN_MAX_AGE
# seconds (persistent connections). Opening a PostgreSQL connection (a forked backend, auth, settings)
# costs a few milliseconds, more than a list query at a million rows, so closing it after every
# request would be the slowest part of the request. Health checks replace a connection the server
# dropped (a restart, a proxy's idle timeout) before it is used, instead of failing one request.
# Each gunicorn thread serves one request at a time, so one connection per thread is all a pool
# would give; with a pooler (PgBouncer in transaction mode) set DB_CONN_MAX_AGE=0.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'helpdesk.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the Celery worker read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # The list indexes' INCLUDE columns are PostgreSQL's: SQLite makes the same indexes without them,
    # which is all it can use (tickets/0011), so its warning about that says nothing to act on.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Which requests agents see and work: "all" of them, or "groups": those of their own groups, those
# assigned to them and those in no group yet (to triage). Admins always see every request.
AGENT_REACH = env_str("AGENT_REACH", "all").strip().lower()
if AGENT_REACH not in ("all", "groups"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"AGENT_REACH must be 'all' or 'groups', not {AGENT_REACH!r}")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploaded files are never served directly: the attachment view checks who may see them.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")
MEDIA_URL = "/media/"

ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024)
# A requester may reopen a resolved request (a reply or the portal's button) for this many days.
REOPEN_DAYS = env_int("REOPEN_DAYS", 14)
# Resolved requests past that window are closed by an hourly beat task (false: they stay resolved).
AUTO_CLOSE_RESOLVED = env_bool("AUTO_CLOSE_RESOLVED", True)
# How often an open portal request page asks whether anything new arrived.
PORTAL_POLL_SECONDS = env_int("PORTAL_POLL_SECONDS", 15)
FILE_UPLOAD_PERMISSIONS = 0o640
# Uploads over FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) are spooled here, not to the system /tmp, so the
# hourly clean_upload_leftovers task can remove what an interrupted request or a killed worker left.
FILE_UPLOAD_TEMP_DIR = str(Path(env_str("UPLOAD_TEMP_DIR") or VAR_DIR / "tmp" / "uploads"))
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)

# Days a newly issued API token lives (log-in or admin; admin may change it per token); empty: forever.
API_TOKEN_TTL_DAYS = env_int("API_TOKEN_TTL_DAYS", 0) or None
if API_TOKEN_TTL_DAYS is not None and API_TOKEN_TTL_DAYS < 0:
    raise ImproperlyConfigured("API_TOKEN_TTL_DAYS must be a positive number of days, or empty for never.")

# The queue's sidebar counts are cached this long per agent (a COUNT per view is what grows with the data).
QUEUE_COUNTS_SECONDS = env_int("QUEUE_COUNTS_SECONDS", 30)
# How long an agent counts as "viewing" a request after their page last reported (it reports every 5 s).
PRESENCE_SECONDS = 15

# Rate limits, as "N/period" ("20/min", "10/15min", "5/hour"); empty disables one. Counted in the
# cache (Redis when REDIS_URL is set); while it is unreachable, in each process's memory (README).
API_RATE_LIMIT = env_str("API_RATE_LIMIT", "1200/min")  # per user; per address without credentials
LOGIN_RATE_LIMIT = env_str("LOGIN_RATE_LIMIT", env_str("API_LOGIN_RATE_LIMIT", "20/min"))  # per address
LOGIN_FAILURE_LIMIT = env_str("LOGIN_FAILURE_LIMIT", "10/15min")  # wrong passwords per account
PASSWORD_RESET_RATE_LIMIT = env_str("PASSWORD_RESET_RATE_LIMIT", "5/hour")  # per address and per email
# Self sign-up on the portal: "open", "domains" (only SIGNUP_DOMAINS, comma-separated) or "closed"
# (admins create requesters). Sign-ups are confirmed by email within SIGNUP_CONFIRM_HOURS.
SIGNUP_MODE = env_str("SIGNUP_MODE", "open")
SIGNUP_DOMAINS = [d.lower().lstrip("@") for d in env_list("SIGNUP_DOMAINS", "")]
SIGNUP_CONFIRM_HOURS = env_int("SIGNUP_CONFIRM_HOURS", 48)
SIGNUP_RATE_LIMIT = env_str("SIGNUP_RATE_LIMIT", "5/hour")  # per address and per email
RATELIMIT_CACHE = "default"
# How many proxies we trust in front of us: the client address is that many hops from the right of
# X-Forwarded-For. 0 (the default): REMOTE_ADDR, and X-Forwarded-For is ignored.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# After Redis or the broker failed, how long to use the fallback before trying them again.
SERVICE_RETRY_SECONDS = float(env_str("SERVICE_RETRY_SECONDS", "30"))

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "helpdesk.redis_cache.RedisCache",  # Django's, keeping its redis client
            "LOCATION": REDIS_URL,
            # An unreachable Redis must cost a web request little: fail fast, then the breaker takes over.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis when REDIS_URL is set; otherwise the filesystem transport under var/ (no broker needed).
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
# The SLA sweep recomputes only the clocks that are due; every minute is fine-grained enough.
SLA_SWEEP_SECONDS = float(env_str("SLA_SWEEP_SECONDS", "60"))
# Notifications and webhooks (notifications/): how often beat looks for deliveries that are due.
NOTIFY_SWEEP_SECONDS = float(env_str("NOTIFY_SWEEP_SECONDS", "15"))
# Email intake (mailboxes/): how often beat polls each active IMAP mailbox.
EMAIL_INTAKE_POLL_SECONDS = float(env_str("EMAIL_INTAKE_POLL_SECONDS", "60"))
CELERY_BEAT_SCHEDULE = {
    "sla-sweep": {"task": "sla.tasks.sweep_due_clocks", "schedule": SLA_SWEEP_SECONDS},
    "upload-leftovers": {"task": "tickets.tasks.clean_upload_leftovers", "schedule": 3600},
    "close-settled": {"task": "tickets.tasks.close_settled_requests", "schedule": 3600},
    # The outbox (notifications/): anything due that no after-commit task took, then old rows.
    "notifications-sweep": {"task": "notifications.tasks.sweep_outbox", "schedule": NOTIFY_SWEEP_SECONDS},
    "notifications-prune": {"task": "notifications.tasks.prune_deliveries", "schedule": 86400},
    "poll-mailboxes": {"task": "mailboxes.tasks.poll_mailboxes", "schedule": EMAIL_INTAKE_POLL_SECONDS},
}
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT = "helpdesk.queue_files:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "queue"),
        "data_folder_out": str(VAR_DIR / "queue"),
        "control_folder": str(VAR_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
    for _folder in ("queue", "control"):
        (VAR_DIR / _folder).mkdir(parents=True, exist_ok=True)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "helpdesk@localhost")
# The address requesters reply to; each request gets its own plus-address (helpdesk/mail_threading.py).
HELPDESK_REPLY_ADDRESS = env_str("HELPDESK_REPLY_ADDRESS", "support@helpdesk.localhost")
# The right-hand side of the Message-IDs we make; empty: the reply address's domain.
MAIL_DOMAIN = env_str("MAIL_DOMAIN")
# Where people reach this site, for links in emails sent outside a web request (survey invitations).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Days a survey invitation's signed link works (from the email); after that it says it has expired.
SURVEY_LINK_DAYS = env_int("SURVEY_LINK_DAYS", 14)
# Seconds an SMTP connection may take before the try counts as failed (and is retried later).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)

# Notifications (notifications/): the sender's display name, and the address links in emails start with.
NOTIFY_FROM_NAME = env_str("NOTIFY_FROM_NAME", "Helpdesk")
# A worker's claim on a delivery: a delivery sent but not yet recorded is not sent again before it ends.
NOTIFY_CLAIM_SECONDS = env_int("NOTIFY_CLAIM_SECONDS", 300)
# Rows are handed to a worker after commit; the sweep takes over only if none did within this.
NOTIFY_FIRST_TRY_GRACE_SECONDS = env_int("NOTIFY_FIRST_TRY_GRACE_SECONDS", 30)
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 8)
NOTIFY_RETRY_BASE_SECONDS = env_int("NOTIFY_RETRY_BASE_SECONDS", 30)  # doubles each try, with jitter
NOTIFY_RETRY_MAX_SECONDS = env_int("NOTIFY_RETRY_MAX_SECONDS", 6 * 3600)
NOTIFY_RETENTION_DAYS = env_int("NOTIFY_RETENTION_DAYS", 30)
NOTIFY_SWEEP_LIMIT = env_int("NOTIFY_SWEEP_LIMIT", 2000)
NOTIFY_BATCH_SIZE = env_int("NOTIFY_BATCH_SIZE", 25)
# Rules and webhook endpoints are cached per process this long (the process that changes them: at once).
NOTIFY_CONFIG_SECONDS = env_int("NOTIFY_CONFIG_SECONDS", 10)
# Webhooks: short timeouts, disabled (admins emailed) after failing this long, no private addresses.
WEBHOOK_CONNECT_TIMEOUT = float(env_str("WEBHOOK_CONNECT_TIMEOUT", "3"))
WEBHOOK_READ_TIMEOUT = float(env_str("WEBHOOK_READ_TIMEOUT", "10"))
WEBHOOK_DISABLE_AFTER_HOURS = env_int("WEBHOOK_DISABLE_AFTER_HOURS", 24)
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", False)
# Mail from an address no user has: "create" makes the sender a requester; "refuse" ignores the mail.
EMAIL_INTAKE_UNKNOWN_SENDERS = env_str("EMAIL_INTAKE_UNKNOWN_SENDERS", "create").strip().lower()
if EMAIL_INTAKE_UNKNOWN_SENDERS not in ("create", "refuse"):
    raise ImproperlyConfigured("EMAIL_INTAKE_UNKNOWN_SENDERS must be 'create' or 'refuse'.")
# The largest raw message POST /v1/mailboxes/:id/inbound takes (bigger: 413). Files inside still
# obey ATTACHMENT_MAX_BYTES one by one; a message carries them base64-encoded (a third larger).
EMAIL_INTAKE_MAX_BYTES = env_int("EMAIL_INTAKE_MAX_BYTES", 50 * 1024 * 1024)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True


def _proxy_ssl_header(value: str) -> tuple[str, str] | None:
    """Reads "HTTP_X_FORWARDED_PROTO,https" (or "X-Forwarded-Proto,https") as Django's (META key, value)."""
    if not value.strip():
        return None
    header, sep, expected = (part.strip() for part in value.partition(","))
    if not sep or not header or not expected:
        raise ImproperlyConfigured(
            'SECURE_PROXY_SSL_HEADER must read "HEADER,value", e.g. "HTTP_X_FORWARDED_PROTO,https".'
        )
    header = header.upper().replace("-", "_")
    return (header if header.startswith("HTTP_") else f"HTTP_{header}", expected)


# HTTPS in production (see the README). Only name a proxy header that the proxy in front always sets
# and overwrites: a client could send it itself and be taken for HTTPS.
SECURE_PROXY_SSL_HEADER = _proxy_ssl_header(env_str("SECURE_PROXY_SSL_HEADER"))
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)

# Content-Security-Policy (django-csp) on every answer: scripts only from our own files, never inline.
# Inline styles stay allowed: Django admin and Swagger UI write style attributes and a <style> block,
# and CSS cannot run code. JSON answers carry the header too, harmlessly; a view that sets its own
# policy (attachment downloads: "default-src 'none'; sandbox") keeps it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],  # Swagger UI's icons are data: URIs
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["helpdesk.api.throttling.ApiRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only, size- and depth-bounded; the attachment upload declares its own multipart parser.
    "DEFAULT_PARSER_CLASSES": ["helpdesk.api.parsers.JsonParser"],
    "EXCEPTION_HANDLER": "helpdesk.api.exceptions.envelope_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "helpdesk.api.schema.ApiAutoSchema",
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%SZ",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Helpdesk API",
    "DESCRIPTION": (
        "The /v1 Requests, Users and Groups API. Every response is an envelope: "
        '`{"success": true, "data": ...}` or `{"success": false, "error": {"code", "message", "fields"}}`. '
        "Authenticate with `Authorization: Bearer <token>` (POST /v1/auth/token)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/v1",
    "ENUM_NAME_OVERRIDES": {
        "SlaStatusEnum": "sla.models.ClockStatus",
        "StatusEnum": "tickets.models.Status",
        "DeliveryStatusEnum": "notifications.models.DeliveryStatus",
        "WebhookEventEnum": "notifications.models.WebhookEvent",
        # The envelopes' "success" constants (helpdesk/api/schema.py), named once for both directions.
        "SuccessTrue": [(True, True)],
        "SuccessFalse": [(False, False)],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "helpdesk.api.schema_hooks.rate_limit_headers",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
