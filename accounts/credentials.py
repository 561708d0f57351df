"""The IMAP password, sealed inside the server-side session.

The session (in the database) holds only ciphertext. The key that opens it is
derived from SECRET_KEY and a random value that lives in an HttpOnly cookie of
the user's browser: someone holding the database alone, or the cookie alone,
cannot read the password. Logging out flushes the session and deletes the cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from mailview.imap.errors import CredentialsUnavailable

KEY_COOKIE = "webmail_key"
SESSION_FIELD = "_imap_sealed"
#: Single sign-on tokens (refresh and ID token, accounts/sso/tokens.py), sealed the same way.
TOKENS_FIELD = "_oidc_sealed"
SEALED_FIELDS = (SESSION_FIELD, TOKENS_FIELD)


def _key(cookie_value: str) -> bytes:
    return hmac.new(
        settings.SECRET_KEY.encode(), b"imap-password\0" + cookie_value.encode(), hashlib.sha256
    ).digest()


def seal_password(request: HttpRequest, response: HttpResponse, password: str, user_id: int) -> str:
    """Store `password` encrypted in the session; give the browser the key half (returned, so
    that more values can be sealed with the same key: `seal_with`)."""
    cookie_value = secrets.token_urlsafe(32)
    seal_with(request.session, cookie_value, SESSION_FIELD, password, user_id)
    response.set_cookie(
        KEY_COOKIE,
        cookie_value,
        max_age=None,  # a browser-session cookie, like the session cookie
        secure=settings.SESSION_COOKIE_SECURE or request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    return cookie_value


def seal_with(session: Any, cookie_value: str, field: str, plain: str, user_id: int) -> None:
    """Store `plain` in `session[field]`, sealed with the key of the browser's cookie value."""
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_key(cookie_value)).encrypt(nonce, plain.encode(), str(user_id).encode())
    session[field] = base64.b64encode(nonce + sealed).decode()


def open_sealed(session: Any, cookies: Mapping[str, str], field: str, user_id: int) -> str:
    """What `seal_with` stored in `field`; CredentialsUnavailable if it cannot be had."""
    sealed = session.get(field)
    cookie_value = cookies.get(KEY_COOKIE)
    if not sealed or not cookie_value:
        raise CredentialsUnavailable("no sealed value or no key cookie")
    try:
        raw = base64.b64decode(sealed)
        plain = AESGCM(_key(cookie_value)).decrypt(raw[:12], raw[12:], str(user_id).encode())
    except (InvalidTag, ValueError):
        raise CredentialsUnavailable("sealed value does not open with this key") from None
    return plain.decode()


def unseal_password(session: Any, cookies: Mapping[str, str], user_id: int) -> str:
    """The password of the session's user; CredentialsUnavailable if it cannot be had."""
    return open_sealed(session, cookies, SESSION_FIELD, user_id)


def forget_password(request: HttpRequest, response: HttpResponse | None = None) -> None:
    if hasattr(request, "session"):
        for field in SEALED_FIELDS:
            request.session.pop(field, None)
    if response is not None:
        response.delete_cookie(KEY_COOKIE, samesite="Lax")
