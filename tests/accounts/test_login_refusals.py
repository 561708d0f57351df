"""A login the server refuses for another reason than the password says why and is never
counted as a failed attempt (RFC 5530 codes, from real Dovecot instances made to send them)."""

from __future__ import annotations

import contextlib
import shutil
import uuid

import pytest
from axes.models import AccessAttempt
from django.test import Client

from accounts.models import AuditEvent
from tests.support.dovecot import make_dovecot_root
from tests.support.servers import point_at
from tests.support.waiting import wait_until

pytestmark = pytest.mark.django_db

LIMIT_MESSAGE = "Too many connections to your mailbox are open"
UNAVAILABLE_MESSAGE = "The mail server cannot check passwords at the moment"


def post_login(username: str, password: str):
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return client, response


@pytest.fixture
def limit(settings) -> int:
    settings.WEBMAIL_LOGIN_FAILURE_LIMIT = 2
    settings.WEBMAIL_LOGIN_ADDRESS_FAILURE_LIMIT = 3
    return 2


@pytest.fixture
def one_connection_each(dovecot_factory, settings):
    """A Dovecot that allows one connection per user and address: it answers NO [LIMIT]."""
    server = dovecot_factory(extra_config="mail_max_userip_connections = 1\n")
    point_at(settings, server)
    return server


@pytest.fixture
def checkpassword_down(dovecot_factory, settings):
    """A Dovecot whose second passdb (checkpassword) fails: NO [UNAVAILABLE] for its users."""
    scripts = make_dovecot_root("webmail-checkpassword-")
    script = scripts / "checkpassword"
    script.write_text("#!/bin/sh\n# checkpassword's exit code for a temporary problem\nexit 111\n")
    script.chmod(0o755)
    config = f"passdb {{\n  driver = checkpassword\n  args = {script}\n}}\n"
    server = dovecot_factory(extra_config=config)
    point_at(settings, server)
    yield server
    shutil.rmtree(scripts, ignore_errors=True)


def test_too_many_connections_is_not_a_wrong_password(one_connection_each, limit):
    username, password = f"carol-{uuid.uuid4().hex[:8]}", "carol-password"
    one_connection_each.add_user(username, password)
    other_app = one_connection_each.client(username, password)  # e.g. a phone's mail app
    for _ in range(limit + 3):
        client, response = post_login(username, password)
        page = response.content.decode()
        assert response.status_code == 200
        assert LIMIT_MESSAGE in page and "Wrong username or password" not in page
        assert client.get("/mail/INBOX/").status_code == 302
    # Never counted: no failed login, no throttling, the audit log says why.
    assert not AuditEvent.objects.filter(event=AuditEvent.LOGIN_FAILED).exists()
    assert not AuditEvent.objects.filter(event=AuditEvent.LOGIN_THROTTLED).exists()
    assert not AccessAttempt.objects.exists()
    refused = AuditEvent.objects.filter(event=AuditEvent.LOGIN_REFUSED, login=username)
    assert refused.count() == limit + 3 and "[LIMIT]" in refused.first().details["reason"]
    with contextlib.suppress(Exception):
        other_app.logout()
    assert wait_until(lambda: one_connection_each.connection_count(username) == 0)
    client, response = post_login(username, password)
    assert response.status_code == 302
    assert client.get("/mail/INBOX/").status_code == 200


def test_a_wrong_password_on_that_server_is_still_a_wrong_password(one_connection_each):
    username = f"dave-{uuid.uuid4().hex[:8]}"
    one_connection_each.add_user(username, "dave-password")
    _client, response = post_login(username, "not-it")
    assert "Wrong username or password." in response.content.decode()
    assert AuditEvent.objects.filter(event=AuditEvent.LOGIN_FAILED, login=username).exists()


def test_a_temporary_authentication_failure_is_not_a_wrong_password(checkpassword_down, limit):
    username = f"erin-{uuid.uuid4().hex[:8]}"  # not in the passwd-file: checkpassword is asked
    for _ in range(limit + 3):
        client, response = post_login(username, "erin-password")
        page = response.content.decode()
        assert response.status_code == 200
        assert UNAVAILABLE_MESSAGE in page and "Wrong username or password" not in page
        assert client.get("/mail/INBOX/").status_code == 302
    assert not AuditEvent.objects.filter(event=AuditEvent.LOGIN_FAILED).exists()
    assert not AccessAttempt.objects.exists()
    # The address is not locked either: a user of the first passdb logs in from it.
    checkpassword_down.add_user("frank-ok", "frank-password")
    assert post_login("frank-ok", "frank-password")[1].status_code == 302
