"""A single sign-on session's tokens, sealed in the session exactly as the password is.

The secret the mail layers get (``SESSION_FIELD``) is ``bearer_secret(access_token)``; beside
it, sealed with the same cookie-held key, a small record (``TOKENS_FIELD``): the domain, the
refresh token, the ID token (the hint for RP-initiated logout) and when to refresh. Neither
is ever in the database in the clear, nor in a log; logging out pops both (credentials.py).

``current_secret`` is what the request pool and the IDLE watchers call for the secret: past
``refresh_at`` (well before the access token expires) it refreshes the tokens at the provider,
once per session across threads and processes (a cache lock, then the session re-read from
its store), and seals the new ones. When the provider refuses, ``ReauthNeeded`` sends the user
back through the provider (mailview/middleware.py).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from importlib import import_module
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.credentials import (
    KEY_COOKIE,
    SESSION_FIELD,
    TOKENS_FIELD,
    open_sealed,
    seal_password,
    seal_with,
    unseal_password,
)
from accounts.sso.client import SSOError, refresh
from accounts.sso.providers import provider_for_domain
from mailview.imap.bearer import bearer_secret
from mailview.imap.errors import CredentialsUnavailable

#: Refresh when this share of the access token's lifetime has passed (at most 60 s before).
REFRESH_SHARE = 0.5
LOCK_SECONDS = 30
#: Where a browser whose SSO session ended for want of a refresh must sign in again, kept two
#: ways: a signed cookie on the answer that ended the session, and a note in the cache under the
#: browser's key cookie, for when that answer never reached the browser (a background request
#: cancelled by the next page): the browser then still sends the key cookie of the ended login.
REAUTH_COOKIE = "webmail_sso_reauth"
REAUTH_SALT = "webmail.sso.reauth"
REAUTH_HINT_SECONDS = 600


class ReauthNeeded(CredentialsUnavailable):
    """The provider no longer refreshes this session's tokens: sign in through it again."""

    user_message = _("Your sign-in has expired. Please sign in again.")

    def __init__(self, detail: str, domain: str) -> None:
        super().__init__(detail)
        self.domain = domain
        self.reauth_url = f"{reverse('accounts:sso_start')}?{urlencode({'domain': domain})}"


def _note(request: HttpRequest) -> str | None:
    key = request.COOKIES.get(KEY_COOKIE)
    if not key:
        return None
    digest = hashlib.sha256(f"sso-reauth\0{settings.SECRET_KEY}\0{key}".encode()).hexdigest()
    return f"webmail:sso-reauth:{digest}"


def remember_reauth(request: HttpRequest, response: HttpResponse, domain: str) -> None:
    """Tell this browser's next login page to go back through `domain`'s provider."""
    response.set_signed_cookie(
        REAUTH_COOKIE,
        domain,
        salt=REAUTH_SALT,
        max_age=REAUTH_HINT_SECONDS,
        secure=settings.SESSION_COOKIE_SECURE or request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    note = _note(request)
    if note:
        cache.set(note, domain, REAUTH_HINT_SECONDS)


def forget_reauth(request: HttpRequest, response: HttpResponse) -> None:
    """Signed in again, or refused: the login page stops sending this browser round."""
    response.delete_cookie(REAUTH_COOKIE, samesite="Lax")
    note = _note(request)
    if note:
        cache.delete(note)


def reauth_domain(request: HttpRequest) -> str:
    """The domain whose provider this browser must go back through (the login page sends it
    there), until it has signed in again (or failed to) or for REAUTH_HINT_SECONDS. Not
    forgotten on the first look: the page's background requests reach the login page too."""
    value = request.get_signed_cookie(
        REAUTH_COOKIE, default="", salt=REAUTH_SALT, max_age=REAUTH_HINT_SECONDS
    )
    if value:
        return str(value)
    note = _note(request)
    noted = cache.get(note) if note else None
    return noted if isinstance(noted, str) else ""


@dataclass
class TokenRecord:
    domain: str
    refresh_token: str
    id_token: str
    refresh_at: float
    expires_at: float


def _record(domain: str, tokens: Mapping[str, Any], old: TokenRecord | None) -> TokenRecord:
    now = time.time()
    lifetime = float(tokens.get("expires_in") or 300)
    return TokenRecord(
        domain=domain,
        refresh_token=str(tokens.get("refresh_token") or (old.refresh_token if old else "")),
        id_token=str(tokens.get("id_token") or (old.id_token if old else "")),
        refresh_at=now + max(lifetime * REFRESH_SHARE, lifetime - 60),
        expires_at=now + lifetime,
    )


def seal_tokens(
    request: HttpRequest,
    response: HttpResponse,
    user_id: int,
    domain: str,
    tokens: Mapping[str, Any],
) -> str:
    """Seal a new login's access token (as the session's secret) and its token record; the
    secret."""
    secret = bearer_secret(str(tokens["access_token"]))
    cookie = seal_password(request, response, secret, user_id)
    record = _record(domain, tokens, None)
    seal_with(request.session, cookie, TOKENS_FIELD, json.dumps(asdict(record)), user_id)
    return secret


def is_sso(session: Any) -> bool:
    return bool(session.get(TOKENS_FIELD))


def token_record(session: Any, cookies: Mapping[str, str], user_id: int) -> TokenRecord | None:
    if not is_sso(session):
        return None
    try:
        return TokenRecord(**json.loads(open_sealed(session, cookies, TOKENS_FIELD, user_id)))
    except (ValueError, TypeError):
        raise CredentialsUnavailable("unreadable token record") from None


def reauth_for(request: HttpRequest) -> ReauthNeeded | None:
    """For a single sign-on session whose token the mail server refused (revoked before it
    was due for refresh): the way back through the provider; None for other sessions."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not is_sso(request.session):
        return None
    try:
        record = token_record(request.session, request.COOKIES, user.pk)
    except CredentialsUnavailable:
        return None
    return ReauthNeeded("the mail server refused the token", record.domain) if record else None


def _stored(session: Any) -> Mapping[str, Any]:
    if not session.session_key:
        return {}
    store = import_module(settings.SESSION_ENGINE).SessionStore
    data: Mapping[str, Any] = store(session_key=session.session_key).load()
    return data


def current_secret(session: Any, cookies: Mapping[str, str], user_id: int) -> str:
    """The secret for IMAP and SMTP: the password, or the (refreshed if due) access token."""
    record = token_record(session, cookies, user_id)
    if record is None or time.time() < record.refresh_at:
        return unseal_password(session, cookies, user_id)
    lock = f"webmail:sso-refresh:{session.session_key}"
    deadline = time.monotonic() + LOCK_SECONDS
    while not cache.add(lock, 1, LOCK_SECONDS):
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    try:
        # Another request (thread or process) may have refreshed meanwhile: take its tokens.
        stored = _stored(session)
        if stored.get(TOKENS_FIELD) and stored.get(TOKENS_FIELD) != session.get(TOKENS_FIELD):
            session[TOKENS_FIELD] = stored[TOKENS_FIELD]
            session[SESSION_FIELD] = stored[SESSION_FIELD]
            record = token_record(session, cookies, user_id)
            if record is not None and time.time() < record.refresh_at:
                return unseal_password(session, cookies, user_id)
        assert record is not None
        return _refresh(session, cookies, user_id, record)
    finally:
        cache.delete(lock)


def _refresh(session: Any, cookies: Mapping[str, str], user_id: int, record: TokenRecord) -> str:
    provider = provider_for_domain(record.domain)
    if provider is None or not record.refresh_token:
        raise ReauthNeeded("no provider or no refresh token", record.domain)
    try:
        tokens = refresh(provider, record.refresh_token)
    except SSOError as exc:
        raise ReauthNeeded(f"refresh failed: {exc.detail}", record.domain) from None
    secret = bearer_secret(str(tokens["access_token"]))
    cookie = cookies[KEY_COOKIE]
    new = _record(record.domain, tokens, record)
    seal_with(session, cookie, SESSION_FIELD, secret, user_id)
    seal_with(session, cookie, TOKENS_FIELD, json.dumps(asdict(new)), user_id)
    if session.session_key:
        session.save()
    return secret
