"""A bearer token where the IMAP layer expects a password.

The layers above hand the pool, the drivers and the SMTP client one secret string per login:
a password, or an OAuth 2.0 access token wrapped by :func:`bearer_secret`. The wrapping starts
with a NUL character, which no password can contain (the login form refuses control
characters), so the two never mix; the drivers see it and authenticate with OAUTHBEARER or
XOAUTH2 instead of PLAIN/LOGIN. Like a password, the secret is never logged.
"""

from __future__ import annotations

_PREFIX = "\0oauth2-bearer\0"


def bearer_secret(access_token: str) -> str:
    """The secret that makes the IMAP layer (and SMTP) present ``access_token``."""
    if not access_token or any(ord(c) < 32 for c in access_token):
        raise ValueError("invalid access token")
    return _PREFIX + access_token


def bearer_token(secret: str) -> str | None:
    """The access token inside a secret made by :func:`bearer_secret`; None for a password."""
    return secret[len(_PREFIX) :] if secret.startswith(_PREFIX) else None
