"""The devmail SMTP submission server: AUTH against Dovecot, delivery by LMTP, its refusals."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from tests.support.dovecot import MailUser
from webmail.devmail.smtp import SubmissionServer


def _message(sender: MailUser, to: MailUser, subject: str, size: int = 10) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender.address
    msg["To"] = to.address
    msg["Subject"] = subject
    msg.set_content("x" * size)
    return msg


def _connect(server: SubmissionServer) -> smtplib.SMTP:
    context = ssl.create_default_context(cafile=str(server.ca_file)) if server.ca_file else None
    if server.security == "ssl":
        return smtplib.SMTP_SSL(server.host, server.port, context=context, timeout=30)
    client = smtplib.SMTP(server.host, server.port, timeout=30)
    if server.security == "starttls":
        client.starttls(context=context)
    return client


def _inbox_subjects(user: MailUser) -> list[str]:
    client = user.client()
    client.select_folder("INBOX")
    uids = client.search("ALL")
    data = client.fetch(uids, ["BODY.PEEK[HEADER]"]) if uids else {}
    return [
        str(message_from_bytes(d[b"BODY[HEADER]"], policy=policy.default)["Subject"])
        for d in data.values()
    ]


@pytest.mark.parametrize("security", ["starttls", "ssl", "none"])
def test_delivers_into_the_recipients_inbox(
    smtp_server_factory: Callable[..., SubmissionServer],
    alice: MailUser,
    bob: MailUser,
    security: str,
) -> None:
    server = smtp_server_factory(security=security)
    with _connect(server) as client:
        client.login(alice.username, alice.password)
        refused = client.send_message(_message(alice, bob, f"over {security}"))
    assert refused == {}
    assert _inbox_subjects(bob) == [f"over {security}"]


def test_starttls_server_refuses_auth_before_tls(smtp_server: SubmissionServer, alice: MailUser):
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=30) as client:
        with pytest.raises(smtplib.SMTPException):
            client.login(alice.username, alice.password)


def test_wrong_password_is_refused(smtp_server: SubmissionServer, alice: MailUser) -> None:
    with _connect(smtp_server) as client:
        with pytest.raises(smtplib.SMTPAuthenticationError):
            client.login(alice.username, "not-the-password")


def test_sending_without_auth_is_refused(
    smtp_server: SubmissionServer, alice: MailUser, bob: MailUser
) -> None:
    with _connect(smtp_server) as client:
        with pytest.raises(smtplib.SMTPSenderRefused):
            client.send_message(_message(alice, bob, "no auth"))
    assert _inbox_subjects(bob) == []


def test_unknown_recipient_is_refused(smtp_server: SubmissionServer, alice: MailUser) -> None:
    with _connect(smtp_server) as client:
        client.login(alice.username, alice.password)
        msg = _message(alice, alice, "lost")
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.send_message(msg, to_addrs=["nobody-here@example.org"])
    code, _reply = refused.value.recipients["nobody-here@example.org"]
    assert code == 550


def test_message_over_the_size_limit_is_refused(
    smtp_server_factory: Callable[..., SubmissionServer], alice: MailUser, bob: MailUser
) -> None:
    server = smtp_server_factory(max_size=50_000)
    with _connect(server) as client:
        client.login(alice.username, alice.password)
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            client.send_message(_message(alice, bob, "big", size=60_000))
    assert refused.value.smtp_code == 552
    assert _inbox_subjects(bob) == []
