"""The watcher against a server that restarts, kicks it out, or keeps it idle a long time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from django.test import Client

from mailview.live.registry import registry
from tests.support.live import event_of, open_socket, receive_until, run, until, watching
from tests.support.servers import point_at
from webmail.devmail.factories import make_message, message_bytes
from webmail.devmail.maildir import write_maildir

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def carol(private_dovecot, settings):
    """A user on a Dovecot of her own, which the test may stop and restart."""
    point_at(settings, private_dovecot)
    private_dovecot.add_user("carol", "carol-pw")
    client = Client()
    response = client.post("/accounts/login/", {"username": "carol", "password": "carol-pw"})
    assert response.status_code == 302
    return client


def test_server_restart_the_watcher_reconnects_and_later_events_arrive(carol, private_dovecot):
    async def scenario():
        socket = await open_socket(carol)
        await socket.connect(timeout=10)
        await receive_until(socket, watching("INBOX"))
        (watcher,) = registry.watchers("carol")
        await asyncio.to_thread(private_dovecot.restart)
        await until(lambda: watcher.connects >= 2 and watcher.ready.is_set(), timeout=60)
        uid = await asyncio.to_thread(
            private_dovecot.append, "carol", "carol-pw", "INBOX", make_message(subject="after")
        )
        new = await receive_until(socket, event_of("new"))
        assert [r["uid"] for r in new["event"]["rows"]] == [uid]
        await socket.disconnect()

    run(scenario())


def test_changes_made_while_the_server_was_down_arrive_after_reconnecting(carol, private_dovecot):
    read_later = private_dovecot.append("carol", "carol-pw", "INBOX", make_message(subject="r"))

    async def scenario():
        socket = await open_socket(carol)
        await socket.connect(timeout=10)
        await receive_until(socket, watching("INBOX"))
        (watcher,) = registry.watchers("carol")
        await asyncio.to_thread(private_dovecot.stop)
        # While it is down: a message delivered straight into the Maildir, another one read.
        maildir = private_dovecot.maildir("carol")
        (path,) = (maildir / "cur").iterdir()
        path.rename(path.with_name(path.name + "S"))
        raw = message_bytes(make_message(subject="delivered while down"))
        write_maildir(maildir, "INBOX", [(raw, datetime.now(UTC), "")])
        await asyncio.to_thread(private_dovecot.start)
        flags = await receive_until(socket, event_of("flags"), timeout=60)
        assert flags["event"]["changes"] == [
            {"uid": read_later, "seen": True, "flagged": False, "answered": False}
        ]
        new = await receive_until(socket, event_of("new"))
        assert [r["subject"] for r in new["event"]["rows"]] == ["delivered while down"]
        assert watcher.connects >= 2
        await socket.disconnect()

    run(scenario())


def test_kicked_watcher_reconnects(carol, private_dovecot):
    async def scenario():
        socket = await open_socket(carol)
        await socket.connect(timeout=10)
        await receive_until(socket, watching("INBOX"))
        (watcher,) = registry.watchers("carol")
        await asyncio.to_thread(private_dovecot.kick, "carol")
        await until(lambda: watcher.connects >= 2 and watcher.ready.is_set(), timeout=60)
        await asyncio.to_thread(
            private_dovecot.append, "carol", "carol-pw", "INBOX", make_message(subject="k")
        )
        await receive_until(socket, event_of("new"))
        await socket.disconnect()

    run(scenario())


def test_idle_is_reissued_and_events_still_arrive(carol, private_dovecot, settings):
    settings.WEBMAIL_IDLE_REISSUE = 0.5

    async def scenario():
        socket = await open_socket(carol)
        await socket.connect(timeout=10)
        await receive_until(socket, watching("INBOX"))
        (watcher,) = registry.watchers("carol")
        await until(lambda: watcher.idles >= 4)
        assert watcher.connects == 1  # re-issued on the same connection
        await asyncio.to_thread(
            private_dovecot.append, "carol", "carol-pw", "INBOX", make_message(subject="i")
        )
        await receive_until(socket, event_of("new"))
        await socket.disconnect()

    run(scenario())
