"""Drafts: APPEND replacing the previous version, reopening, discarding; nobody else's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.support.compose import folder_messages, start, text_of
from tests.support.dovecot import MailUser


def _save(client: Client, compose_id: str, **fields: str) -> Any:
    data = {"to": "", "subject": "", "text": "", "format": "text"}
    data.update(fields)
    return client.post(f"/compose/{compose_id}/save/", data)


def test_each_save_replaces_the_previous_version(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser
) -> None:
    client = login(alice)
    compose_id = start(client)
    first = _save(client, compose_id, to="half-typed", subject="v1", text="one")
    assert first.status_code == 200 and first.json()["ok"]
    second = _save(client, compose_id, to="bob@example.org", subject="v2", text="two")
    assert second.json()["uid"] != first.json()["uid"]
    [(uid, flags, draft)] = folder_messages(alice, "Drafts")
    assert uid == second.json()["uid"]
    assert {"\\Draft", "\\Seen"} <= flags
    assert str(draft["Subject"]) == "v2" and text_of(draft) == "two\n"


def test_a_save_older_than_one_already_written_changes_nothing(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser
) -> None:
    """Two saves of one page on their way at once (an autosave, the save sent as the tab
    closes) may be handled in either order: the draft and the kept form are the newer one's."""
    client = login(alice)
    compose_id = start(client)
    page = {"save_page": "firstpage1"}
    newer = _save(client, compose_id, subject="s", text="all of it", save_seq="2", **page)
    assert newer.json()["ok"] and "stale" not in newer.json()
    older = _save(client, compose_id, subject="s", text="half", save_seq="1", **page)
    assert older.json() == {"ok": True, "uid": newer.json()["uid"], "stale": True}
    [(_uid, _flags, draft)] = folder_messages(alice, "Drafts")
    assert text_of(draft) == "all of it\n"
    assert "all of it" in client.get(f"/compose/{compose_id}/").content.decode()

    # The same compose opened again (a reload numbers its saves from 1), and saves without a
    # number (the offline outbox): written.
    reloaded = _save(
        client, compose_id, subject="s", text="reloaded", save_page="secondpage", save_seq="1"
    )
    assert "stale" not in reloaded.json()
    unnumbered = _save(client, compose_id, subject="s", text="from the outbox")
    assert "stale" not in unnumbered.json()
    [(_uid, _flags, draft)] = folder_messages(alice, "Drafts")
    assert text_of(draft) == "from the outbox\n"


def test_half_typed_address_is_kept_in_the_draft(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser
) -> None:
    client = login(alice)
    compose_id = start(client)
    uid = _save(client, compose_id, to="bo", cc="", subject="wip", text="x").json()["uid"]
    reopened = start(client, f"draft={uid}")
    page = client.get(f"/compose/{reopened}/").content.decode()
    assert 'value="bo"' in page


def test_reopening_a_draft_continues_it_with_attachments(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser, bob: MailUser
) -> None:
    client = login(alice)
    compose_id = start(client)
    client.post(
        f"/compose/{compose_id}/attachments/",
        {"file": SimpleUploadedFile("notes.txt", b"some notes\n", content_type="text/plain")},
    )
    uid = _save(
        client, compose_id, to=bob.address, bcc="hidden@example.org", subject="Later", text="draft"
    ).json()["uid"]

    reopened = start(client, f"draft={uid}")
    page = client.get(f"/compose/{reopened}/").content.decode()
    assert "Later" in page and "notes.txt" in page and "hidden@example.org" in page
    # Saving the reopened draft replaces the old one (same Message-ID), not adds a second.
    _save(client, reopened, to=bob.address, subject="Later", text="draft, continued")
    [(_uid, _flags, draft)] = folder_messages(alice, "Drafts")
    assert text_of(draft) == "draft, continued\n"
    assert [a.get_filename() for a in draft.iter_attachments()] == ["notes.txt"]

    response = client.post(
        f"/compose/{reopened}/send/",
        {"to": bob.address, "subject": "Later", "text": "final", "format": "text"},
    )
    assert response.status_code == 302
    assert folder_messages(alice, "Drafts") == []
    [(_uid, _flags, received)] = folder_messages(bob, "INBOX")
    assert [a.get_filename() for a in received.iter_attachments()] == ["notes.txt"]


def test_discard_deletes_the_draft(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser
) -> None:
    client = login(alice)
    compose_id = start(client)
    _save(client, compose_id, subject="bin me", text="x")
    assert len(folder_messages(alice, "Drafts")) == 1
    response = client.post(f"/compose/{compose_id}/discard/")
    assert response.status_code == 302
    assert folder_messages(alice, "Drafts") == []
    assert client.get(f"/compose/{compose_id}/").status_code == 404


def test_attachment_over_the_limit_is_refused(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser
) -> None:
    compose_settings.WEBMAIL_MAX_ATTACHMENT_SIZE = 1000
    client = login(alice)
    compose_id = start(client)
    response = client.post(
        f"/compose/{compose_id}/attachments/",
        {"file": SimpleUploadedFile("big.bin", b"x" * 1001)},
    )
    assert response.status_code == 400
    assert "larger than the limit" in response.json()["error"]
    page = client.get(f"/compose/{compose_id}/").content.decode()
    assert "big.bin" not in page
    assert "up to 1000 bytes per file" in page


def test_bob_cannot_reach_alices_compose(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser, bob: MailUser
) -> None:
    alice_client = login(alice)
    compose_id = start(alice_client)
    alice_client.post(
        f"/compose/{compose_id}/attachments/",
        {"file": SimpleUploadedFile("private.txt", b"alice only")},
    )
    attachment_id = alice_client.get(f"/compose/{compose_id}/").context["state"].attachments[0].id
    bob_client = login(bob)
    assert bob_client.get(f"/compose/{compose_id}/").status_code == 404
    assert _save(bob_client, compose_id, subject="hijack").status_code == 404
    response = bob_client.post(
        f"/compose/{compose_id}/send/", {"to": bob.address, "subject": "x", "text": "x"}
    )
    assert response.status_code == 404
    response = bob_client.post(f"/compose/{compose_id}/attachments/{attachment_id}/remove/")
    assert response.status_code == 404
    assert bob_client.post(f"/compose/{compose_id}/discard/").status_code == 404
    # Bob cannot open alice's draft either: draft=<uid> is looked up in his own Drafts.
    uid = _save(alice_client, compose_id, subject="alice's", text="secret").json()["uid"]
    response = bob_client.get(f"/compose/?draft={uid}")
    assert response.status_code == 404
    # Nor reply to alice's message by UID: the UID is looked up in his own mailbox.
    response = bob_client.get(f"/compose/?kind=reply&folder=Drafts&uid={uid}")
    assert response.status_code == 404
    # Alice's compose is intact.
    page = alice_client.get(f"/compose/{compose_id}/").content.decode()
    assert "private.txt" in page


def test_anonymous_is_sent_to_login(compose_settings: Any, client: Client) -> None:
    response = client.get("/compose/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
