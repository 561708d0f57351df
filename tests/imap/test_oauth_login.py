"""Logging in to a real Dovecot with an OAuth 2.0 access token (its oauth2 passdb asks the
development identity provider), with both drivers and both mechanisms."""

from __future__ import annotations

import asyncio

import pytest

from mailview.imap.aioconn import AsyncIMAP
from mailview.imap.bearer import bearer_secret
from mailview.imap.client import IMAPConnection
from mailview.imap.endpoint import Endpoint
from mailview.imap.errors import AuthenticationFailed
from tests.support.dovecot import logged, make_dovecot_root
from tests.support.idp import provider_tokens, register_client, sso_user
from tests.support.waiting import wait_until
from webmail.devmail.dovecot_oauth2 import oauth2_extra_config
from webmail.devmail.factories import make_message

REDIRECT = "http://127.0.0.1:9/sso/callback/"


def starttls(dovecot) -> Endpoint:
    return Endpoint(dovecot.host, dovecot.imap_port, "starttls", str(dovecot.ca_file))


@pytest.fixture
def client(identity_provider):
    return register_client(identity_provider, REDIRECT)


def token_of(identity_provider, user, client) -> str:
    return provider_tokens(identity_provider, user, client)["access_token"]


def test_the_access_token_opens_the_mailbox_with_oauthbearer(
    identity_provider, oauth_dovecot, sso_user_factory, client
):
    alice = sso_user_factory("alice")
    alice.mail.append("INBOX", make_message(subject="Hello SSO"))
    secret = bearer_secret(token_of(identity_provider, alice, client))
    conn = IMAPConnection.open(starttls(oauth_dovecot), alice.login, secret, 10)
    try:
        assert "AUTH=OAUTHBEARER" not in conn.capabilities  # now logged in
        assert conn.select("INBOX").exists == 1
    finally:
        conn.logout()
    assert logged(oauth_dovecot, "method=OAUTHBEARER")


def test_xoauth2_is_used_when_it_is_the_only_mechanism_offered(
    identity_provider, dovecot_factory, client
):
    root = make_dovecot_root()
    identity_provider.add_client("dovecot-x", "x-secret")
    server = dovecot_factory(
        extra_config=oauth2_extra_config(
            root / "oauth2",
            identity_provider.introspection_url,
            "dovecot-x",
            "x-secret",
            mechanisms=("XOAUTH2",),
        )
    )
    alice = sso_user(identity_provider, server)
    secret = bearer_secret(token_of(identity_provider, alice, client))
    IMAPConnection.open(starttls(server), alice.login, secret, 10).logout()
    assert logged(server, f"user=<{alice.login}>, method=XOAUTH2")


def test_bobs_token_never_opens_alices_mailbox(
    identity_provider, oauth_dovecot, sso_user_factory, client
):
    alice, bob = sso_user_factory("alice"), sso_user_factory("bob")
    bobs = bearer_secret(token_of(identity_provider, bob, client))
    with pytest.raises(AuthenticationFailed):
        IMAPConnection.open(starttls(oauth_dovecot), alice.login, bobs, 10)
    IMAPConnection.open(starttls(oauth_dovecot), bob.login, bobs, 10).logout()


def test_a_made_up_token_is_refused(oauth_dovecot, sso_user_factory):
    alice = sso_user_factory("alice")
    with pytest.raises(AuthenticationFailed):
        IMAPConnection.open(starttls(oauth_dovecot), alice.login, bearer_secret("made-up"), 10)


def test_a_revoked_token_is_refused(identity_provider, oauth_dovecot, sso_user_factory, client):
    alice = sso_user_factory("alice")
    secret = bearer_secret(token_of(identity_provider, alice, client))
    identity_provider.revoke_user(alice.login)
    with pytest.raises(AuthenticationFailed):
        IMAPConnection.open(starttls(oauth_dovecot), alice.login, secret, 10)


def test_an_expired_token_is_refused(identity_provider_factory, dovecot_factory):
    from tests.support.idp import oauth_dovecot_for

    idp = identity_provider_factory(access_seconds=2)
    server = oauth_dovecot_for(idp, make_dovecot_root())
    server.start()
    try:
        alice = sso_user(idp, server)
        secret = bearer_secret(token_of(idp, alice, register_client(idp, REDIRECT)))
        IMAPConnection.open(starttls(server), alice.login, secret, 10).logout()

        def refused() -> bool:
            try:
                IMAPConnection.open(starttls(server), alice.login, secret, 10).logout()
            except AuthenticationFailed:
                return True
            return False

        assert wait_until(refused, timeout=30)
    finally:
        server.stop()


def test_the_watchers_driver_logs_in_with_the_token_too(
    identity_provider, oauth_dovecot, sso_user_factory, client
):
    alice, bob = sso_user_factory("alice"), sso_user_factory("bob")
    secret = bearer_secret(token_of(identity_provider, alice, client))

    async def run() -> None:
        conn = await AsyncIMAP.open(starttls(oauth_dovecot), alice.login, secret, 10)
        assert conn.has("IDLE")
        await conn.logout()
        with pytest.raises(AuthenticationFailed):
            await AsyncIMAP.open(starttls(oauth_dovecot), bob.login, secret, 10)

    asyncio.run(run())
