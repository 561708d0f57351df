"""The live-mail websocket against the real servers (Dovecot, Cyrus in both namespace modes):
changes made by another connection arrive as events; anonymous refused; logout closes the
watcher; tabs share one watcher."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from channels.db import database_sync_to_async
from django.contrib.sessions.models import Session
from django.test import AsyncClient

from accounts.models import Preferences
from mailview.live.registry import live_stats, registry
from tests.support.live import event_of, open_socket, receive_until, run, until, watching
from webmail import metrics
from webmail.devmail.factories import make_message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.all_servers]


def test_append_from_another_connection_arrives_with_its_row(login, alice):
    client = login(alice)

    async def scenario():
        socket = await open_socket(client)
        assert (await socket.connect(timeout=10))[0]
        await socket.send_json_to({"type": "subscribe", "folder": "INBOX", "view": "list"})
        await receive_until(socket, watching("INBOX"))
        uid = await asyncio.to_thread(
            alice.append, "INBOX", make_message(subject="Live <b>hello</b>", sender="Zoë <z@x.org>")
        )
        new = await receive_until(socket, event_of("new"))
        (row,) = new["event"]["rows"]
        assert row["uid"] == uid
        assert row["subject"] == "Live <b>hello</b>"  # data, escaped by the browser's textContent
        assert row["sender"] == "Zoë" and row["seen"] is False
        # The page's row, drawn by the rows template with every value escaped.
        html = new["event"]["html"]
        assert "Live &lt;b&gt;hello&lt;/b&gt;" in html and "<b>" not in html
        assert f'href="/message/INBOX/{uid}/"' in html and 'title="z@x.org">Zoë<' in html
        assert f'<input type="checkbox" name="uid" value="{uid}"' in html
        counts = await receive_until(socket, event_of("counts"))
        assert counts["event"]["unseen"] == 1 and counts["event"]["messages"] == 1
        await socket.disconnect()

    run(scenario())


def test_store_flag_from_another_connection_arrives_as_flag_event(login, alice):
    uid = alice.append("INBOX", make_message(subject="to be read"))
    client = login(alice)

    async def scenario():
        socket = await open_socket(client)
        await socket.connect(timeout=10)
        await receive_until(socket, watching("INBOX"))
        other = await asyncio.to_thread(alice.client)
        await asyncio.to_thread(other.select_folder, "INBOX")
        await asyncio.to_thread(other.add_flags, [uid], ["\\Seen", "\\Flagged"])
        flags = await receive_until(socket, event_of("flags"))
        assert flags["event"]["changes"] == [
            {"uid": uid, "seen": True, "flagged": True, "answered": False}
        ]
        counts = await receive_until(socket, event_of("counts"))
        assert counts["event"]["unseen"] == 0
        await socket.disconnect()

    run(scenario())


def test_expunge_from_another_connection_arrives_as_expunge_event(login, alice):
    keep = alice.append("INBOX", make_message(subject="keep"))
    gone = alice.append("INBOX", make_message(subject="gone"))
    client = login(alice)

    async def scenario():
        socket = await open_socket(client)
        await socket.connect(timeout=10)
        await receive_until(socket, watching("INBOX"))
        other = await asyncio.to_thread(alice.client)
        await asyncio.to_thread(other.select_folder, "INBOX")
        await asyncio.to_thread(other.add_flags, [gone], ["\\Deleted"])
        await asyncio.to_thread(other.uid_expunge, [gone])
        expunge = await receive_until(socket, event_of("expunge"))
        assert expunge["event"]["uids"] == [gone]
        assert keep not in expunge["event"]["uids"]
        await socket.disconnect()

    run(scenario())


def test_viewed_folder_is_watched_too(login, alice):
    alice.create_folder("Projects/2026")
    nested = alice.folder("Projects/2026")  # the server's name ("INBOX.Projects.2026"...)
    client = login(alice)

    async def scenario():
        socket = await open_socket(client)
        await socket.connect(timeout=10)
        await socket.send_json_to(
            {"type": "subscribe", "folder": nested, "view": "list", "page": "1"}
        )
        await receive_until(socket, watching(nested))
        uid = await asyncio.to_thread(alice.append, "Projects/2026", make_message(subject="p"))
        new = await receive_until(socket, event_of("new", nested))
        assert [r["uid"] for r in new["event"]["rows"]] == [uid]
        assert f'href="/message/{nested}/{uid}/"' in new["event"]["html"]
        # Viewing another folder releases this one's watcher.
        await socket.send_json_to({"type": "subscribe", "folder": "INBOX"})
        await receive_until(socket, watching("INBOX"))
        assert [w.folder for w in registry.watchers(alice.username)] == ["INBOX"]
        await socket.disconnect()

    run(scenario())


def test_missing_folder_is_reported_not_retried(login, alice):
    client = login(alice)

    async def scenario():
        socket = await open_socket(client)
        await socket.connect(timeout=10)
        await socket.send_json_to({"type": "subscribe", "folder": "No such folder"})
        error = await receive_until(socket, lambda m: m["type"] == "error")
        assert error["folder"] == "No such folder"
        await socket.send_json_to({"type": "subscribe", "folder": "bad\r\nname"})
        await receive_until(socket, lambda m: m["type"] == "error")
        await socket.send_to(text_data="{not json")
        await socket.send_json_to(["subscribe"])
        await socket.send_json_to({"type": "subscribe", "folder": "INBOX"})
        await receive_until(socket, watching("INBOX"))  # still alive
        await socket.disconnect()

    run(scenario())


def test_anonymous_websocket_is_refused(db):
    async def scenario():
        socket = await open_socket(None)
        connected, _code = await socket.connect(timeout=10)
        assert not connected
        assert live_stats()["watchers"] == 0

    run(scenario())


def test_session_without_its_key_cookie_is_refused(login, alice):
    client = login(alice)
    client.cookies.pop("webmail_key")

    async def scenario():
        socket = await open_socket(client)
        connected, _code = await socket.connect(timeout=10)
        assert not connected
        assert registry.watchers(alice.username) == []

    run(scenario())


def test_logout_closes_the_watcher_and_its_imap_connection(login, alice):
    client = login(alice)
    server = alice.dovecot

    async def scenario():
        socket = await open_socket(client)
        await socket.connect(timeout=10)
        await receive_until(socket, watching("INBOX"))
        assert await asyncio.to_thread(server.connection_count, alice.username) >= 1
        logout = AsyncClient()
        logout.cookies = client.cookies
        response = await logout.post("/accounts/logout/")
        assert response.status_code == 302
        closed = await socket.receive_output(timeout=10)
        assert closed == {"type": "websocket.close", "code": 4001}
        assert registry.watchers(alice.username) == []

        def gone() -> bool:
            return server.connection_count(alice.username) == 0

        await until(gone)
        # The same cookies no longer open a websocket.
        again = await open_socket(client)
        assert not (await again.connect(timeout=10))[0]

    run(scenario())


def test_two_tabs_share_one_watcher_released_with_the_last(login, alice):
    client = login(alice)
    server = alice.dovecot

    async def scenario():
        before = await asyncio.to_thread(server.connection_count, alice.username)
        first, second = await open_socket(client), await open_socket(client)
        await first.connect(timeout=10)
        await second.connect(timeout=10)
        await receive_until(first, watching("INBOX"))
        await receive_until(second, watching("INBOX"))
        assert len(registry.watchers(alice.username)) == 1
        assert live_stats()["websockets"] == 2
        gauges = {g.name: g.fn() for g in metrics.gauges()}  # the admin dashboard, /metrics
        assert gauges["websocket_connections"] == 2
        assert gauges["idle_watchers"] == 1
        assert await asyncio.to_thread(server.connection_count, alice.username) == before + 1
        uid = await asyncio.to_thread(alice.append, "INBOX", make_message(subject="both"))
        for socket in (first, second):
            new = await receive_until(socket, event_of("new"))
            assert new["event"]["rows"][0]["uid"] == uid
        await first.disconnect()
        assert len(registry.watchers(alice.username)) == 1
        await second.disconnect()
        assert registry.watchers(alice.username) == []
        assert live_stats() == {"watchers": 0, "idling": 0, "websockets": 0}

        def released() -> bool:
            return server.connection_count(alice.username) == before

        await until(released)

    run(scenario())


def test_bob_receives_nothing_of_alice(login, alice, bob):
    alice_client, bob_client = login(alice), login(bob)

    async def scenario():
        mine, theirs = await open_socket(alice_client), await open_socket(bob_client)
        await mine.connect(timeout=10)
        await theirs.connect(timeout=10)
        await receive_until(mine, watching("INBOX"))
        await receive_until(theirs, watching("INBOX"))
        await asyncio.to_thread(alice.append, "INBOX", make_message(subject="for alice only"))
        await receive_until(mine, event_of("counts"))
        assert await theirs.receive_nothing(timeout=1)
        await mine.disconnect()
        await theirs.disconnect()

    run(scenario())


def test_session_deleted_without_logout_closes_the_websocket(login, alice, settings):
    settings.WEBMAIL_LIVE_SESSION_CHECK = 0.2
    client = login(alice)

    async def scenario():
        socket = await open_socket(client)
        await socket.connect(timeout=10)
        await receive_until(socket, watching("INBOX"))
        await database_sync_to_async(Session.objects.all().delete)()
        closed = await socket.receive_output(timeout=10)
        assert closed == {"type": "websocket.close", "code": 4001}
        assert registry.watchers(alice.username) == []

    run(scenario())


def test_conversation_view_gets_its_rows_rendered_afresh_with_each_change(login, alice):
    root = "<root@example.org>"
    alice.append("INBOX", make_message(subject="Trip", message_id=root))
    client = login(alice)

    async def scenario():
        socket = await open_socket(client)
        await socket.connect(timeout=10)
        await socket.send_json_to({"type": "subscribe", "folder": "INBOX", "view": "threads"})
        await receive_until(socket, watching("INBOX"))
        reply = make_message(subject="Re: Trip", in_reply_to=root, references=[root])
        uid = await asyncio.to_thread(alice.append, "INBOX", reply)
        new = await receive_until(socket, event_of("new"))
        tbody = new["event"]["tbody"]
        assert f'data-uid="{uid}" data-thread="{uid}"' in tbody  # the reply heads the thread
        assert 'title="Show the conversation">2</a>' in tbody
        assert "html" not in new["event"]  # no list-view row: threads are drawn whole
        await socket.disconnect()

    run(scenario())


def test_live_rows_use_the_users_clock(login, alice):
    client = login(alice)
    Preferences.objects.filter(user__username=alice.username).update(clock="12", time_zone="UTC")
    now = datetime.now(UTC)
    when = now.replace(hour=17 if now.hour >= 17 else 0, minute=5, second=0, microsecond=0)

    async def scenario():
        socket = await open_socket(client)
        assert (await socket.connect(timeout=10))[0]
        await socket.send_json_to({"type": "subscribe", "folder": "INBOX", "view": "list"})
        await receive_until(socket, watching("INBOX"))
        message = make_message(subject="Late", date=when)
        await asyncio.to_thread(alice.append, "INBOX", message, (), when)
        new = await receive_until(socket, event_of("new"))
        expected = "5:05 PM" if when.hour == 17 else "12:05 AM"
        assert f">{expected}</td>" in new["event"]["html"]
        await socket.disconnect()

    run(scenario())
