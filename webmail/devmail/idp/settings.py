"""Settings of the development identity provider (a Django project of its own, run in a
subprocess by ``webmail.devmail.idp.IdentityProvider``; never imported by the webmail).

Everything comes from the environment the parent sets: ``WEBMAIL_IDP_ROOT`` (its directory:
SQLite database, RSA signing key, secret key), ``WEBMAIL_IDP_PORT``, ``WEBMAIL_IDP_ADMIN_TOKEN``
(for the dev-only user/client endpoints) and the token lifetimes in seconds.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ["WEBMAIL_IDP_ROOT"])
PORT = int(os.environ["WEBMAIL_IDP_PORT"])
ISSUER = f"http://127.0.0.1:{PORT}/o"
ADMIN_TOKEN = os.environ["WEBMAIL_IDP_ADMIN_TOKEN"]

SECRET_KEY = (ROOT / "secret_key").read_text().strip()
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "webmail.devmail.idp.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": ROOT / "idp.sqlite3",
        "OPTIONS": {"timeout": 30},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Test users only: the fastest hasher.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
USE_TZ = True
# Cookies ignore ports: the webmail on another port of 127.0.0.1 must not see these.
SESSION_COOKIE_NAME = "devidp_session"
CSRF_COOKIE_NAME = "devidp_csrf"
LOGIN_URL = "/accounts/login/"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"file": {"class": "logging.FileHandler", "filename": ROOT / "idp.log"}},
    "root": {"handlers": ["file"], "level": "WARNING"},
}

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": ISSUER,
    "OIDC_RSA_PRIVATE_KEY": (ROOT / "oidc.key").read_text(),
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "PKCE_REQUIRED": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": int(os.environ.get("WEBMAIL_IDP_ACCESS_SECONDS", "3600")),
    "ID_TOKEN_EXPIRE_SECONDS": int(os.environ.get("WEBMAIL_IDP_ID_TOKEN_SECONDS", "3600")),
    "REFRESH_TOKEN_EXPIRE_SECONDS": int(os.environ.get("WEBMAIL_IDP_REFRESH_SECONDS", "86400")),
    "ROTATE_REFRESH_TOKEN": True,
    "SCOPES": {
        "openid": "OpenID Connect",
        "profile": "Profile",
        "email": "E-mail address",
        "offline_access": "Refresh tokens",
    },
    "OAUTH2_VALIDATOR_CLASS": "webmail.devmail.idp.claims.ClaimsValidator",
}
