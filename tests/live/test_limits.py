"""What one login can hold: IDLE watchers per login are capped (WEBMAIL_LIVE_WATCHERS_PER_USER);
a page refused a watcher is told so (and polls), other users are not affected."""

from __future__ import annotations

import pytest

from mailview.live.registry import registry
from tests.support.live import open_socket, receive_until, run, until, watching

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


def test_a_watcher_lingers_after_its_last_page_and_a_reload_finds_it_open(settings, login, alice):
    settings.WEBMAIL_LIVE_LINGER = 60
    client = login(alice)

    async def scenario():
        page = await open_socket(client)
        assert (await page.connect(timeout=10))[0]
        await receive_until(page, watching("INBOX"))
        (watcher,) = registry.watchers(alice.username)
        await page.disconnect()
        await until(lambda: watcher.refs == 0)
        assert registry.watchers(alice.username) == [watcher]  # lingering, still open
        reloaded = await open_socket(client)
        assert (await reloaded.connect(timeout=10))[0]
        await receive_until(reloaded, watching("INBOX"))
        assert registry.watchers(alice.username) == [watcher]  # the same connection, kept
        settings.WEBMAIL_LIVE_LINGER = 0.05
        await reloaded.disconnect()
        await until(lambda: not registry.watchers(alice.username))  # then closed, unused
        await until(lambda: not watcher.running)

    run(scenario())
