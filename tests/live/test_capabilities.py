"""Live mail on servers without IDLE or QRESYNC: the same events, by other means.

- No IDLE (RFC 2177): the watcher polls with NOOP (WEBMAIL_NOIDLE_POLL_INTERVAL) instead of
  sending an IDLE the server would answer with BAD.
- No QRESYNC (RFC 7162): after a reconnection, the catch-up compares UID SEARCH ALL with the
  UIDs it knew (expunged) and UIDNEXT (new).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from django.test import Client

from mailview.live.registry import registry
from tests.support.capabilities import dovecot_capabilities, hidden
from tests.support.live import event_of, open_socket, receive_until, run, watching
from tests.support.servers import point_at
from webmail.devmail.factories import make_message, message_bytes
from webmail.devmail.maildir import write_maildir

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server_without_ext(dovecot, dovecot_factory, settings):
    def make(extension: str):
        kept = [c for c in dovecot_capabilities(dovecot) if c.upper() not in hidden(extension)]
        server = dovecot_factory(extra_config=f"imap_capability = {' '.join(kept)}\n")
        point_at(settings, server)
        server.add_user("carol", "carol-pw")
        client = Client()
        response = client.post("/accounts/login/", {"username": "carol", "password": "carol-pw"})
        assert response.status_code == 302
        return server, client

    return make


@pytest.mark.interop("hidden IDLE: live updates by NOOP polling")
@pytest.mark.parametrize("kind", ["dovecot"])
def test_without_idle_the_watcher_polls_and_new_mail_arrives(kind, server_without_ext, settings):
    settings.WEBMAIL_NOIDLE_POLL_INTERVAL = 0.3
    server, carol = server_without_ext("IDLE")

    async def scenario():
        socket = await open_socket(carol)
        await socket.connect(timeout=10)
        await receive_until(socket, watching("INBOX"))
        (watcher,) = registry.watchers("carol")
        uid = await asyncio.to_thread(
            server.append, "carol", "carol-pw", "INBOX", make_message(subject="polled")
        )
        new = await receive_until(socket, event_of("new"))
        assert [r["uid"] for r in new["event"]["rows"]] == [uid]
        assert watcher.idles == 0 and watcher.polls >= 1  # never an IDLE the server lacks
        assert "BAD" not in server.log_tail(200)
        await socket.disconnect()

    run(scenario())


@pytest.mark.interop("hidden QRESYNC: catch-up after a reconnection")
@pytest.mark.parametrize("kind", ["dovecot"])
def test_without_qresync_changes_made_while_away_arrive_after_reconnecting(
    kind, server_without_ext
):
    server, carol = server_without_ext("CONDSTORE")
    gone = server.append("carol", "carol-pw", "INBOX", make_message(subject="to vanish"))

    async def scenario():
        socket = await open_socket(carol)
        await socket.connect(timeout=10)
        await receive_until(socket, watching("INBOX"))
        (watcher,) = registry.watchers("carol")
        await asyncio.to_thread(server.stop)
        maildir = server.maildir("carol")
        for path in (maildir / "cur").iterdir():
            path.unlink()  # expunged while we were away
        raw = message_bytes(make_message(subject="delivered while down"))
        write_maildir(maildir, "INBOX", [(raw, datetime.now(UTC), "")])
        await asyncio.to_thread(server.start)
        expunged = await receive_until(socket, event_of("expunge"), timeout=60)
        assert gone in expunged["event"]["uids"]
        new = await receive_until(socket, event_of("new"))
        assert [r["subject"] for r in new["event"]["rows"]] == ["delivered while down"]
        assert watcher.connects >= 2
        await socket.disconnect()

    run(scenario())
