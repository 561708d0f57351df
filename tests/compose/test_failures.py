"""SMTP failures, invalid input and header injection: a clear message, the draft kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.support.compose import folder_messages, start, text_of
from tests.support.dovecot import MailUser
from tests.support.smtp import point_smtp_at
from webmail.devmail.smtp import SubmissionServer


def _send(client: Client, compose_id: str, **fields: str) -> Any:
    data = {"to": "", "cc": "", "bcc": "", "subject": "s", "text": "body", "format": "text"}
    data.update(fields)
    return client.post(f"/compose/{compose_id}/send/", data)


def _assert_kept_as_draft(user: MailUser, subject: str, text: str) -> None:
    [(_uid, flags, draft)] = folder_messages(user, "Drafts")
    assert "\\Draft" in flags
    assert str(draft["Subject"]) == subject
    assert text_of(draft).rstrip("\n") == text


def test_server_down_keeps_the_draft(
    compose_settings: Any,
    settings: Any,
    smtp_server_factory: Callable[..., SubmissionServer],
    login: Callable[..., Client],
    alice: MailUser,
    bob: MailUser,
) -> None:
    server = smtp_server_factory()
    point_smtp_at(settings, server)
    server.stop()
    client = login(alice)
    compose_id = start(client)
    response = _send(client, compose_id, to=bob.address, subject="Down", text="Keep me")
    assert response.status_code == 503
    page = response.content.decode()
    assert "outgoing mail server cannot be reached" in page
    assert "kept in Drafts" in page
    assert "Keep me" in page  # the form still holds everything
    _assert_kept_as_draft(alice, "Down", "Keep me")
    assert folder_messages(bob, "INBOX") == []

    # The server comes back: sending the same compose now works and removes the draft.
    server.start()
    response = _send(client, compose_id, to=bob.address, subject="Down", text="Keep me")
    assert response.status_code == 302
    assert len(folder_messages(bob, "INBOX")) == 1
    assert folder_messages(alice, "Drafts") == []


def test_refused_recipient_keeps_the_draft_and_sends_to_nobody(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser, bob: MailUser
) -> None:
    client = login(alice)
    compose_id = start(client)
    response = _send(
        client,
        compose_id,
        to=f"{bob.address}, nobody-at-all@example.org",
        subject="Refused",
        text="Partly wrong",
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "refused" in page and "nobody-at-all@example.org" in page and "Nothing was sent" in page
    _assert_kept_as_draft(alice, "Refused", "Partly wrong")
    assert folder_messages(bob, "INBOX") == []


def test_authentication_failure_keeps_the_draft(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser, bob: MailUser
) -> None:
    client = login(alice)
    compose_id = start(client)
    client.get(f"/compose/{compose_id}/")  # the IMAP connection is pooled with the old password
    alice.dovecot.add_user(alice.username, "a-new-password")  # the SMTP AUTH now fails
    response = _send(client, compose_id, to=bob.address, subject="Auth", text="Mine")
    assert response.status_code == 401
    assert "did not accept your password" in response.content.decode()
    # The pooled IMAP connection (opened with the old password) still saved the draft.
    alice.password = "a-new-password"
    _assert_kept_as_draft(alice, "Auth", "Mine")
    assert folder_messages(bob, "INBOX") == []


def test_message_too_big_keeps_the_draft(
    compose_settings: Any,
    settings: Any,
    smtp_server_factory: Callable[..., SubmissionServer],
    login: Callable[..., Client],
    alice: MailUser,
    bob: MailUser,
) -> None:
    point_smtp_at(settings, smtp_server_factory(max_size=20_000))
    client = login(alice)
    compose_id = start(client)
    text = "long line of text " * 2000
    response = _send(client, compose_id, to=bob.address, subject="Big", text=text)
    assert response.status_code == 413
    assert "too big for the outgoing mail server" in response.content.decode()
    _assert_kept_as_draft(alice, "Big", text)
    assert folder_messages(bob, "INBOX") == []


@pytest.mark.parametrize("field", ["subject", "to", "cc", "bcc"])
def test_line_break_in_a_header_field_is_rejected(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser, bob: MailUser, field: str
) -> None:
    client = login(alice)
    compose_id = start(client)
    fields = {"to": bob.address, "subject": "Hi"}
    fields[field] = fields.get(field, bob.address) + "\r\nBcc: victim@example.org"
    response = _send(client, compose_id, **fields)
    assert response.status_code == 400
    assert "Line breaks are not allowed" in response.content.decode()
    assert folder_messages(bob, "INBOX") == []


def test_injected_line_break_in_autosave_is_refused(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser
) -> None:
    client = login(alice)
    compose_id = start(client)
    response = client.post(
        f"/compose/{compose_id}/save/", {"subject": "x\nBcc: victim@example.org", "text": "t"}
    )
    assert response.status_code == 400
    assert "Line breaks are not allowed" in response.json()["error"]
    assert folder_messages(alice, "Drafts") == []


@pytest.mark.parametrize("address", ["bob", "bob@", "a b@example.org", "x <y>", "bob@exa mple.org"])
def test_invalid_address_is_named_and_nothing_is_lost(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser, address: str
) -> None:
    client = login(alice)
    compose_id = start(client)
    response = _send(client, compose_id, to=address, subject="Typo", text="Precious words")
    assert response.status_code == 400
    page = response.content.decode()
    assert "is not a valid email address" in page
    assert "Precious words" in page
    _assert_kept_as_draft(alice, "Typo", "Precious words")


def test_no_recipient_is_a_clear_message(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser
) -> None:
    client = login(alice)
    compose_id = start(client)
    response = _send(client, compose_id, subject="Nobody")
    assert response.status_code == 400
    assert "Add at least one recipient" in response.content.decode()
