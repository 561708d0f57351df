"""Pytest fixtures for Sieve: a Dovecot with Pigeonhole (load with ``pytest_plugins``).

- ``sieve_stack`` (session): a Dovecot of its own with the sieve plugin on LMTP delivery and
  ManageSieve (STARTTLS) on a loopback port, the SMTP submission server delivering into it,
  and the relay that receives what Sieve sends (redirects, vacation replies).
- ``sieve_user_factory``, ``sieve_alice``, ``sieve_bob``: fresh users on that Dovecot.
- ``sieve_settings``: the app's default IMAP, SMTP and ManageSieve servers are the stack's.
- ``sieve_login``: log a user of the stack in through the login form; their own test client.
- ``rule_post(name, **fields)``: the POST data of the rule form (subject contains "invoice" →
  flag, unless overridden); ``submit(...)``: send mail through the stack's SMTP server.
"""

from __future__ import annotations

import secrets
import shutil
import smtplib
import ssl
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING

import pytest
from django.test import Client

from mailview.imap.endpoint import Endpoint
from mailview.sieve.client import ManageSieve
from tests.support.dovecot import MailUser, make_dovecot_root
from tests.support.servers import point_at
from tests.support.smtp import point_smtp_at
from webmail.devmail.dovecot import Dovecot
from webmail.devmail.factories import message_bytes
from webmail.devmail.sieve import Relay, sieve_dovecot, wait_for_managesieve
from webmail.devmail.smtp import SubmissionServer

if TYPE_CHECKING:
    from pytest_django.fixtures import Settings


@dataclass
class SieveStack:
    dovecot: Dovecot
    managesieve_port: int
    relay: Relay
    smtp: SubmissionServer

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(
            self.dovecot.host, self.managesieve_port, "starttls", str(self.dovecot.ca_file)
        )

    def connect(self, user: MailUser) -> ManageSieve:
        return ManageSieve.open(self.endpoint, user.username, user.password)


@pytest.fixture(scope="session")
def sieve_stack() -> Iterator[SieveStack]:
    root = make_dovecot_root("webmail-sieve-")
    relay = Relay()
    made = sieve_dovecot(root, relay_port=relay.port)
    smtp = SubmissionServer.for_dovecot(made.dovecot, security="starttls")
    try:
        made.dovecot.start()
        wait_for_managesieve(made.dovecot.host, made.managesieve_port)
        relay.attach(made.dovecot)
        relay.start()
        smtp.start()
        yield SieveStack(made.dovecot, made.managesieve_port, relay, smtp)
    finally:
        smtp.stop()
        relay.stop()
        made.dovecot.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def sieve_user_factory(sieve_stack: SieveStack) -> Iterator[Callable[[str], MailUser]]:
    users: list[MailUser] = []

    def make(prefix: str = "alice") -> MailUser:
        user = MailUser(
            username=f"{prefix}-{uuid.uuid4().hex[:8]}",
            password=secrets.token_urlsafe(12),
            dovecot=sieve_stack.dovecot,
        )
        sieve_stack.dovecot.add_user(user.username, user.password)
        users.append(user)
        return user

    yield make
    for user in users:
        user.close()


@pytest.fixture
def sieve_alice(sieve_user_factory: Callable[[str], MailUser]) -> MailUser:
    return sieve_user_factory("alice")


@pytest.fixture
def sieve_bob(sieve_user_factory: Callable[[str], MailUser]) -> MailUser:
    return sieve_user_factory("bob")


@pytest.fixture
def sieve_settings(sieve_stack: SieveStack, settings: Settings) -> SieveStack:
    """The app's default servers (IMAP, SMTP, ManageSieve) are the Sieve stack's."""
    point_at(settings, sieve_stack.dovecot)
    point_smtp_at(settings, sieve_stack.smtp)
    settings.SIEVE_HOST = sieve_stack.dovecot.host
    settings.SIEVE_PORT = sieve_stack.managesieve_port
    settings.SIEVE_SECURITY = "starttls"
    settings.SIEVE_CA_FILE = str(sieve_stack.dovecot.ca_file)
    settings.WEBMAIL_DEFAULT_DOMAIN = "example.org"
    return sieve_stack


def submit(stack: SieveStack, sender: MailUser, recipients: list[str], msg: EmailMessage) -> None:
    """Send ``msg`` through the stack's SMTP submission server as ``sender`` (STARTTLS, AUTH):
    it is delivered by LMTP, so the recipients' active Sieve scripts run on it."""
    context = ssl.create_default_context(cafile=str(stack.dovecot.ca_file))
    with smtplib.SMTP(stack.smtp.host, stack.smtp.port, timeout=30) as smtp:
        smtp.starttls(context=context)
        smtp.login(sender.username, sender.password)
        smtp.sendmail(sender.address, recipients, message_bytes(msg))


@pytest.fixture
def sieve_login(sieve_settings: SieveStack, db: None) -> Callable[[MailUser], Client]:
    def login(user: MailUser) -> Client:
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": user.username, "password": user.password}
        )
        assert response.status_code == 302, response.content[:2000]
        return client

    return login


def rule_post(name: str, **extra: str) -> dict[str, str]:
    data = {
        "name": name,
        "enabled": "on",
        "match_all": "1",
        "cond_field_0": "subject",
        "cond_match_0": "contains",
        "cond_value_0": "invoice",
        "act_kind_0": "flag",
    }
    data.update(extra)
    return data
