"""The compose views' questions and draft rule without JavaScript, and the removable list of
addresses written to: each user reaches only their own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client

from accounts.models import RecentAddress
from tests.support.compose import folder_messages, start
from tests.support.dovecot import MailUser

FORM = {"to": "", "cc": "", "bcc": "", "subject": "", "text": "", "format": "text"}


def test_sending_without_a_subject_asks_and_confirmed_sends(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser, bob: MailUser
) -> None:
    client = login(alice)
    compose_id = start(client)
    form = {**FORM, "to": bob.address, "text": "see attached"}
    response = client.post(f"/compose/{compose_id}/send/", form)
    assert response.status_code == 200
    page = response.content.decode()
    assert "This message has no subject." in page
    assert "The text mentions an attachment, but no file is attached." in page
    assert 'name="confirmed" value="1"' in page and "see attached</textarea>" in page
    assert folder_messages(bob, "INBOX") == []

    response = client.post(f"/compose/{compose_id}/send/", {**form, "confirmed": "1"})
    assert response.status_code == 302
    assert len(folder_messages(bob, "INBOX")) == 1


def test_a_compose_with_only_a_recipient_is_not_saved(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser
) -> None:
    client = login(alice)
    compose_id = start(client)
    response = client.post(f"/compose/{compose_id}/save/", {**FORM, "to": "bob@example.org"})
    assert response.json() == {"ok": True, "uid": None, "skipped": True}
    assert folder_messages(alice, "Drafts") == []


def test_a_user_removes_only_their_own_addresses_written_to(
    login: Callable[..., Client], alice: MailUser, bob: MailUser
) -> None:
    alice_client = login(alice)
    bob_client = login(bob)
    users = get_user_model().objects
    mine = RecentAddress.objects.create(
        user=users.get(username=alice.username), email="zoe@example.net"
    )
    suggested = alice_client.get("/contacts/autocomplete/?q=zoe").json()["results"]
    assert suggested == [
        {
            "label": "zoe@example.net",
            "value": "zoe@example.net",
            "kind": "recent",
            "id": str(mine.pk),
        }
    ]
    assert bob_client.get("/contacts/autocomplete/?q=zoe").json()["results"] == []
    assert bob_client.post(f"/contacts/recent/{mine.pk}/remove/").status_code == 404
    assert RecentAddress.objects.filter(pk=mine.pk).exists()
    assert alice_client.get(f"/contacts/recent/{mine.pk}/remove/").status_code == 405
    assert alice_client.post(f"/contacts/recent/{mine.pk}/remove/").json() == {"ok": True}
    assert not RecentAddress.objects.filter(pk=mine.pk).exists()
