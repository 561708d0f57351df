"""The development OpenID Connect provider, as a relying party and Dovecot see it."""

from __future__ import annotations

import time

import httpx
import pytest
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from tests.support.idp import provider_tokens, register_client
from tests.support.waiting import wait_until

REDIRECT = "http://127.0.0.1:9/sso/callback/"


def introspect(idp, client, token: str) -> dict:
    answer = httpx.post(
        idp.introspection_url, data={"token": token}, auth=(client.client_id, client.client_secret)
    )
    answer.raise_for_status()
    return answer.json()


def test_discovery_names_the_issuer_keys_and_endpoints(identity_provider):
    found = identity_provider.discovery()
    assert found["issuer"] == identity_provider.issuer
    assert found["end_session_endpoint"] == f"{identity_provider.issuer}/logout/"
    assert "S256" in found["code_challenge_methods_supported"]
    assert "RS256" in found["id_token_signing_alg_values_supported"]
    keys = httpx.get(found["jwks_uri"]).json()["keys"]
    assert [key["kty"] for key in keys] == ["RSA"]


def test_code_flow_with_pkce_gives_a_signed_id_token_with_the_mail_claims(
    identity_provider, sso_user_factory
):
    alice = sso_user_factory("alice")
    client = register_client(identity_provider, REDIRECT)
    tokens = provider_tokens(identity_provider, alice, client)
    assert {"access_token", "refresh_token", "id_token"} <= tokens.keys()
    keys = KeySet.import_key_set(httpx.get(identity_provider.discovery()["jwks_uri"]).json())
    claims = jwt.decode(tokens["id_token"], keys, algorithms=["RS256"]).claims
    assert claims["iss"] == identity_provider.issuer
    assert claims["aud"] == client.client_id
    assert claims["nonce"] == "nonce"
    assert claims["email"] == alice.login
    assert claims["exp"] > time.time()


def test_an_id_token_signed_by_another_key_does_not_verify(identity_provider, sso_user_factory):
    alice = sso_user_factory("alice")
    tokens = provider_tokens(identity_provider, alice, register_client(identity_provider, REDIRECT))
    header, payload, _signature = tokens["id_token"].split(".")
    forged = f"{header}.{payload}.{'A' * 342}"
    keys = KeySet.import_key_set(httpx.get(identity_provider.discovery()["jwks_uri"]).json())
    with pytest.raises(BadSignatureError):
        jwt.decode(forged, keys, algorithms=["RS256"])


def test_authorization_without_pkce_is_refused(identity_provider):
    client = register_client(identity_provider, REDIRECT)
    answer = httpx.get(
        f"{identity_provider.issuer}/authorize/",
        params={
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": REDIRECT,
            "scope": "openid",
        },
    )
    # The provider asks for a login first; after it, the missing challenge is an error.
    assert answer.status_code in (302, 400)
    assert "code=" not in answer.headers.get("location", "")


def test_refresh_gives_a_new_access_token_and_introspection_tells_the_username(
    identity_provider, sso_user_factory
):
    alice = sso_user_factory("alice")
    client = register_client(identity_provider, REDIRECT)
    tokens = provider_tokens(identity_provider, alice, client)
    assert introspect(identity_provider, client, tokens["access_token"])["username"] == alice.login
    refreshed = httpx.post(
        f"{identity_provider.issuer}/token/",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(client.client_id, client.client_secret),
    ).json()
    assert refreshed["access_token"] != tokens["access_token"]
    assert introspect(identity_provider, client, refreshed["access_token"])["active"] is True
    assert introspect(identity_provider, client, "not-a-token") == {"active": False}


def test_a_revoked_user_can_no_longer_refresh(identity_provider, sso_user_factory):
    alice = sso_user_factory("alice")
    client = register_client(identity_provider, REDIRECT)
    tokens = provider_tokens(identity_provider, alice, client)
    assert identity_provider.revoke_user(alice.login) == 1
    answer = httpx.post(
        f"{identity_provider.issuer}/token/",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(client.client_id, client.client_secret),
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"
    assert introspect(identity_provider, client, tokens["access_token"]) == {"active": False}


def test_short_lifetimes_expire_the_access_token(identity_provider_factory, oauth_dovecot):
    from tests.support.idp import sso_user

    idp = identity_provider_factory(access_seconds=2)
    alice = sso_user(idp, oauth_dovecot)
    client = register_client(idp, REDIRECT)
    tokens = provider_tokens(idp, alice, client)
    assert tokens["expires_in"] <= 2
    assert introspect(idp, client, tokens["access_token"])["active"] is True
    assert wait_until(
        lambda: introspect(idp, client, tokens["access_token"]) == {"active": False}, timeout=30
    )
