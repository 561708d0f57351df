"""The ID token checks (accounts/sso/client.py) on tokens from the development provider, and
on tokens forged or altered on the way: every refusal is an SSOError with a clear message."""

from __future__ import annotations

import base64
import json
import time

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from accounts.sso import client as oidc
from accounts.sso.client import Provider, SSOError
from tests.support.idp import provider_tokens, register_client

REDIRECT = "http://127.0.0.1:9/sso/callback/"
REJECTED = "The sign-in provider's answer could not be verified. Please try again."


@pytest.fixture
def issued(identity_provider, sso_user_factory):
    """(provider as the webmail sees it, a fresh ID token with nonce "nonce")."""
    oidc.clear_caches()
    client = register_client(identity_provider, REDIRECT)
    tokens = provider_tokens(identity_provider, sso_user_factory("alice"), client)
    provider = Provider(
        domain="example.org",
        name="Dev",
        issuer=identity_provider.issuer,
        client_id=client.client_id,
        client_secret=client.client_secret,
        scopes="openid email profile",
        login_claim="email",
        end_session=True,
    )
    return provider, tokens["id_token"]


def refused(provider: Provider, token: str, nonce: str = "nonce", now: float | None = None):
    with pytest.raises(SSOError) as caught:
        oidc.verify_id_token(provider, token, nonce, now=now)
    assert str(caught.value.user_message) == REJECTED
    return caught.value.detail


def test_a_genuine_token_gives_its_claims(issued):
    provider, token = issued
    claims = oidc.verify_id_token(provider, token, "nonce")
    assert claims["aud"] == provider.client_id and claims["email"].endswith("@example.org")


def test_a_token_signed_by_another_key_is_refused(issued):
    provider, token = issued
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    claims = jwt.decode(token, oidc._key_set(provider), algorithms=["RS256"]).claims
    attacker = RSAKey.generate_key(2048, parameters={"kid": header["kid"]})
    forged = jwt.encode({"alg": "RS256", "kid": header["kid"]}, claims, attacker)
    assert refused(provider, forged) == "ID token refused: BadSignatureError"


def test_an_unsigned_token_is_refused(issued):
    provider, token = issued
    payload = token.split(".")[1]
    header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    assert refused(provider, f"{header}.{payload}.").startswith("ID token refused")


def test_an_altered_claim_breaks_the_signature(issued):
    provider, token = issued
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["email"] = "bob@example.org"
    altered = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert refused(provider, f"{header}.{altered}.{signature}").startswith("ID token refused")


def test_an_expired_token_is_refused(issued):
    provider, token = issued
    assert refused(provider, token, now=time.time() + 2 * 3600) == "ID token expired"


def test_a_token_for_another_client_is_refused(issued):
    provider, token = issued
    other = Provider(**{**provider.__dict__, "client_id": "another-client"})
    assert refused(other, token) == "ID token claim refused: aud"


def test_a_token_from_another_issuer_is_refused(issued, identity_provider_factory):
    provider, token = issued
    other_idp = identity_provider_factory()
    other = Provider(**{**provider.__dict__, "issuer": other_idp.issuer})
    # Signed by the first provider's key, which the second one does not publish.
    assert refused(other, token).startswith("ID token refused")


def test_a_wrong_nonce_is_refused(issued):
    provider, token = issued
    assert refused(provider, token, nonce="replayed") == "ID token claim refused: nonce"


def test_garbage_is_refused(issued):
    provider, _token = issued
    assert refused(provider, "not.a.token").startswith("ID token refused")
