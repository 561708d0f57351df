"""The relying party's side of OpenID Connect: discovery, the code flow with PKCE, refresh,
the ID token checks, RP-initiated logout.

Authlib's OAuth 2.0 client (requests) builds the authorization URL with the PKCE challenge and
talks to the token endpoint; joserfc checks the ID token against the provider's published keys
(JWKS, fetched again once when a token names a key we do not know: key rotation). Every problem
is an ``SSOError`` whose ``user_message`` the login page shows; no token, code or secret is
ever in a log line or an error text.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from django.utils.translation import gettext_lazy as _
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet

HTTP_TIMEOUT = 10.0
METADATA_TTL = 300.0
SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]
CLOCK_LEEWAY = 60


class SSOError(Exception):
    """A sign-in that cannot be completed; ``user_message`` says why, for the login page."""

    user_message: Any = _("Single sign-on did not work. Please try again.")

    def __init__(self, detail: str, user_message: Any = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if user_message is not None:
            self.user_message = user_message


@dataclass(frozen=True)
class Provider:
    """A domain's provider, as configured in the admin (accounts.models.OIDCProvider)."""

    domain: str
    name: str
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    login_claim: str
    end_session: bool


def check_issuer(issuer: str) -> None:
    """An issuer must be https, except on a loopback address (development and tests)."""
    parts = urlsplit(issuer)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname:
        host = parts.hostname
        try:
            if host == "localhost" or ipaddress.ip_address(host).is_loopback:
                return
        except ValueError:
            pass
    raise ValueError(str(_("The issuer must be an https:// URL.")))


_cache_lock = threading.Lock()
_metadata: dict[str, tuple[float, dict[str, Any]]] = {}
_keys: dict[str, tuple[float, KeySet]] = {}


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise SSOError(
            f"{url}: {type(exc).__name__}",
            _("The sign-in provider cannot be reached. Try again later."),
        ) from None
    if not isinstance(data, dict):
        raise SSOError(f"{url}: not a JSON object")
    return data


def metadata(provider: Provider) -> dict[str, Any]:
    """The provider's discovery document (cached for a few minutes)."""
    now = time.monotonic()
    with _cache_lock:
        cached = _metadata.get(provider.issuer)
    if cached is not None and cached[0] > now:
        return cached[1]
    url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
    data = _get_json(url)
    if data.get("issuer") != provider.issuer:
        raise SSOError(f"discovery names issuer {data.get('issuer')!r}, not {provider.issuer!r}")
    for needed in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(data.get(needed), str):
            raise SSOError(f"discovery has no {needed}")
    with _cache_lock:
        _metadata[provider.issuer] = (now + METADATA_TTL, data)
    return data


def _key_set(provider: Provider, fresh: bool = False) -> KeySet:
    uri = metadata(provider)["jwks_uri"]
    now = time.monotonic()
    with _cache_lock:
        cached = _keys.get(uri)
    if cached is not None and cached[0] > now and not fresh:
        return cached[1]
    try:
        keys = KeySet.import_key_set(_get_json(uri))  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError) as exc:
        raise SSOError(f"{uri}: unusable key set: {type(exc).__name__}") from None
    with _cache_lock:
        _keys[uri] = (now + METADATA_TTL, keys)
    return keys


def _session(provider: Provider, redirect_uri: str | None = None) -> OAuth2Session:
    return OAuth2Session(
        provider.client_id,
        provider.client_secret or None,
        scope=provider.scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        default_timeout=HTTP_TIMEOUT,
    )


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    state: str
    nonce: str
    code_verifier: str


def authorization_request(
    provider: Provider, redirect_uri: str, login_hint: str = ""
) -> AuthorizationRequest:
    """Where to send the browser: the authorization URL with state, nonce and PKCE."""
    endpoint = metadata(provider)["authorization_endpoint"]
    verifier = generate_token(64)
    nonce = generate_token(32)
    # access_type=offline: Google issues a refresh token only when asked this way; other
    # providers ignore a parameter they do not know (RFC 6749, section 3.1).
    extra = {"access_type": "offline"}
    if login_hint:
        extra["login_hint"] = login_hint
    with _session(provider, redirect_uri) as client:
        url, state = client.create_authorization_url(
            endpoint, code_verifier=verifier, nonce=nonce, **extra
        )
    return AuthorizationRequest(url, state, nonce, verifier)


def _token_request(provider: Provider, what: str, **kwargs: Any) -> dict[str, Any]:
    endpoint = metadata(provider)["token_endpoint"]
    try:
        with _session(provider, kwargs.pop("redirect_uri", None)) as client:
            if what == "refresh":
                token = client.refresh_token(endpoint, **kwargs)
            else:
                token = client.fetch_token(endpoint, **kwargs)
    except OAuthError as exc:
        raise SSOError(f"token endpoint refused the {what}: {exc.error}") from None
    except requests.RequestException as exc:
        raise SSOError(
            f"token endpoint: {type(exc).__name__}",
            _("The sign-in provider cannot be reached. Try again later."),
        ) from None
    if not token.get("access_token"):
        raise SSOError(f"no access token in the {what} answer")
    return dict(token)


def exchange_code(
    provider: Provider, redirect_uri: str, code: str, code_verifier: str
) -> dict[str, Any]:
    """The tokens for an authorization code (access, ID, refresh, expires_in)."""
    return _token_request(
        provider,
        "code",
        grant_type="authorization_code",
        code=code,
        code_verifier=code_verifier,
        redirect_uri=redirect_uri,
    )


def refresh(provider: Provider, refresh_token: str) -> dict[str, Any]:
    return _token_request(provider, "refresh", refresh_token=refresh_token)


REJECTED = _("The sign-in provider's answer could not be verified. Please try again.")


def verify_id_token(
    provider: Provider, id_token: str, nonce: str, now: float | None = None
) -> dict[str, Any]:
    """The claims of an ID token signed by the provider's keys, for this client (audience),
    from this issuer, not expired (at ``now``, default: the clock), carrying our nonce; else
    SSOError."""
    try:
        try:
            token = jwt.decode(id_token, _key_set(provider), algorithms=SIGNING_ALGORITHMS)
        except (ValueError, JoseError) as exc:
            if isinstance(exc, BadSignatureError):
                raise
            # A key we do not know yet (rotation): read the published keys once more.
            token = jwt.decode(
                id_token, _key_set(provider, fresh=True), algorithms=SIGNING_ALGORITHMS
            )
        registry = jwt.JWTClaimsRegistry(
            now=int(now) if now is not None else None,
            leeway=CLOCK_LEEWAY,
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True, "value": provider.client_id},
            nonce={"essential": True, "value": nonce},
            exp={"essential": True},
            sub={"essential": True},
        )
        registry.validate(token.claims)
    except ExpiredTokenError:
        raise SSOError("ID token expired", REJECTED) from None
    except (InvalidClaimError, MissingClaimError) as exc:
        raise SSOError(f"ID token claim refused: {exc.claim}", REJECTED) from None
    except (ValueError, TypeError, JoseError) as exc:
        raise SSOError(f"ID token refused: {type(exc).__name__}", REJECTED) from None
    claims: dict[str, Any] = dict(token.claims)
    return claims


def end_session_url(provider: Provider, id_token: str, post_logout_redirect_uri: str) -> str:
    """The provider's RP-initiated logout URL, or "" if it offers none (or it is off)."""
    if not provider.end_session:
        return ""
    try:
        endpoint = metadata(provider).get("end_session_endpoint")
    except SSOError:
        return ""
    if not isinstance(endpoint, str) or not endpoint:
        return ""
    query = {"client_id": provider.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
    if id_token:
        query["id_token_hint"] = id_token
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}"


def clear_caches() -> None:
    with _cache_lock:
        _metadata.clear()
        _keys.clear()
