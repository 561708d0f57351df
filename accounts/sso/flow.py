"""A single sign-on login, from the login page to the signed-in user.

``start`` remembers in the session what the callback must check (state, nonce, PKCE verifier,
the domain, where to go next; a few minutes at most) and returns the provider's URL.
``finish`` checks the callback against it, exchanges the code, verifies the ID token, reads the
mail login from the configured claim (it must belong to the provider's domain), and opens the
mailbox with the access token: the IMAP server itself decides, as it does for a password.
"""

from __future__ import annotations

import hmac
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.backends import AccountDisabled
from accounts.logins import canonical_login
from accounts.servers import domain_of, server_for_login
from accounts.sessions import account_enabled
from accounts.sso.client import (
    Provider,
    SSOError,
    authorization_request,
    exchange_code,
    verify_id_token,
)
from accounts.sso.providers import provider_for_domain
from mailview.imap.bearer import bearer_secret
from mailview.imap.client import IMAPConnection
from mailview.imap.errors import AuthenticationFailed
from mailview.imap.pool import PoolKey, get_pool, password_fingerprint

log = logging.getLogger(__name__)

PENDING = "_sso_pending"
PENDING_MAX_AGE = 600
PENDING_KEPT = 4


def redirect_uri(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("accounts:sso_callback"))


def start(request: HttpRequest, provider: Provider, login_hint: str, next_url: str) -> str:
    """Begin a sign-in at ``provider``; the URL to send the browser to."""
    auth = authorization_request(provider, redirect_uri(request), login_hint)
    # Kept per state: a second sign-in started meanwhile (another tab, a page's second
    # request) must not make the first one's answer look foreign.
    now = time.time()
    pending = {
        state: entry
        for state, entry in _pending(request).items()
        if now - entry.get("since", 0) <= PENDING_MAX_AGE
    }
    pending[auth.state] = {
        "state": auth.state,
        "nonce": auth.nonce,
        "verifier": auth.code_verifier,
        "domain": provider.domain,
        "next": next_url,
        "since": now,
    }
    request.session[PENDING] = dict(list(pending.items())[-PENDING_KEPT:])
    return auth.url


def _pending(request: HttpRequest) -> dict[str, dict[str, Any]]:
    value = request.session.get(PENDING)
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(v, dict) and isinstance(k, str)}


@dataclass(frozen=True)
class Finished:
    user: Any
    provider: Provider
    tokens: dict[str, Any]
    next_url: str


def finish(request: HttpRequest) -> Finished:
    """Check the provider's answer and sign the user in to the mail server; SSOError if not."""
    waiting = _pending(request)
    answer = request.GET.get("state", "").encode()
    state = next((k for k in waiting if hmac.compare_digest(answer, k.encode())), None)
    pending = waiting.pop(state) if state is not None else None
    if waiting:
        request.session[PENDING] = waiting
    else:
        request.session.pop(PENDING, None)
    if not waiting and pending is None:
        raise SSOError(
            "no pending sign-in",
            _("This sign-in has expired or was started elsewhere. Please start again."),
        )
    if pending is not None and time.time() - pending.get("since", 0) > PENDING_MAX_AGE:
        raise SSOError(
            "pending sign-in too old",
            _("This sign-in has expired or was started elsewhere. Please start again."),
        )
    if pending is None:
        raise SSOError(
            "state mismatch",
            _("The sign-in answer does not belong to this browser's request. Please start again."),
        )
    if request.GET.get("error"):
        error = "".join(c for c in request.GET["error"][:64] if c.isalnum() or c in "_-")
        raise SSOError(
            f"provider error {error}",
            _("The sign-in provider did not sign you in (%(error)s).") % {"error": error},
        )
    provider = provider_for_domain(pending["domain"])
    code = request.GET.get("code", "")
    if provider is None or not code:
        raise SSOError("no provider or no code")
    tokens = exchange_code(provider, redirect_uri(request), code, pending["verifier"])
    if not tokens.get("id_token"):
        raise SSOError("no ID token")
    claims = verify_id_token(provider, str(tokens["id_token"]), pending["nonce"])
    login = claims.get(provider.login_claim)
    if not isinstance(login, str) or not canonical_login(login):
        raise SSOError(
            f"claim {provider.login_claim} missing",
            _("The sign-in provider did not say which mailbox is yours."),
        )
    login = canonical_login(login)
    if domain_of(login) != provider.domain:
        raise SSOError(
            f"claim {provider.login_claim} outside {provider.domain}",
            _("Your account at the sign-in provider is not an account of %(domain)s.")
            % {"domain": provider.domain},
        )
    user = sign_in(login, str(tokens["access_token"]))
    return Finished(user, provider, tokens, pending.get("next") or "/")


def sign_in(login: str, access_token: str) -> Any:
    """Open the mailbox of ``login`` with the token (the connection joins the pool); the Django
    user, created on first login as for a password login. MailError/SSOError if refused."""
    secret = bearer_secret(access_token)
    server = server_for_login(login)
    try:
        conn = IMAPConnection.open(server, login, secret, settings.WEBMAIL_IMAP_TIMEOUT)
    except AuthenticationFailed:
        log.info("single sign-on: the mail server refused the token of %s", login)
        raise SSOError(
            "mail server refused the token",
            _("The mail server did not accept your sign-in. Ask your administrator."),
        ) from None
    user_model = get_user_model()
    field = user_model.USERNAME_FIELD
    existing = user_model._default_manager.filter(**{field: login}).first()
    if existing is not None and existing.has_usable_password():
        conn.logout()
        raise SSOError("a mail login matched a local (staff) account")
    if (existing is not None and not getattr(existing, "is_active", True)) or not account_enabled(
        login
    ):
        conn.logout()
        raise AccountDisabled(f"account {login!r} is disabled")
    lookup: dict[str, Any] = {field: login}
    user, created = user_model._default_manager.get_or_create(**lookup)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    get_pool().adopt(PoolKey(login, server, password_fingerprint(login, secret)), conn)
    return user
