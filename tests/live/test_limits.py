"""What one login can hold: IDLE watchers per login are capped (WEBMAIL_LIVE_WATCHERS_PER_USER);
a page refused a watcher is told so (and polls), other users are not affected."""

from __future__ import annotations

import pytest

from mailview.live.registry import registry
from tests.support.live import open_socket, receive_until, run, watching

pytestmark = pytest.mark.django_db(transaction=True)


def limited(folder: str):
    return lambda m: m.get("type") in ("limited", "watching") and m["folder"] == folder


def test_watchers_per_login_are_capped_and_the_page_is_told(settings, login, alice, bob):
    settings.WEBMAIL_LIVE_WATCHERS_PER_USER = 2
    imap = alice.client()
    for name in ("Work", "Play"):
        imap.create_folder(name)
    alice_client, bob_client = login(alice), login(bob)

    async def scenario():
        first = await open_socket(alice_client)
        assert (await first.connect(timeout=10))[0]
        await first.send_json_to({"type": "subscribe", "folder": "Work", "view": "list"})
        await receive_until(first, watching("Work"))  # INBOX and Work: the limit
        second = await open_socket(alice_client)
        assert (await second.connect(timeout=10))[0]
        await second.send_json_to({"type": "subscribe", "folder": "Play", "view": "list"})
        answer = await receive_until(second, limited("Play"))
        assert answer["type"] == "limited"
        assert "Live updates for this folder are paused" in answer["message"]
        # The refused tab still shares the INBOX watcher; no third watcher was opened.
        assert sorted(w.folder for w in registry.watchers(alice.username)) == ["INBOX", "Work"]
        # A folder already watched is shared, not refused.
        await second.send_json_to({"type": "subscribe", "folder": "Work", "view": "list"})
        assert (await receive_until(second, limited("Work")))["type"] == "watching"
        # Another user has watchers of their own.
        other = await open_socket(bob_client)
        assert (await other.connect(timeout=10))[0]
        await other.send_json_to({"type": "subscribe", "folder": "INBOX", "view": "list"})
        await receive_until(other, watching("INBOX"))
        for socket in (first, second, other):
            await socket.disconnect()

    run(scenario())
