"""SMTP submission with an OAuth 2.0 access token: our client (compose/smtp.py) against the
devmail server, which checks the token through Dovecot's oauth2 passdb."""

from __future__ import annotations

import base64
import smtplib
import ssl

import pytest

from accounts.servers import MailServer
from mailview.compose.errors import SMTPAuthFailed
from mailview.compose.smtp import submit
from mailview.imap.bearer import bearer_secret
from mailview.imap.protocol import sasl
from tests.support.idp import provider_tokens, register_client
from tests.support.waiting import wait_until
from webmail.devmail.factories import make_message

REDIRECT = "http://127.0.0.1:9/sso/callback/"


@pytest.fixture
def oauth_smtp(smtp_server_factory, oauth_dovecot):
    return smtp_server_factory(dovecot_instance=oauth_dovecot, security="starttls")


def endpoint(server) -> MailServer:
    return MailServer(server.host, server.port, server.security, str(server.ca_file))


def inbox_count(user) -> int:
    client = user.mail.client()
    return int(client.select_folder("INBOX", readonly=True)[b"EXISTS"])


@pytest.fixture
def tokens(identity_provider):
    client = register_client(identity_provider, REDIRECT)
    return lambda user: provider_tokens(identity_provider, user, client)["access_token"]


def test_a_message_is_sent_with_the_access_token(oauth_smtp, sso_user_factory, tokens, db):
    alice, bob = sso_user_factory("alice"), sso_user_factory("bob")
    data = make_message(sender=alice.address, to=[bob.address], subject="via SSO").as_bytes()
    submit(
        endpoint(oauth_smtp),
        alice.login,
        bearer_secret(tokens(alice)),
        alice.address,
        [bob.address],
        data,
    )
    assert wait_until(lambda: inbox_count(bob) == 1)
    assert inbox_count(alice) == 0


def test_bobs_token_does_not_send_as_alice(oauth_smtp, sso_user_factory, tokens, db):
    alice, bob = sso_user_factory("alice"), sso_user_factory("bob")
    data = make_message(sender=alice.address, to=[bob.address], subject="forged").as_bytes()
    with pytest.raises(SMTPAuthFailed):
        submit(
            endpoint(oauth_smtp),
            alice.login,
            bearer_secret(tokens(bob)),
            alice.address,
            [bob.address],
            data,
        )
    assert inbox_count(bob) == 0


def test_a_made_up_token_is_refused(oauth_smtp, sso_user_factory, db):
    alice = sso_user_factory("alice")
    with pytest.raises(SMTPAuthFailed):
        submit(
            endpoint(oauth_smtp),
            alice.login,
            bearer_secret("made-up"),
            alice.address,
            [alice.address],
            make_message().as_bytes(),
        )


@pytest.mark.parametrize("mechanism", ["XOAUTH2", "OAUTHBEARER"])
def test_the_server_takes_both_mechanisms_with_or_without_initial_response(
    oauth_smtp, sso_user_factory, tokens, mechanism
):
    alice = sso_user_factory("alice")
    message = base64.b64encode(sasl.oauth_message(mechanism, alice.login, tokens(alice)))
    context = ssl.create_default_context(cafile=str(oauth_smtp.ca_file))
    with smtplib.SMTP(oauth_smtp.host, oauth_smtp.port, timeout=30) as client:
        client.starttls(context=context)
        client.ehlo()
        assert mechanism in client.esmtp_features["auth"].split()
        code, _ = client.docmd("AUTH", mechanism)
        assert code == 334
        code, _ = client.docmd(message.decode())
        assert code == 235
    with smtplib.SMTP(oauth_smtp.host, oauth_smtp.port, timeout=30) as client:
        client.starttls(context=context)
        client.ehlo()
        code, _ = client.docmd("AUTH", f"{mechanism} {message.decode()}")
        assert code == 235
