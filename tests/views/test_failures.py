"""A real server misbehaving: stopped, restarted, closing connections, going silent.

Whatever happens, the user gets a clear page or form message, never a 500.
"""

from __future__ import annotations

import socket
import time

import pytest
from django.test import Client

from mailview.imap.pool import get_pool
from tests.support.processes import frozen, imap_pids
from tests.support.servers import point_at
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def carol(private_dovecot, settings):
    """A user on a Dovecot of her own, which tests may stop and restart."""
    point_at(settings, private_dovecot)
    private_dovecot.add_user("carol", "carol-pw")
    private_dovecot.append("carol", "carol-pw", "INBOX", make_message(subject="hello carol"))
    client = Client()
    response = client.post("/accounts/login/", {"username": "carol", "password": "carol-pw"})
    assert response.status_code == 302
    return client


def test_server_stopped_mid_session_shows_a_clear_page(carol, private_dovecot):
    assert carol.get("/mail/INBOX/").status_code == 200
    private_dovecot.stop()
    response = carol.get("/mail/INBOX/")
    assert response.status_code == 503
    assert "The mail server cannot be reached" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_server_restarted_mid_session_is_reconnected_transparently(carol, private_dovecot):
    assert carol.get("/mail/INBOX/").status_code == 200
    private_dovecot.restart()
    response = carol.get("/mail/INBOX/")
    assert response.status_code == 200
    assert "hello carol" in response.content.decode()


def test_connection_closed_by_the_server_is_reconnected_transparently(carol, private_dovecot):
    assert carol.get("/mail/INBOX/").status_code == 200
    opened = get_pool().opened
    private_dovecot.kick("carol")
    response = carol.get("/mail/INBOX/")
    assert response.status_code == 200
    assert "hello carol" in response.content.decode()
    assert get_pool().opened == opened + 1


@pytest.fixture
def short_timeout(settings):
    settings.WEBMAIL_IMAP_TIMEOUT = 1.0


def test_silent_server_fails_the_request_after_the_timeout_and_frees_the_connection(
    short_timeout, carol, private_dovecot
):
    assert carol.get("/mail/INBOX/").status_code == 200
    pids = imap_pids(private_dovecot, "carol")
    with frozen(pids):
        started = time.monotonic()
        response = carol.get("/mail/INBOX/")
        elapsed = time.monotonic() - started
        assert response.status_code == 504
        assert "did not answer in time" in response.content.decode()
        assert elapsed < 5
        assert get_pool().connections_of("carol") == 0  # nothing stuck in the pool
    response = carol.get("/mail/INBOX/")
    assert response.status_code == 200


def test_login_to_a_server_that_never_answers_fails_with_a_clear_message(alice, settings):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        settings.IMAP_HOST, settings.IMAP_PORT = "127.0.0.1", silent.getsockname()[1]
        settings.IMAP_SECURITY = "none"
        settings.WEBMAIL_IMAP_TIMEOUT = 0.5
        response = Client().post(
            "/accounts/login/", {"username": alice.username, "password": alice.password}
        )
        assert response.status_code == 200
        assert "The mail server did not answer in time" in response.content.decode()
    finally:
        silent.close()


def test_a_page_number_that_is_not_a_number_shows_the_first_page(alice, login):
    client = login(alice)
    response = client.get("/mail/INBOX/?page=not-a-number")
    assert response.status_code == 200
    assert "No messages" in response.content.decode()
