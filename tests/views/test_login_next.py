"""The login form's `next`: a page the user reads is kept; a script's address (the live poll,
autosave, autocomplete, a preview fragment), another host or an unknown path is not."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from mailview.views.account import page_to_return_to
from tests.support.dovecot import MailUser
from webmail.devmail.factories import make_message


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/mail/Receipts/?page=2", "/mail/Receipts/?page=2"),
        ("/message/INBOX/7/", "/message/INBOX/7/"),
        ("/updates/INBOX/?since=4&uids=1,2", ""),
        ("/message/INBOX/7/?pane=1", ""),
        ("/contacts/autocomplete/?q=bo", ""),
        ("/compose/0123456789abcdef0123456789abcdef/save/", ""),
        ("/no/such/page/", ""),
        ("https://elsewhere.example/", ""),
    ],
)
def test_only_pages_are_returned_to(next_url: str, expected: str) -> None:
    assert page_to_return_to(next_url) == expected


def test_login_with_a_poll_as_next_lands_on_the_inbox(
    login: Callable[[MailUser], Client], mail_server: object, alice: MailUser
) -> None:
    client = Client()
    response = client.post(
        "/accounts/login/?next=/updates/INBOX/%3Fsince%3D1",
        {"username": alice.username, "password": alice.password, "next": "/updates/INBOX/?since=1"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/mail/"  # LOGIN_REDIRECT_URL: the inbox


def test_login_keeps_a_page_as_next_and_it_shows_only_the_users_own_mail(
    login: Callable[[MailUser], Client], mail_server: object, alice: MailUser, bob: MailUser
) -> None:
    uid = alice.append("INBOX", make_message(subject="alice private"))
    client = Client()
    response = client.post(
        "/accounts/login/",
        {"username": bob.username, "password": bob.password, "next": f"/message/INBOX/{uid}/"},
    )
    assert response["Location"] == f"/message/INBOX/{uid}/"
    page = client.get(response["Location"])
    assert b"alice private" not in page.content
