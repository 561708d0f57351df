"""Issue 16: "alice revokes and bob's open page loses the folder", against a real Dovecot with the
acl plugin and the shared namespace (webmail/devmail/acl.py).

Taking rights away is not a NOTIFY event on Dovecot 2.3 (nothing is created, deleted or renamed):
the INBOX watcher's periodic scan of the names (WEBMAIL_LIVE_TREE_RECHECK, on a NOTIFY server)
finds it.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from mailview.live.registry import registry
from tests.support.dovecot import MailUser
from tests.support.live import event_of, open_socket, receive_until, run, watching
from tests.support.servers import point_at
from webmail.devmail.acl import acl_config
from webmail.devmail.dovecot import Dovecot, connect
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def acl_dovecot(dovecot_factory: Callable[..., Dovecot], settings: Any) -> Dovecot:
    server = dovecot_factory()
    server.stop()
    server.extra_config = acl_config(server.mail_dir)
    server.start()
    point_at(settings, server)
    return server


def user(server: Dovecot, name: str) -> tuple[MailUser, Client]:
    u = MailUser(f"{name}-{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(12), server)
    server.add_user(u.username, u.password)
    client = Client()
    response = client.post("/accounts/login/", {"username": u.username, "password": u.password})
    assert response.status_code == 302
    return u, client


def revoke(server: Dovecot, owner: MailUser, folder: str, grantee: str) -> None:
    """The owner takes the grantee's rights away (DELETEACL through the app's IMAP facade)."""
    conn = connect(server, owner.username, owner.password)
    try:
        conn.delete_acl(folder, grantee)
    finally:
        conn.logout()


def test_alice_revokes_and_bobs_open_page_loses_the_folder(acl_dovecot, settings):
    settings.WEBMAIL_LIVE_TREE_RECHECK = 0.5
    (alice, as_alice), (bob, as_bob) = user(acl_dovecot, "alice"), user(acl_dovecot, "bob")
    alice.create_folder("Team")
    alice.append("Team", make_message(subject="Plan"))
    response = as_alice.post(
        "/folders/share/", {"folder": "Team", "login": bob.username, "preset": "read"}
    )
    assert response.status_code == 302
    shared = f"shared/{alice.username}/Team"
    as_bob.post("/folders/subscribe/", {"folder": shared, "subscribed": "1"})
    assert f'data-folder="{shared}"' in as_bob.get("/mail/INBOX/").content.decode()

    async def scenario():
        socket = await open_socket(as_bob)
        await socket.connect(timeout=10)
        await receive_until(socket, watching("INBOX"))
        await socket.send_json_to({"type": "subscribe", "folder": shared})  # bob's open page
        await receive_until(socket, watching(shared))
        await asyncio.to_thread(revoke, acl_dovecot, alice, "Team", bob.username)
        gone = await receive_until(socket, event_of("gone", shared))
        (inbox,) = [w for w in registry.watchers(bob.username) if w.folder == "INBOX"]
        assert inbox.tree.notify  # the scans were of the names only
        assert "Go to Inbox" in gone["event"]["notice"]
        await socket.disconnect()

    run(scenario())
    assert f'data-folder="{shared}"' not in as_bob.get("/mail/INBOX/").content.decode()
