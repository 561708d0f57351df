"""The folder tree followed live, on the connection of a login's INBOX watcher (no extra one).

Where the server offers NOTIFY (RFC 5465), the watcher asks it once per connection for STATUS
of every subscribed folder when messages arrive, leave or change flags, and for LIST when a
folder is created, deleted or renamed; these come while the watcher is in IDLE. Elsewhere a
scan with LIST-STATUS, or LSUB and STATUS, every WEBMAIL_LIVE_TREE_INTERVAL seconds finds the
same changes. On a NOTIFY server a scan of the names only (no folder opened) runs every
WEBMAIL_LIVE_TREE_RECHECK seconds as well: rights taken away by an ACL change are not notified.
Either way the browser gets the same events through `events.publish`: `FolderCounts` for each
folder whose counts changed and `FolderGone` for each folder that is no longer there (deleted,
renamed, unshared).

The protocol half (NOTIFY SET, parsing, the state and what changed) is mailview/imap/notify.py.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from django.conf import settings

from mailview.imap.aioconn import AsyncIMAP
from mailview.imap.criteria import folder_argument
from mailview.imap.errors import CommandFailed
from mailview.imap.notify import (
    NOTIFY_SET,
    STATUS_ITEMS,
    TreeChanges,
    TreeState,
    parse_notification,
    parse_scan,
    scan_command,
)
from mailview.imap.pool import existing_pool
from mailview.imap.protocol.responses import Response
from mailview.live import events

logger = logging.getLogger("mailview.live")


class TreeFollower:
    """The counts and names of a login's subscribed folders, kept by its INBOX watcher."""

    def __init__(self, login: str) -> None:
        self.login = login
        self.state = TreeState()
        self.notify = False  # NOTIFY is set on the current connection
        self.scans = 0
        self.next_scan = 0.0
        self._noted: list[Response] = []  # notifications among other commands' responses

    def interval(self) -> float:
        if self.notify:
            return float(settings.WEBMAIL_LIVE_TREE_RECHECK)
        return float(settings.WEBMAIL_LIVE_TREE_INTERVAL)

    def due(self, now: float) -> bool:
        return now >= self.next_scan

    async def start(self, conn: AsyncIMAP) -> None:
        """On a new connection (INBOX selected): a scan (seeds, or catches up after a drop),
        then NOTIFY SET where offered and not turned off."""
        self.notify = False
        await self.scan(conn)
        if conn.has("NOTIFY") and settings.WEBMAIL_LIVE_NOTIFY:
            try:
                _status, untagged = await conn.command(*NOTIFY_SET)
            except CommandFailed as exc:  # e.g. NO [NOTIFICATIONOVERFLOW]: scans instead
                logger.info("live: NOTIFY refused for %s: %s", self.login, exc)
            else:
                self.notify = True
                await self.handle(conn, untagged)
        self.next_scan = asyncio.get_running_loop().time() + self.interval()

    async def scan(self, conn: AsyncIMAP, counts: bool = True) -> None:
        """Look at every subscribed folder (and its counts, unless ``counts`` is False) now;
        publish what changed."""
        self.scans += 1
        self.next_scan = asyncio.get_running_loop().time() + self.interval()
        words = scan_command(conn.capabilities, counts)
        try:
            if words is not None:
                _status, found = await conn.command(*words)
                untagged: list[Response] = list(found)
            else:
                _status, found = await conn.command(b"LSUB", b'""', b'"*"')
                untagged = list(found)
                for name in parse_scan(untagged).counts:
                    untagged += await self._status(conn, name)
        except CommandFailed as exc:  # the INBOX's live mail goes on; the next scan may work
            logger.info("live: the folder tree of %s could not be listed: %s", self.login, exc)
            return
        changes = self.state.apply_scan(parse_scan(untagged))
        await self._publish(conn, changes)

    @staticmethod
    def news(responses: Iterable[Response]) -> bool:
        """Whether ``responses`` hold a notification (the watcher then ends IDLE for it)."""
        return any(parse_notification(r) is not None for r in responses)

    def note(self, response: Response) -> None:
        """Keep a notification that came among a command's responses for the next `handle`."""
        if parse_notification(response) is not None:
            self._noted.append(response)

    async def handle(self, conn: AsyncIMAP, responses: Iterable[Response]) -> None:
        """Notifications among ``responses`` (any others are ignored): publish what changed."""
        noted, self._noted = self._noted, []
        found = [parse_notification(r) for r in [*noted, *responses]]
        changes = self.state.apply(f for f in found if f is not None)
        if changes:
            await self._publish(conn, changes)

    async def _status(self, conn: AsyncIMAP, name: str) -> list[Response]:
        try:
            _status, untagged = await conn.command(b"STATUS", folder_argument(name), STATUS_ITEMS)
        except CommandFailed:
            return []  # gone in between: the next scan says so
        return list(untagged)

    async def _publish(self, conn: AsyncIMAP, changes: TreeChanges) -> None:
        for name in changes.ask:
            answer = [parse_notification(r) for r in await self._status(conn, name)]
            more = self.state.apply(r for r in answer if r is not None)
            changes.counts.update(more.counts)
            changes.gone += [g for g in more.gone if g not in changes.gone]
        if changes.gone or changes.counts:
            pool = existing_pool()
            if pool is not None:  # a page loaded now shows the tree as it is now
                pool.lists_changed(self.login)
        for name in changes.gone:
            await events.publish(events.FolderGone(self.login, name))
        for name, (unseen, messages) in changes.counts.items():
            await events.publish(
                events.FolderCounts(self.login, name, unseen=unseen, messages=messages)
            )
