"""Settings for the webmail, read from the environment.

Every setting that differs between deployments is an environment variable; the
defaults give the embedded configuration (SQLite, in-memory channel layer, a
mail server on loopback).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def envfloat(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def database_from_url(url: str) -> dict[str, object]:
    """DATABASE_URL (sqlite:///path or postgres://user@host:port/name) as a DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if path.startswith("//"):  # sqlite:////absolute/path
            path = path[1:]
        elif path.startswith("/"):  # sqlite:///relative/path
            path = str(BASE_DIR / path[1:]) if not Path(path).is_absolute() else path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path or ":memory:",
            # Several threads (and worker processes) write: transactions take the write lock when
            # they begin and wait for it, instead of failing with "database is locked" when a
            # read would have to become a write; WAL lets readers go on during a write.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # Request threads are reused (webmail/asgi_handler.py): so are their connections.
            "CONN_MAX_AGE": envint("WEBMAIL_DB_CONN_MAX_AGE", 300),
            "CONN_HEALTH_CHECKS": True,
        }
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            # Each kept request thread (webmail/asgi_handler.py) would hold a server connection.
            "CONN_MAX_AGE": envint("WEBMAIL_DB_CONN_MAX_AGE", 0),
            "CONN_HEALTH_CHECKS": True,
        }
    raise ValueError(f"DATABASE_URL: unsupported scheme {parsed.scheme!r}")


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in envstr(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)
# WEBMAIL_PRODUCTION=true (the hosted stack) refuses to start without a real SECRET_KEY and
# ALLOWED_HOSTS from the environment; the embedded demo and the tests run without it.
WEBMAIL_PRODUCTION = envbool("WEBMAIL_PRODUCTION", False)
DEVELOPMENT_SECRET_KEY = "insecure-development-key-set-SECRET_KEY-in-production"
SECRET_KEY = envstr("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
if WEBMAIL_PRODUCTION:
    if len(envstr("SECRET_KEY")) < 32 or SECRET_KEY == DEVELOPMENT_SECRET_KEY:
        raise ImproperlyConfigured(
            "WEBMAIL_PRODUCTION is on: set SECRET_KEY to a random value of 32 characters or more"
        )
    if not envlist("ALLOWED_HOSTS"):
        raise ImproperlyConfigured(
            "WEBMAIL_PRODUCTION is on: set ALLOWED_HOSTS to the host names the webmail answers to"
        )
    if DEBUG:
        raise ImproperlyConfigured("WEBMAIL_PRODUCTION is on: DEBUG must be off")

INSTALLED_APPS = [
    "daphne",
    "webmail.apps.WebmailAdminConfig",  # django.contrib.admin with the webmail's admin site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "mailview",
]

MIDDLEWARE = [
    "webmail.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "webmail.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (Accept-Language) for everyone; a signed-in user's own choice
    # (Settings › General) replaces it in accounts.middleware.UserTimezoneMiddleware.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "webmail.bodylimits.BodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.AdminNetworkMiddleware",
    "accounts.middleware.SessionActivityMiddleware",
    "axes.middleware.AxesMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "mailview.middleware.MailErrorMiddleware",
]

ROOT_URLCONF = "webmail.urls"
ASGI_APPLICATION = "webmail.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # {% translate %} and {% blocktranslate %} in every template without {% load i18n %}.
            "builtins": ["django.templatetags.i18n"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        envstr("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Mail users authenticate against IMAP; Django staff (createsuperuser) with a local password.
# django-axes first: it refuses attempts from a locked-out address or account before IMAP is asked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.IMAPBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/mail/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Sessions live on the server (database); the browser holds only the session id
# and the key that unseals the IMAP password (accounts.credentials).
SESSION_ENGINE = (
    "accounts.session_store"  # Django's db engine, read without the ORM's query building
)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = envint("WEBMAIL_SESSION_AGE", 12 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_SAMESITE = "Lax"
# WEBMAIL_HTTPS=true marks every cookie Secure and turns on HSTS; without it,
# cookies are still marked Secure on requests that arrive over HTTPS.
WEBMAIL_HTTPS = envbool("WEBMAIL_HTTPS", False)
SESSION_COOKIE_SECURE = WEBMAIL_HTTPS
CSRF_COOKIE_SECURE = WEBMAIL_HTTPS
if WEBMAIL_HTTPS:
    SECURE_HSTS_SECONDS = envint("WEBMAIL_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("WEBMAIL_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("WEBMAIL_SSL_REDIRECT", True)
    # /healthz answers over plain HTTP too, for load balancers probing the backend directly.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = envstr("LANGUAGE_CODE", "en")
TIME_ZONE = envstr("TIME_ZONE", "UTC")
USE_I18N = True
# The languages of the interface (locale/<code>/LC_MESSAGES/django.po and djangojs.po): each in
# its own name, as the language menu of Settings › General shows it. Arabic is right-to-left.
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = envstr("STATIC_ROOT") or None  # for collectstatic behind a reverse proxy
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Django's static files storage, each URL worked out once (webmail/staticstorage.py).
    "staticfiles": {"BACKEND": "webmail.staticstorage.CachedURLStaticFilesStorage"},
}
# WhiteNoise serves static files from Daphne; with finders on, no collectstatic step is needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Channels: the in-memory layer on the embedded default, Redis when REDIS_URL is set.
REDIS_URL = envstr("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    # One cache shared by all worker processes (and hosts).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": envstr("WEBMAIL_CACHE_PREFIX", "webmail"),
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The default mail server (accounts.servers.MailServer validates these).
IMAP_HOST = envstr("IMAP_HOST", "127.0.0.1")
IMAP_SECURITY = envstr("IMAP_SECURITY", "starttls").lower()
IMAP_PORT = envint("IMAP_PORT", 993 if IMAP_SECURITY == "ssl" else 143)
IMAP_CA_FILE = envstr("IMAP_CA_FILE") or None
SMTP_HOST = envstr("SMTP_HOST", IMAP_HOST)
SMTP_SECURITY = envstr("SMTP_SECURITY", "starttls").lower()
SMTP_PORT = envint("SMTP_PORT", 465 if SMTP_SECURITY == "ssl" else 587)
SMTP_CA_FILE = envstr("SMTP_CA_FILE") or IMAP_CA_FILE
# ManageSieve (filters, out-of-office) of the default server; a Domain has its own.
SIEVE_HOST = envstr("SIEVE_HOST", IMAP_HOST)
SIEVE_PORT = envint("SIEVE_PORT", 4190)
SIEVE_SECURITY = envstr("SIEVE_SECURITY", "starttls").lower()
SIEVE_CA_FILE = envstr("SIEVE_CA_FILE") or IMAP_CA_FILE
# Plain-text IMAP/SMTP (security "none") is only allowed to loopback hosts unless this is set.
WEBMAIL_ALLOW_PLAINTEXT_REMOTE = envbool("WEBMAIL_ALLOW_PLAINTEXT_REMOTE", False)

# The IMAP connection pool (mailview.imap.pool), per worker process.
WEBMAIL_IMAP_TIMEOUT = envfloat("WEBMAIL_IMAP_TIMEOUT", 20.0)  # seconds for connect and each reply
WEBMAIL_POOL_PER_USER = envint("WEBMAIL_POOL_PER_USER", 4)
WEBMAIL_POOL_MAX = envint("WEBMAIL_POOL_MAX", 400)
WEBMAIL_POOL_IDLE_TIMEOUT = envfloat("WEBMAIL_POOL_IDLE_TIMEOUT", 300.0)
WEBMAIL_POOL_HEALTH_CHECK_AFTER = envfloat("WEBMAIL_POOL_HEALTH_CHECK_AFTER", 30.0)
WEBMAIL_POOL_WAIT = envfloat("WEBMAIL_POOL_WAIT", 15.0)  # how long a request waits for a free slot

WEBMAIL_ADMIN_PATH = envstr("WEBMAIL_ADMIN_PATH", "admin/").strip("/") + "/"
# Networks (CIDR, comma-separated) from which the admin and /metrics can be reached; others get
# a 404. "any": from every network. Empty: from anywhere, outside production only.
WEBMAIL_ADMIN_NETWORKS = envlist("WEBMAIL_ADMIN_NETWORKS")
if [n.lower() for n in WEBMAIL_ADMIN_NETWORKS] == ["any"]:
    WEBMAIL_ADMIN_NETWORKS = ["0.0.0.0/0", "::/0"]
elif WEBMAIL_PRODUCTION:
    # Production starts only with the admin's networks and HTTPS said explicitly (issue 12).
    if not WEBMAIL_ADMIN_NETWORKS:
        raise ImproperlyConfigured(
            "WEBMAIL_PRODUCTION is on: set WEBMAIL_ADMIN_NETWORKS to the networks (CIDR, "
            'comma-separated) the admin and /metrics may be reached from, or to "any"'
        )
    if any(n.strip().endswith("/0") for n in WEBMAIL_ADMIN_NETWORKS):
        raise ImproperlyConfigured(
            "WEBMAIL_PRODUCTION is on: WEBMAIL_ADMIN_NETWORKS opens the admin to every network; "
            "if that is really meant, write WEBMAIL_ADMIN_NETWORKS=any"
        )
if WEBMAIL_PRODUCTION and not envstr("WEBMAIL_HTTPS").strip():
    raise ImproperlyConfigured(
        "WEBMAIL_PRODUCTION is on: set WEBMAIL_HTTPS=true when browsers reach the webmail over "
        "HTTPS (secure cookies, HSTS), or WEBMAIL_HTTPS=false to say they do not"
    )
# The reverse proxies in front of the workers (addresses or networks). Empty: the client is the
# socket's peer. Else the client is the last X-Forwarded-For entry not in this list
# (accounts/net.client_ip), for throttling, audit, sessions, the admin networks and /metrics.
WEBMAIL_TRUSTED_PROXIES = envlist("WEBMAIL_TRUSTED_PROXIES")

# -- Hosted deployment (accounts: domains, sessions, audit, throttling, 2FA) --------------------
# Logins as user@domain go to the servers of that Domain (admin). A bare username, and while this
# is true a domain that is not configured, goes to the default server above. Off by default in
# production: logins for unknown domains are refused there.
WEBMAIL_DEFAULT_SERVER_ANY_DOMAIN = envbool(
    "WEBMAIL_DEFAULT_SERVER_ANY_DOMAIN", not WEBMAIL_PRODUCTION
)
# Audit log entries older than this many days are deleted (automatically, at most hourly, and by
# `manage.py prune_audit`).
WEBMAIL_AUDIT_RETENTION_DAYS = envint("WEBMAIL_AUDIT_RETENTION_DAYS", 180)
# A session's "last seen" is written at most this often (seconds).
WEBMAIL_SESSION_TOUCH_INTERVAL = envint("WEBMAIL_SESSION_TOUCH_INTERVAL", 60)
# Each worker process reports its live figures (dashboard, /metrics) and picks up sessions ended
# by other workers this often (seconds), from a thread started by the ASGI application.
WEBMAIL_WORKER_INTERVAL = envfloat("WEBMAIL_WORKER_INTERVAL", 2.0)
# How many recent errors each worker keeps in memory for the dashboard.
WEBMAIL_RECENT_ERRORS = envint("WEBMAIL_RECENT_ERRORS", 50)
# Two-factor authentication: the issuer name shown in authenticator apps.
WEBMAIL_OTP_ISSUER = envstr("WEBMAIL_OTP_ISSUER", "Webmail")
OTP_TOTP_ISSUER = WEBMAIL_OTP_ISSUER
# Staff must pass the two-factor step at every login (the admin's too); without an authenticator
# they set one up first. Staff who enrolled one always pass it. On by default in production.
WEBMAIL_STAFF_REQUIRE_2FA = envbool("WEBMAIL_STAFF_REQUIRE_2FA", WEBMAIL_PRODUCTION)

# Login throttling (accounts.throttling): after WEBMAIL_LOGIN_FAILURE_LIMIT failed logins for one
# account (django-axes counts them; a success resets that account's count only), or
# WEBMAIL_LOGIN_ADDRESS_FAILURE_LIMIT from one client address (counted in the audit log, never
# reset by a success), further attempts are refused for the cool-off period.
WEBMAIL_LOGIN_FAILURE_LIMIT = envint("WEBMAIL_LOGIN_FAILURE_LIMIT", 5)
WEBMAIL_LOGIN_ADDRESS_FAILURE_LIMIT = envint("WEBMAIL_LOGIN_ADDRESS_FAILURE_LIMIT", 30)
if WEBMAIL_LOGIN_ADDRESS_FAILURE_LIMIT <= WEBMAIL_LOGIN_FAILURE_LIMIT:
    raise ImproperlyConfigured(
        "WEBMAIL_LOGIN_ADDRESS_FAILURE_LIMIT must be higher than WEBMAIL_LOGIN_FAILURE_LIMIT "
        "(many users may share one address)"
    )
AXES_FAILURE_LIMIT = "accounts.throttling.failure_limit"
# The two-factor code step: a pending login ends after 5 wrong codes (accounts.otp) and
# django-otp makes each device wait longer after each wrong code; one client address may send at
# most WEBMAIL_OTP_ADDRESS_FAILURE_LIMIT wrong codes (any accounts) per cool-off period.
WEBMAIL_OTP_ADDRESS_FAILURE_LIMIT = envint("WEBMAIL_OTP_ADDRESS_FAILURE_LIMIT", 20)
if WEBMAIL_OTP_ADDRESS_FAILURE_LIMIT <= 5:  # accounts.otp.MAX_CODE_FAILURES
    raise ImproperlyConfigured(
        "WEBMAIL_OTP_ADDRESS_FAILURE_LIMIT must be higher than the 5 wrong codes one login may "
        "send (many users may share one address)"
    )
AXES_COOLOFF_TIME = timedelta(minutes=envfloat("WEBMAIL_LOGIN_COOLOFF_MINUTES", 15.0))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
# axes.W006 asks for "ip_address" in the parameters above: the address has its own limit here.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_LOCKOUT_CALLABLE = "accounts.throttling.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_ip"
AXES_USERNAME_CALLABLE = "accounts.throttling.attempted_login"
AXES_VERBOSE = False
AXES_DISABLE_ACCESS_LOG = True  # the audit log records logins
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_SENSITIVE_PARAMETERS = ["password"]

# The folder tree (and its unread counts) is asked of the server at most this often per connection.
WEBMAIL_FOLDER_TREE_TTL = envfloat("WEBMAIL_FOLDER_TREE_TTL", 15.0)
# Sorted orders (4 bytes a message) and search results (4 bytes a hit) kept by all the IMAP
# connections of one worker together; beyond it the least recently used are dropped
# (mailview/imap/cache.py, OrderBudget).
WEBMAIL_SORT_CACHE_BYTES = envint("WEBMAIL_SORT_CACHE_BYTES", 256 * 1024 * 1024)
# Rendered list pages kept per worker to serve an unchanged page again without rendering it
# (mailview/render/pages.py; per login, session and path); 0 turns it off.
WEBMAIL_PAGE_CACHE_BYTES = envint("WEBMAIL_PAGE_CACHE_BYTES", 32 * 1024 * 1024)
# Folder counts are never asked on a page's time: a page shows the tree it has (or the folders
# without counts) and fetches the counts afterwards (issue 14). False: it counts first.
WEBMAIL_FOLDER_COUNTS_LATER = envbool("WEBMAIL_FOLDER_COUNTS_LATER", True)
# A Server-Timing header on every response: the milliseconds spent in IMAP commands and in the
# app's own work (webmail/metrics.py). For measuring (bench/) and for an admin's browser tools.
WEBMAIL_SERVER_TIMING = envbool("WEBMAIL_SERVER_TIMING", False)

# Search (mailview.services.search): does the IMAP server search through a full-text index?
# "auto" = yes when it advertises SEARCH=FUZZY (docs/decisions.md); "yes"/"no" override it. Without
# an index the quick box searches subject and sender, and a folder of at least
# WEBMAIL_SEARCH_LARGE_FOLDER messages gets a warning that searching the text will be slow.
WEBMAIL_SEARCH_INDEX = envstr("WEBMAIL_SEARCH_INDEX", "auto")
WEBMAIL_SEARCH_LARGE_FOLDER = envint("WEBMAIL_SEARCH_LARGE_FOLDER", 5000)

# Writing mail (mailview.compose): the largest attachment accepted, where uploads wait (one
# directory per user and message being written), the domain of logins without "@" (their default
# identity), and how long to wait for the SMTP server.
WEBMAIL_MAX_ATTACHMENT_SIZE = envint("WEBMAIL_MAX_ATTACHMENT_SIZE", 25 * 1024 * 1024)
# Request bodies (webmail/bodylimits.py): anonymous requests and the login forms; and, with a
# session, the largest upload (an attachment or an .mbox/.eml import, plus multipart framing).
# One message's size when the outgoing server announces no SIZE (RFC 1870).
WEBMAIL_MAX_MESSAGE_SIZE = envint("WEBMAIL_MAX_MESSAGE_SIZE", 25 * 1024 * 1024)
WEBMAIL_MAX_IMPORT_SIZE = envint("WEBMAIL_MAX_IMPORT_SIZE", 256 * 1024 * 1024)
WEBMAIL_ANONYMOUS_MAX_BODY = envint("WEBMAIL_ANONYMOUS_MAX_BODY", 256 * 1024)
WEBMAIL_MAX_UPLOAD_BODY = envint(
    "WEBMAIL_MAX_UPLOAD_BODY",
    max(WEBMAIL_MAX_ATTACHMENT_SIZE, WEBMAIL_MAX_IMPORT_SIZE) + 1024 * 1024,
)
WEBMAIL_COMPOSE_DIR = envstr("WEBMAIL_COMPOSE_DIR") or str(BASE_DIR / "var" / "compose")
WEBMAIL_DEFAULT_DOMAIN = envstr("WEBMAIL_DEFAULT_DOMAIN")
# Which From addresses users may send as where their Domain does not say (accounts.senders):
# "own" address only, "aliases" (own and those listed on the mail account), "any".
WEBMAIL_SENDER_POLICY = envstr("WEBMAIL_SENDER_POLICY", "aliases" if WEBMAIL_PRODUCTION else "any")
if WEBMAIL_SENDER_POLICY not in {"own", "aliases", "any"}:
    raise ImproperlyConfigured("WEBMAIL_SENDER_POLICY must be own, aliases or any")
WEBMAIL_SMTP_TIMEOUT = envfloat("WEBMAIL_SMTP_TIMEOUT", 30.0)
# Undo send (mailview/compose/outbox.py): the delay a new user starts with (seconds, 0-30; each
# user changes it in Settings > Composing), and how long a claimed message may stay "sending"
# before another worker takes it over (a worker that died mid-send).
WEBMAIL_UNDO_SEND_DEFAULT = min(30, max(0, envint("WEBMAIL_UNDO_SEND_DEFAULT", 5)))
WEBMAIL_OUTBOX_LEASE = envfloat("WEBMAIL_OUTBOX_LEASE", 300.0)
# Whether this process runs the outbox worker thread (tests drive it by hand instead).
WEBMAIL_OUTBOX_THREAD = envbool("WEBMAIL_OUTBOX_THREAD", True)
# Live mail (mailview/imap/watcher.py): IDLE is re-issued before the server's 29-minute limit; a
# watcher nobody uses any more is closed after the linger (a page load reconnects within it);
# browsers without a websocket poll at this interval.
WEBMAIL_IDLE_REISSUE = envfloat("WEBMAIL_IDLE_REISSUE", 25 * 60.0)
WEBMAIL_LIVE_LINGER = envfloat("WEBMAIL_LIVE_LINGER", 5.0)
# IMAP ID (RFC 2971) sent after login: the app's name and version only (empty name: no ID).
WEBMAIL_IMAP_ID_NAME = envstr("WEBMAIL_IMAP_ID_NAME", "Webmail")
WEBMAIL_IMAP_ID_VERSION = envstr("WEBMAIL_IMAP_ID_VERSION", "0.1.0")
# Servers without IDLE: the live watcher sends NOOP this often (seconds) instead.
WEBMAIL_NOIDLE_POLL_INTERVAL = envfloat("WEBMAIL_NOIDLE_POLL_INTERVAL", 20.0)
WEBMAIL_LIVE_POLL_INTERVAL = envint("WEBMAIL_LIVE_POLL_INTERVAL", 30)
# The folder tree's counts and names, followed on the INBOX watcher's connection
# (mailview/live/tree.py): NOTIFY where offered (and allowed here), plus a scan of the names only
# every RECHECK seconds for what NOTIFY does not report (rights taken away); without NOTIFY a scan
# with counts (LIST-STATUS) every INTERVAL seconds.
WEBMAIL_LIVE_NOTIFY = envbool("WEBMAIL_LIVE_NOTIFY", True)
WEBMAIL_LIVE_TREE_INTERVAL = envfloat("WEBMAIL_LIVE_TREE_INTERVAL", 60.0)
WEBMAIL_LIVE_TREE_RECHECK = envfloat("WEBMAIL_LIVE_TREE_RECHECK", 60.0)
# IDLE watchers (one IMAP connection each) per login and process; beyond it a page polls.
WEBMAIL_LIVE_WATCHERS_PER_USER = envint("WEBMAIL_LIVE_WATCHERS_PER_USER", WEBMAIL_POOL_PER_USER)
# Unauthenticated /healthz keeps its IMAP probe's outcome this many seconds (per worker).
WEBMAIL_HEALTH_IMAP_CACHE = envfloat("WEBMAIL_HEALTH_IMAP_CACHE", 5.0)
# A websocket checks this often that its session still holds the password (expiry, deletion).
WEBMAIL_LIVE_SESSION_CHECK = envfloat("WEBMAIL_LIVE_SESSION_CHECK", 300.0)

WEBMAIL_PAGE_SIZES = (25, 50, 100, 200)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        # The last errors of this worker, in memory, for the admin dashboard.
        "recent": {
            "class": "webmail.metrics.RecentErrorsHandler",
            "level": "ERROR",
            "size": WEBMAIL_RECENT_ERRORS,
        },
    },
    "root": {"handlers": ["console", "recent"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        # imapclient logs every command (LOGIN with its password included) at DEBUG:
        # never let that through, whatever LOG_LEVEL says.
        "imapclient": {"level": "WARNING", "propagate": True},
        "imapclient.imaplib": {"level": "WARNING", "propagate": True},
        "daphne": {"level": "WARNING"},
    },
}
