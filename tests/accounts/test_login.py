"""Logging in and out: IMAP authentication, the sealed password, cookies, logs."""

from __future__ import annotations

import base64
import logging
import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client

from accounts.credentials import KEY_COOKIE
from mailview.imap.pool import get_pool
from webmail.devmail.dovecot import free_port

pytestmark = pytest.mark.django_db


def post_login(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_page_has_the_django_form_fields(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="username"' in content
    assert 'name="password"' in content
    assert "csrfmiddlewaretoken" in content


def test_login_requires_a_csrf_token(alice, mail_server):
    client = Client(enforce_csrf_checks=True)
    response = post_login(client, alice.username, alice.password)
    assert response.status_code == 403


def test_first_login_creates_the_user_and_lands_on_the_inbox(alice, mail_server):
    client = Client()
    response = post_login(client, alice.username, alice.password)
    assert response.status_code == 302
    user = get_user_model().objects.get(username=alice.username)
    assert not user.has_usable_password()
    assert not user.is_staff
    response = client.get("/mail/", follow=True)
    assert response.redirect_chain[-1][0] == "/mail/INBOX/"
    assert response.status_code == 200


def test_wrong_password_shows_the_form_with_a_clear_message(alice, mail_server, client):
    response = post_login(client, alice.username, "not-the-password")
    assert response.status_code == 200
    assert "Wrong username or password." in response.content.decode()
    assert not get_user_model().objects.filter(username=alice.username).exists()


def test_unknown_user_gets_the_same_message_as_a_wrong_password(mail_server, client):
    response = post_login(client, "nobody-at-all", "whatever")
    assert "Wrong username or password." in response.content.decode()


def test_unreachable_server_is_named_on_the_login_form(alice, settings, client):
    settings.IMAP_HOST, settings.IMAP_PORT, settings.IMAP_SECURITY = (
        "127.0.0.1",
        free_port(),
        "none",
    )
    response = post_login(client, alice.username, alice.password)
    assert response.status_code == 200
    assert "The mail server cannot be reached" in response.content.decode()


def test_tls_failure_is_named_on_the_login_form(alice, mail_server, settings, client):
    settings.IMAP_CA_FILE = None  # the test CA is not trusted any more
    response = post_login(client, alice.username, alice.password)
    assert "secure connection to the mail server could not be established" in (
        response.content.decode()
    )


def test_the_login_connection_is_kept_for_the_first_page(alice, login):
    client = login(alice)
    assert get_pool().opened == 0  # adopted, not opened
    client.get("/mail/INBOX/")
    assert get_pool().opened == 0
    assert alice.dovecot.connection_count(alice.username) == 1


def test_the_password_is_not_stored_in_the_database(alice, login):
    login(alice)
    user = get_user_model().objects.get(username=alice.username)
    assert alice.password not in user.password
    for session in Session.objects.all():
        assert alice.password not in session.session_data
        assert alice.password not in str(session.get_decoded())


def test_the_session_alone_cannot_unseal_the_password(alice, login):
    client = login(alice)
    client.cookies.pop(KEY_COOKIE)
    response = client.get("/mail/INBOX/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_cookies_are_httponly_and_samesite_lax(alice, mail_server, client):
    response = post_login(client, alice.username, alice.password)
    for name in ("sessionid", KEY_COOKIE):
        cookie = response.cookies[name]
        assert cookie["httponly"]
        assert cookie["samesite"] == "Lax"
        assert not cookie["secure"]


def test_cookies_are_secure_over_https(alice, mail_server):
    client = Client()
    response = client.post(
        "/accounts/login/",
        {"username": alice.username, "password": alice.password},
        secure=True,
    )
    assert response.status_code == 302
    assert response.cookies["sessionid"]["secure"]
    assert response.cookies[KEY_COOKIE]["secure"]


def test_the_password_never_reaches_the_logs(alice, login, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("imapclient", "imapclient.imaplib", "mailview", "accounts", "django"):
        caplog.set_level(logging.DEBUG, logger=name)
    client = login(alice)
    client.get("/mail/INBOX/")
    post_login(Client(), alice.username, "a-wrong-password-xyz")
    text = caplog.text
    assert caplog.records  # something was logged at all, so the check is not vacuous
    assert alice.password not in text
    assert "a-wrong-password-xyz" not in text
    plain = base64.b64encode(f"\0{alice.username}\0{alice.password}".encode()).decode()
    assert plain not in text


def test_logout_sends_logout_closes_pooled_connections_and_wipes_the_session(alice, login):
    client = login(alice)
    client.get("/mail/INBOX/")
    assert alice.dovecot.connection_count(alice.username) == 1
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response.cookies[KEY_COOKIE].value == ""
    deadline = time.monotonic() + 5
    while alice.dovecot.connection_count(alice.username) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert alice.dovecot.connection_count(alice.username) == 0
    assert get_pool().connections_of(alice.username) == 0
    assert client.get("/mail/INBOX/").status_code == 302
    assert Session.objects.count() == 0


def test_logout_is_post_only(alice, login):
    client = login(alice)
    assert client.get("/accounts/logout/").status_code == 405
