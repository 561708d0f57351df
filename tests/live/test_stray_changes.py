"""Changes the server reports among the answers to the watcher's own commands are published.

RFC 3501 (7): a server may send a flag change or an expunge with the answer to any command,
and does not repeat it in the next IDLE. A flag set by another client while the watcher fetched a
new message's row was lost that way: the open list never showed it (seen under load in
tests/browser/test_live.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from channels.layers import get_channel_layer

from accounts.servers import MailServer
from mailview.imap.aioconn import AsyncIMAP
from mailview.imap.changes import FetchFlags, stray_changes
from mailview.live.events import user_group
from mailview.live.watcher import FolderWatcher
from tests.support.dovecot import MailUser
from webmail.devmail.factories import make_message


def _server(user: MailUser) -> MailServer:
    return MailServer(
        user.dovecot.host, user.dovecot.imap_port, "starttls", str(user.dovecot.ca_file)
    )


@contextlib.asynccontextmanager
async def _watching_inbox(user: MailUser) -> AsyncIterator[tuple[FolderWatcher, AsyncIMAP]]:
    """A watcher of the user's INBOX and its connection, selected, collecting answers."""
    server = _server(user)
    watcher = FolderWatcher(user.username, "INBOX", server, user.password)
    conn = await AsyncIMAP.open(server, user.username, user.password, 10)
    try:
        await watcher._select(conn, qresync=False)
        conn.answers = []
        yield watcher, conn
    finally:
        await conn.logout()


async def _events(channel: str, kinds: set[str]) -> dict[str, dict[str, Any]]:
    layer = get_channel_layer()
    assert layer is not None
    found: dict[str, dict[str, Any]] = {}
    while not kinds <= found.keys():
        message = await asyncio.wait_for(layer.receive(channel), timeout=10)
        event = message["event"]
        found[event["kind"]] = event
    return found


def test_a_flag_change_that_came_with_a_commands_answer_is_published(alice: MailUser) -> None:
    uid = alice.append("INBOX", make_message(subject="Watched"))
    other = alice.client()
    other.select_folder("INBOX")

    async def scenario() -> None:
        layer = get_channel_layer()
        assert layer is not None
        channel = await layer.new_channel()
        await layer.group_add(user_group(alice.username), channel)
        async with _watching_inbox(alice) as (watcher, conn):
            # Another client flags the message; the watcher's next command (any command: here
            # the UID SEARCH it also sends) carries the change in its answer.
            await asyncio.to_thread(other.add_flags, [uid], ["\\Flagged"])
            await conn.command(b"UID", b"SEARCH", b"ALL")
            flagged = [c for c in stray_changes(conn.answers or []) if isinstance(c, FetchFlags)]
            assert [c.flags for c in flagged] == [frozenset({"\\Flagged"})]
            await watcher._settle(conn)
            published = await _events(channel, {"flags", "counts"})
            [change] = published["flags"]["changes"]
            assert change["uid"] == uid and change["flagged"] is True
            assert conn.answers == []  # handled once: nothing left for the next round

    asyncio.run(scenario())


def test_the_watchers_own_row_fetch_is_not_a_change(alice: MailUser) -> None:
    uid = alice.append("INBOX", make_message(subject="Fetched"))

    async def scenario() -> None:
        async with _watching_inbox(alice) as (watcher, conn):
            rows = await watcher._fetch_rows(conn, b"%d" % uid)
            assert [r.uid for r in rows] == [uid]
            assert conn.answers and list(stray_changes(conn.answers)) == []

    asyncio.run(scenario())
