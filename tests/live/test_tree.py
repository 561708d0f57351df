"""The folder tree followed live (mailview/live/tree.py) on every server: counts of folders that
are not open, and folders that disappear, over the websocket of a page showing INBOX.

On Dovecot the INBOX watcher's connection uses NOTIFY (RFC 5465): the scans are pushed out of
the test's reach (WEBMAIL_LIVE_TREE_RECHECK), so the events can only come from notifications.
With NOTIFY hidden, and on Cyrus 3.6 (no NOTIFY), periodic scans give the same events.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from django.test import Client

from mailview.live.registry import registry
from tests.support.cyrus import server_name
from tests.support.live import event_of, open_socket, receive_until, run, watching
from tests.support.servers import point_at
from webmail.devmail.factories import make_message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.all_servers]


@pytest.fixture(autouse=True)
def tree_intervals(settings: Any, imap_server: Any) -> bool:
    """NOTIFY where the server has it (then no scan after the first); else scans every 0.3 s."""
    settings.WEBMAIL_LIVE_TREE_INTERVAL = 0.3
    settings.WEBMAIL_LIVE_TREE_RECHECK = 3600
    return server_name(imap_server) == "dovecot"


def inbox_watcher(login: str):
    (watcher,) = [w for w in registry.watchers(login) if w.folder == "INBOX"]
    return watcher


@pytest.mark.interop("live: counts of a folder that is not open")
def test_mail_delivered_to_a_folder_not_open_updates_its_count(
    login, alice, imap_server, tree_intervals
):
    alice.create_folder("Projects")
    alice.append("Projects", make_message(subject="older"), flags=["\\Seen"])
    client = login(alice)
    projects = alice.folder("Projects")

    async def scenario():
        socket = await open_socket(client)
        await socket.connect(timeout=10)
        await socket.send_json_to({"type": "subscribe", "folder": "INBOX"})
        await receive_until(socket, watching("INBOX"))
        tree = inbox_watcher(alice.username).tree
        assert tree.notify is tree_intervals  # NOTIFY on Dovecot, scans on Cyrus
        # Delivered by another connection (another client, the LDA...).
        await asyncio.to_thread(alice.append, "Projects", make_message(subject="new one"))
        counts = await receive_until(socket, event_of("counts", projects))
        assert (counts["event"]["unseen"], counts["event"]["messages"]) == (1, 2)
        assert counts["event"]["badge"]  # the tree's badge, drawn by its own template
        if tree_intervals:
            assert tree.scans == 1  # the first one only: this came from NOTIFY
        # Read elsewhere: the badge goes.
        other = alice.client()
        other.select_folder(projects)
        other.add_flags(other.search(["UNSEEN"]), [b"\\Seen"])
        counts = await receive_until(socket, event_of("counts", projects))
        assert counts["event"]["unseen"] == 0 and counts["event"]["badge"] == ""
        await socket.disconnect()

    run(scenario())


@pytest.mark.interop("live: a folder deleted elsewhere leaves the tree")
def test_a_folder_deleted_by_another_client_is_gone_and_its_page_is_told(
    login, alice, tree_intervals
):
    alice.create_folder("Old")
    client = login(alice)
    old = alice.folder("Old")

    async def scenario():
        socket = await open_socket(client)
        await socket.connect(timeout=10)
        await receive_until(socket, watching("INBOX"))
        await socket.send_json_to({"type": "subscribe", "folder": old})  # the page shows it
        await receive_until(socket, watching(old))
        tree = inbox_watcher(alice.username).tree
        await asyncio.to_thread(alice.client().delete_folder, old)
        gone = await receive_until(socket, event_of("gone", old))
        notice = gone["event"]["notice"]
        assert "is no longer there" in notice and 'href="/mail/INBOX/"' in notice
        if tree_intervals:
            assert tree.scans == 1  # NOTIFY's LIST (\NonExistent)
        await socket.disconnect()

    run(scenario())


@pytest.mark.interop("hidden NOTIFY: folder counts by periodic LIST-STATUS")
@pytest.mark.only_on("dovecot", reason="Cyrus 3.6 has no NOTIFY to hide (the tests above)")
def test_without_notify_periodic_scans_give_the_same_events(
    imap_server, server_without, mail_user_factory, settings
):
    server = server_without("dovecot", "NOTIFY")
    point_at(settings, server)
    carol = mail_user_factory("carol")
    server.add_user(carol.username, carol.password)
    carol.dovecot = server
    assert b"NOTIFY" not in carol.client().capabilities()
    carol.create_folder("Projects")
    carol.create_folder("Old")
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": carol.username, "password": carol.password}
    )
    assert response.status_code == 302

    async def scenario():
        socket = await open_socket(client)
        await socket.connect(timeout=10)
        await receive_until(socket, watching("INBOX"))
        tree = inbox_watcher(carol.username).tree
        assert not tree.notify
        await asyncio.to_thread(carol.append, "Projects", make_message(subject="scanned"))
        counts = await receive_until(socket, event_of("counts", "Projects"))
        assert (counts["event"]["unseen"], counts["event"]["messages"]) == (1, 1)
        await asyncio.to_thread(carol.client().delete_folder, "Old")
        await receive_until(socket, event_of("gone", "Old"))
        assert tree.scans >= 2
        assert "BAD" not in server.log_tail(200)  # never a NOTIFY the server does not offer
        await socket.disconnect()

    run(scenario())
