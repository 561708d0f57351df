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


def _key(cookie_value: str) -> bytes:
    return hmac.new(
        settings.SECRET_KEY.encode(), b"imap-password\0" + cookie_value.encode(), hashlib.sha256
    ).digest()


def seal_password(
    request: HttpRequest, response: HttpResponse, password: str, user_id: int
) -> None:
    """Store `password` encrypted in the session; give the browser the key half."""
    cookie_value = secrets.token_urlsafe(32)
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_key(cookie_value)).encrypt(nonce, password.encode(), str(user_id).encode())
    request.session[SESSION_FIELD] = base64.b64encode(nonce + sealed).decode()
    response.set_cookie(
        KEY_COOKIE,
        cookie_value,
        max_age=None,  # a browser-session cookie, like the session cookie
        secure=settings.SESSION_COOKIE_SECURE or request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


def unseal_password(session: Any, cookies: Mapping[str, str], user_id: int) -> str:
    """The password of the session's user; CredentialsUnavailable if it cannot be had."""
    sealed = session.get(SESSION_FIELD)
    cookie_value = cookies.get(KEY_COOKIE)
    if not sealed or not cookie_value:
        raise CredentialsUnavailable("no sealed password or no key cookie")
    try:
        raw = base64.b64decode(sealed)
        plain = AESGCM(_key(cookie_value)).decrypt(raw[:12], raw[12:], str(user_id).encode())
    except (InvalidTag, ValueError):
        raise CredentialsUnavailable("sealed password does not open with this key") from None
    return plain.decode()


def forget_password(request: HttpRequest, response: HttpResponse | None = None) -> None:
    if hasattr(request, "session"):
        request.session.pop(SESSION_FIELD, None)
    if response is not None:
        response.delete_cookie(KEY_COOKIE, samesite="Lax")
