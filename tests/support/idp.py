"""Pytest fixtures for single sign-on: the development OpenID Connect provider and a Dovecot
that accepts its tokens (load with ``pytest_plugins``).

- ``identity_provider`` (session): one started provider (long token lifetimes).
- ``identity_provider_factory``: ``make(access_seconds=..., ...)``, a provider of the test's own.
- ``oauth_dovecot`` (session): a private Dovecot whose oauth2 passdb introspects tokens at
  ``identity_provider`` (passwords keep working too, for test set-up).
- ``sso_user_factory``: ``make(prefix="alice") -> SSOUser``, a user known to the provider (with
  a provider password) and to ``oauth_dovecot`` (with a mail password the webmail never sees).
- ``provider_tokens(idp, user, client)``: the authorization code flow with PKCE run by a plain
  HTTP client, for tests below the browser.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import secrets
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support.dovecot import MailUser, make_dovecot_root
from webmail.devmail.dovecot import Dovecot
from webmail.devmail.dovecot_oauth2 import oauth2_extra_config
from webmail.devmail.idp import IdentityProvider

__all__ = ["Client", "SSOUser", "provider_tokens"]

SSO_DOMAIN = "example.org"


@dataclass(frozen=True)
class Client:
    """A client registered at the provider."""

    client_id: str
    client_secret: str
    redirect_uri: str


@dataclass
class SSOUser:
    """A user of the provider whose mailbox is on ``oauth_dovecot``."""

    login: str  # = the provider username = the email claim = the Dovecot user
    idp_password: str
    mail: MailUser  # the same user seen from the mail server (set-up only)

    @property
    def address(self) -> str:
        return self.login


def _new_provider(**lifetimes: Any) -> IdentityProvider:
    return IdentityProvider(Path(tempfile.mkdtemp(prefix="webmail-idp-")), **lifetimes)


@pytest.fixture(scope="session")
def identity_provider() -> Iterator[IdentityProvider]:
    idp = _new_provider()
    try:
        idp.start()
        yield idp
    finally:
        idp.stop()
        shutil.rmtree(idp.root, ignore_errors=True)


@pytest.fixture
def identity_provider_factory() -> Iterator[Callable[..., IdentityProvider]]:
    made: list[IdentityProvider] = []

    def make(**lifetimes: Any) -> IdentityProvider:
        idp = _new_provider(**lifetimes)
        made.append(idp)
        idp.start()
        return idp

    yield make
    for idp in made:
        idp.stop()
        shutil.rmtree(idp.root, ignore_errors=True)


def oauth_dovecot_for(idp: IdentityProvider, root: Path) -> Dovecot:
    """A (not yet started) Dovecot checking tokens at ``idp``."""
    secret = secrets.token_urlsafe(16)
    idp.add_client("dovecot", secret)
    extra = oauth2_extra_config(root / "oauth2", idp.introspection_url, "dovecot", secret)
    return Dovecot(root, extra_config=extra)


@pytest.fixture(scope="session")
def oauth_dovecot(identity_provider: IdentityProvider) -> Iterator[Dovecot]:
    root = make_dovecot_root()
    server = oauth_dovecot_for(identity_provider, root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def sso_user(idp: IdentityProvider, dovecot: Dovecot, prefix: str = "alice") -> SSOUser:
    login = f"{prefix}-{uuid.uuid4().hex[:8]}@{SSO_DOMAIN}"
    mail_password = secrets.token_urlsafe(12)
    dovecot.add_user(login, mail_password)
    idp_password = secrets.token_urlsafe(12)
    idp.add_user(login, idp_password)
    return SSOUser(login, idp_password, MailUser(login, mail_password, dovecot))


@pytest.fixture
def sso_user_factory(
    identity_provider: IdentityProvider, oauth_dovecot: Dovecot
) -> Iterator[Callable[..., SSOUser]]:
    users: list[SSOUser] = []

    def make(prefix: str = "alice") -> SSOUser:
        user = sso_user(identity_provider, oauth_dovecot, prefix)
        users.append(user)
        return user

    yield make
    for user in users:
        user.mail.close()


def register_client(idp: IdentityProvider, redirect_uri: str, **kwargs: Any) -> Client:
    client = Client(f"webmail-{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(24), redirect_uri)
    idp.add_client(client.client_id, client.client_secret, redirect_uris=[redirect_uri], **kwargs)
    return client


def provider_tokens(
    idp: IdentityProvider, user: SSOUser, client: Client, scope: str = "openid email profile"
) -> dict[str, Any]:
    """Sign in at the provider and run the code flow with PKCE; the token response."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    with httpx.Client(base_url=idp.base_url, timeout=30) as http:
        http.get("/accounts/login/")
        http.post(
            "/accounts/login/",
            data={
                "username": user.login,
                "password": user.idp_password,
                "csrfmiddlewaretoken": http.cookies["devidp_csrf"],
                "next": "/",
            },
        )
        answer = http.get(
            "/o/authorize/",
            params={
                "response_type": "code",
                "client_id": client.client_id,
                "redirect_uri": client.redirect_uri,
                "scope": scope,
                "state": "state",
                "nonce": "nonce",
                "code_challenge": challenge.rstrip(b"=").decode(),
                "code_challenge_method": "S256",
            },
        )
        location = answer.headers.get("location", "")
        code = parse_qs(urlsplit(location).query).get("code", [""])[0]
        if not code:
            raise AssertionError(f"no code from the provider: {answer.status_code} {location}")
        tokens = http.post(
            "/o/token/",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": client.redirect_uri,
                "code_verifier": verifier,
            },
            auth=(client.client_id, client.client_secret),
        )
        tokens.raise_for_status()
        result: dict[str, Any] = tokens.json()
        return result


CALLBACK_PATH = "/accounts/login/sso/callback/"


def configure_sso_domain(
    idp: IdentityProvider,
    dovecot: Dovecot,
    base_url: str = "http://testserver",
    *,
    smtp: Any = None,
    **options: Any,
) -> Client:
    """Make SSO_DOMAIN a domain on ``dovecot`` with ``idp`` as its provider (admin settings as
    the admin page saves them; ``options`` override OIDCProvider fields); the client."""
    from accounts.models import Domain
    from accounts.servers import clear_domain_cache
    from accounts.sso.admin_form import OIDCProviderForm
    from accounts.sso.client import clear_caches

    client = register_client(
        idp,
        base_url + CALLBACK_PATH,
        post_logout_redirect_uris=[base_url + "/accounts/login/"],
    )
    domain = Domain.objects.create(
        name=SSO_DOMAIN,
        imap_host=dovecot.host,
        imap_port=dovecot.imap_port,
        imap_security="starttls",
        ca_file=str(dovecot.ca_file),
        smtp_host=smtp.host if smtp else "",
        smtp_port=smtp.port if smtp else 465,
        smtp_security=smtp.security if smtp else "ssl",
    )
    data = {
        "domain": domain.pk,
        "name": "Dev IdP",
        "issuer": idp.issuer,
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "scopes": "openid email profile",
        "login_claim": "email",
        "password_login": True,
        "require_local_2fa": False,
        "end_provider_session": True,
        **options,
    }
    form = OIDCProviderForm({k: v for k, v in data.items() if v is not False})
    assert form.is_valid(), form.errors
    form.save()
    clear_domain_cache()
    clear_caches()
    return client


def sign_in_at_provider(idp: IdentityProvider, user: SSOUser, authorize_url: str) -> str:
    """What a browser does at the provider: sign in, follow the authorization URL; the URL
    the provider sends the browser back to (the webmail's callback)."""
    with httpx.Client(base_url=idp.base_url, timeout=30) as http:
        http.get("/accounts/login/")
        http.post(
            "/accounts/login/",
            data={
                "username": user.login,
                "password": user.idp_password,
                "csrfmiddlewaretoken": http.cookies["devidp_csrf"],
                "next": "/",
            },
        )
        answer = http.get(authorize_url)
        location = answer.headers.get("location", "")
        if CALLBACK_PATH not in location:
            raise AssertionError(f"the provider did not send back: {answer.status_code} {location}")
        return location


def issued_tokens(idp: IdentityProvider, login: str) -> list[str]:
    """Every access and refresh token the provider issued to ``login`` (from its database)."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(idp.root / "idp.sqlite3")) as db:
        rows = db.execute(
            "SELECT t.token FROM oauth2_provider_accesstoken t JOIN auth_user u ON t.user_id = u.id"
            " WHERE u.username = ? UNION SELECT r.token FROM oauth2_provider_refreshtoken r"
            " JOIN auth_user u ON r.user_id = u.id WHERE u.username = ?",
            (login, login),
        ).fetchall()
    return [row[0] for row in rows]
