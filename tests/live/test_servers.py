"""Live mail on every server (Dovecot, Cyrus in both namespace modes)."""

from __future__ import annotations

import asyncio

import pytest

from mailview.live.registry import registry
from tests.support.live import event_of, open_socket, receive_until, run, until, watching
from webmail.devmail.factories import make_message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.all_servers]


@pytest.mark.interop("live: a deleted folder is reported, not retried")
def test_a_deleted_folder_is_reported_once_and_never_retried(login, alice):
    alice.create_folder("Gone")
    alice.client().delete_folder(alice.folder("Gone"))
    client = login(alice)

    async def scenario():
        socket = await open_socket(client)
        await socket.connect(timeout=10)
        # Cyrus says "NO Mailbox does not exist" without [NONEXISTENT]: still "not found".
        await socket.send_json_to({"type": "subscribe", "folder": alice.folder("Gone")})
        error = await receive_until(socket, lambda m: m["type"] == "error")
        assert error["folder"] == alice.folder("Gone")
        (gone,) = [w for w in registry.watchers(alice.username) if w.folder != "INBOX"]
        await until(lambda: not gone.running)  # given up: no reconnection loop
        assert gone.failed and gone.connects == 1
        await socket.send_json_to({"type": "subscribe", "folder": "INBOX"})
        await receive_until(socket, watching("INBOX"))
        (watcher,) = [w for w in registry.watchers(alice.username) if w.folder == "INBOX"]
        uid = await asyncio.to_thread(alice.append, "INBOX", make_message(subject="still live"))
        new = await receive_until(socket, event_of("new"))
        assert [r["uid"] for r in new["event"]["rows"]] == [uid]
        await until(lambda: watcher.idles >= 1)  # every server here has IDLE
        await socket.disconnect()

    run(scenario())
