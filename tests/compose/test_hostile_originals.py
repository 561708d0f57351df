"""Replying to and forwarding hostile originals: a clear message, never an error page."""

from __future__ import annotations

import pytest

from tests.support.compose import folder_messages, start
from tests.support.smtp import point_smtp_at

pytestmark = pytest.mark.django_db

KINDS = ("reply", "reply_all", "forward", "forward_attached", "edit")


def nested_message(depth: int) -> bytes:
    """A message whose multiparts nest ``depth`` levels deep."""
    nested = "Content-Type: text/plain\r\n\r\ninnermost\r\n"
    for level in range(depth):
        b = f"b{level}"
        nested = (
            f'Content-Type: multipart/mixed; boundary="{b}"\r\n\r\n--{b}\r\n{nested}\r\n--{b}--\r\n'
        )
    head = "From: a@example.org\r\nTo: alice@example.org\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
    return (head + nested).encode()


@pytest.mark.parametrize("kind", KINDS)
def test_an_original_nested_thousands_deep_gets_a_clear_message(alice, login, kind):
    uid = alice.append("INBOX", nested_message(3000))
    client = login(alice)
    response = client.get(f"/compose/?kind={kind}&folder=INBOX&uid={uid}")
    assert response.status_code == 400
    assert "nested too deeply to reply to or forward" in response.content.decode()
    # The message itself still opens.
    assert client.get(f"/message/INBOX/{uid}/").status_code == 200


def test_an_original_nested_a_little_is_answered(alice, login):
    uid = alice.append("INBOX", nested_message(20))
    client = login(alice)
    compose_id = start(client, f"kind=reply&folder=INBOX&uid={uid}")
    page = client.get(f"/compose/{compose_id}/").content.decode()
    assert "Re: deep" in page and "innermost" in page


@pytest.mark.parametrize("kind", KINDS)
def test_control_characters_in_the_original_subject_do_not_reach_the_form(alice, login, kind):
    uid = alice.append(
        "INBOX",
        b"From: a@example.org\r\nTo: alice@example.org\r\nSubject: Split\x1chere\x1e\x0bnow\r\n"
        b"\r\nhi\r\n",
    )
    client = login(alice)
    compose_id = start(client, f"kind={kind}&folder=INBOX&uid={uid}")
    page = client.get(f"/compose/{compose_id}/").content.decode()
    assert "Split here now" in page
    # The draft saves (the email package refuses those characters in a header it writes).
    response = client.post(
        f"/compose/{compose_id}/save/",
        {"to": "", "cc": "", "bcc": "", "subject": "Re: Split here now", "text": "t"},
    )
    assert response.status_code == 200, response.content
    [(_uid, _flags, draft)] = folder_messages(alice, "Drafts")
    assert str(draft["Subject"]) == "Re: Split here now"


@pytest.mark.parametrize("char", ["\x1c", "\x1d", "\x1e"])
def test_a_subject_the_email_package_refuses_is_a_clear_message(
    alice, bob, login, settings, smtp_server_factory, char
):
    point_smtp_at(settings, smtp_server_factory())
    client = login(alice)
    compose_id = start(client)
    fields = {"to": bob.address, "subject": f"a{char}b", "text": "keep me", "format": "text"}
    response = client.post(f"/compose/{compose_id}/send/", fields)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Line breaks are not allowed in the Subject field." in page
    assert "keep me" in page
    saved = client.post(f"/compose/{compose_id}/save/", fields)
    assert saved.status_code == 400
    assert "Line breaks are not allowed" in saved.json()["error"]
    assert folder_messages(bob, "INBOX") == []
