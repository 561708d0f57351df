"""IMAP IDLE watchers: one asynchronous connection per (login, folder) per process.

A watcher selects its folder and waits in IDLE. When the server reports a change (EXISTS,
EXPUNGE or VANISHED, FETCH with FLAGS) it ends IDLE, fetches what the browser needs (the list
rows of new messages, the folder's unread count), publishes events (mailview/events.py) and
idles again. IDLE is re-issued every WEBMAIL_IDLE_REISSUE seconds (servers drop an IDLE after
29 minutes or more), and after a drop the watcher reconnects with exponential backoff and
catches up on what it missed (QRESYNC where the server has it).

The I/O is in `FolderWatcher`; turning untagged responses into changes is the pure functions
`parse_untagged` and `apply_untagged` (mailview/imap/changes.py), testable without a server.

All tabs of a user share the watchers (`registry.acquire` / `release`, reference counted); the
last release closes the watcher after WEBMAIL_LIVE_LINGER seconds (a page load's websocket
reconnect does not cost a new IMAP login), and `registry.close_login` closes a login's watchers
at once (logout, end of session).
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
from array import array
from collections.abc import Callable
from typing import Any

from django.conf import settings

from accounts.servers import MailServer
from mailview.imap.aioconn import AsyncIMAP
from mailview.imap.changes import (
    Bye,
    Change,
    Changes,
    Code,
    Exists,
    FetchFlags,
    FolderState,
    Vanished,
    apply_untagged,
    parse_untagged,
    stray_changes,
)
from mailview.imap.criteria import decode_folder_name, folder_argument
from mailview.imap.errors import AuthenticationFailed, FolderNotFound, InvalidName, MailError
from mailview.imap.protocol.commands import Argument, sequence_set
from mailview.imap.protocol.responses import (
    Data,
    Response,
    fetch_dict,
    numbers,
    status_items,
)
from mailview.imap.protocol.syntax import ResponseSyntaxError
from mailview.imap.types import MessageSummary
from mailview.imap.values import fetch_values, row_fetch_argument, summary_from_fetch
from mailview.live import events
from mailview.live.tree import TreeFollower

logger = logging.getLogger("mailview.live")

MAX_BACKOFF = 60.0
# -- the watcher (I/O) -------------------------------------------------------------------------


class FolderWatcher:
    """One IMAP connection in IDLE on one folder of one login."""

    def __init__(self, login: str, folder: str, server: MailServer, password: str) -> None:
        self.login = login
        self.folder = folder
        self.server = server
        self.password = password
        self.refs = 0
        self.state: FolderState | None = None
        self.ready = asyncio.Event()  # set while idling (or when the watcher gave up)
        self.failed: str | None = None
        self.connects = 0
        self.idles = 0  # IDLE commands sent (re-issues included)
        self.polls = 0  # NOOPs sent instead, on a server without IDLE
        self.loop = asyncio.get_running_loop()
        self._task: asyncio.Task[None] | None = None
        self._conn: AsyncIMAP | None = None
        self._linger: asyncio.TimerHandle | None = None
        self._idled = False
        # The INBOX watcher also follows the folder tree (NOTIFY, else scans): mailview/live/tree.py
        self.tree = TreeFollower(login) if folder == "INBOX" else None

    def __repr__(self) -> str:
        return f"<FolderWatcher {self.login} {self.folder!r} refs={self.refs}>"

    def start(self) -> None:
        self._task = self.loop.create_task(self._run(), name=f"watcher {self.folder}")

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def linger(self, seconds: float, then: Callable[[], None]) -> None:
        """Call ``then`` in ``seconds`` unless `keep` comes first (its last page went away: a
        page that comes back soon, a reload, finds the connection still open)."""
        self.keep()
        self._linger = self.loop.call_later(seconds, self._lingered, then)

    def keep(self) -> None:
        """Cancel a pending `linger`: somebody uses the watcher again."""
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None

    def _lingered(self, then: Callable[[], None]) -> None:
        self._linger = None
        then()

    def stop(self) -> None:
        """Close the connection at once (no waiting for the server)."""
        self.keep()
        if self._conn is not None:
            self._conn.abandon()
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        delay = 1.0
        while True:
            try:
                await self._session()
            except (FolderNotFound, InvalidName) as exc:
                self.failed = str(exc)
                logger.info("live: %s cannot watch %r: %s", self.login, self.folder, exc)
            except (MailError, OSError, ssl.SSLError, TimeoutError, ValueError) as exc:
                level = logging.WARNING if isinstance(exc, AuthenticationFailed) else logging.INFO
                logger.log(
                    level, "live: watcher of %s %r dropped: %s", self.login, self.folder, exc
                )
            except Exception:
                # E.g. the channel layer (Redis) failing: log it, keep watching.
                logger.exception("live: watcher of %s %r failed", self.login, self.folder)
            finally:
                self.ready.clear()
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None
            if self.failed:
                self.ready.set()  # wake whoever waits for it: it will not watch
                return
            if self.connects and self._idled:
                delay = 1.0  # it worked for a while: start the backoff again
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))  # noqa: S311
            delay = min(delay * 2, MAX_BACKOFF)

    async def _session(self) -> None:
        self._idled = False
        timeout = settings.WEBMAIL_IMAP_TIMEOUT
        conn = await AsyncIMAP.open(self.server, self.login, self.password, timeout)
        self._conn = conn
        self.connects += 1
        qresync = conn.has("QRESYNC") and conn.has("ENABLE")
        async with asyncio.timeout(timeout):
            if qresync:
                await conn.command(b"ENABLE", b"QRESYNC")
            await self._select(conn, qresync)
            conn.answers = []  # from here on, changes among any command's answers count
            if self.tree is not None:
                await self.tree.start(conn)
        if not conn.has("IDLE"):
            await self._poll(conn, timeout)
            return
        reissue = float(getattr(settings, "WEBMAIL_IDLE_REISSUE", 25 * 60))
        while True:
            async with asyncio.timeout(timeout):
                tag, responses = await conn.idle_start()
            self.idles += 1
            self._idled = True
            self.ready.set()
            deadline = self.loop.time() + reissue
            if self.tree is not None:
                deadline = min(deadline, self.tree.next_scan)
            raw: list[Response] = list(responses)
            parsed = [parse_untagged(r) for r in raw]
            tree_news = self.tree.news if self.tree is not None else lambda _r: False
            while not any(p is not None for p in parsed) and not tree_news(raw):
                try:
                    async with asyncio.timeout_at(deadline):
                        response = await conn.read_response()
                except TimeoutError:
                    break  # time to re-issue IDLE (or to look at the folder tree)
                raw.append(response)
                parsed.append(parse_untagged(response))
            async with asyncio.timeout(timeout):
                done = await conn.idle_done(tag)
                raw += done
                parsed += [parse_untagged(r) for r in done]
                await self._handle(conn, parsed)
                await self._follow_tree(conn, raw)
                await self._settle(conn)

    async def _follow_tree(self, conn: AsyncIMAP, responses: list[Any]) -> None:
        """The INBOX watcher's second duty: the folder tree's notifications, or a scan when due."""
        if self.tree is None:
            return
        await self.tree.handle(conn, responses)
        if self.tree.due(self.loop.time()):
            await self.tree.scan(conn, counts=not self.tree.notify)

    async def _poll(self, conn: AsyncIMAP, timeout: float) -> None:
        """A server without IDLE (RFC 2177): NOOP every WEBMAIL_NOIDLE_POLL_INTERVAL seconds; its
        untagged EXISTS/EXPUNGE/FETCH become the same events as IDLE's."""
        interval = float(settings.WEBMAIL_NOIDLE_POLL_INTERVAL)
        self._idled = True
        self.ready.set()
        while True:
            await asyncio.sleep(interval)
            async with asyncio.timeout(timeout):
                _status, untagged = await conn.command(b"NOOP")
                conn.answers = []  # the NOOP's own answers are handled right here
                self.polls += 1
                await self._handle(conn, [parse_untagged(r) for r in untagged])
                await self._follow_tree(conn, untagged)
                await self._settle(conn)

    async def _settle(self, conn: AsyncIMAP) -> None:
        """Changes the server reported among the answers to the watcher's own commands (the
        rows it fetched, the counts, the folder tree's scan): a flag set by another client while
        the watcher fetched a new message's row comes there, and the server will not say it
        again in the next IDLE. Handled before idling again, until none are left."""
        while True:
            answers, conn.answers = conn.answers or [], []
            strays: list[Change | None] = list(stray_changes(answers))
            if not strays:
                return
            await self._handle(conn, strays)

    async def _select(self, conn: AsyncIMAP, qresync: bool) -> None:
        name = folder_argument(self.folder)
        old = self.state
        words: list[bytes | Argument] = [b"SELECT", name]
        if qresync and old is not None and old.highestmodseq:
            words.append(b"(QRESYNC (%d %d))" % (old.uidvalidity, old.highestmodseq))
        _status, untagged = await conn.command(*words)
        state = FolderState()
        parsed = [parse_untagged(r) for r in untagged]
        for item in parsed:
            if isinstance(item, Exists):
                state.exists = item.count
            elif isinstance(item, Code) and item.name == "UIDVALIDITY":
                state.uidvalidity = item.value
            elif isinstance(item, Code) and item.name == "UIDNEXT":
                state.uidnext = item.value
            elif isinstance(item, Code) and item.name == "HIGHESTMODSEQ":
                state.highestmodseq = item.value
        if not qresync:
            state.uids = await self._all_uids(conn)
        self.state = state
        if old is None:
            return
        # A reconnection: tell the browser what happened while we were away.
        if old.uidvalidity != state.uidvalidity:
            await events.publish(events.FolderReset(self.login, self.folder))
            return
        changes = Changes()
        if qresync:
            catch_up = [p for p in parsed if isinstance(p, Vanished | FetchFlags)]
            changes = apply_untagged(FolderState(uidnext=old.uidnext), catch_up)
        elif old.uids is not None:
            present = set(state.uids or ())
            changes.expunged = [uid for uid in old.uids if uid not in present]
        changes.new = state.uidnext > old.uidnext
        state.uidnext, new_uidnext = old.uidnext, state.uidnext
        await self._publish(conn, changes)
        state.uidnext = max(state.uidnext, new_uidnext)

    async def _all_uids(self, conn: AsyncIMAP) -> array[int]:
        _status, untagged = await conn.command(b"UID", b"SEARCH", b"ALL")
        uids = array("L")
        for response in untagged:
            if isinstance(response, Data) and response.kind == "SEARCH":
                uids.extend(numbers(response))
        return uids

    async def _handle(self, conn: AsyncIMAP, parsed: list[Change | None]) -> None:
        for item in parsed:
            if isinstance(item, Bye):
                raise MailError(f"server said BYE: {item.text}")
        assert self.state is not None
        changes = apply_untagged(self.state, parsed)
        if changes:
            await self._publish(conn, changes)

    async def _publish(self, conn: AsyncIMAP, changes: Changes) -> None:
        state = self.state
        assert state is not None
        if changes.reset:
            await events.publish(events.FolderReset(self.login, self.folder))
        if changes.expunged:
            await events.publish(
                events.Expunged(self.login, self.folder, uids=tuple(changes.expunged))
            )
        if changes.flags:
            # The rows as they are now, so the page re-renders them with the one rows template.
            changed = await self._fetch_rows(conn, sequence_set(sorted(changes.flags)))
            await events.publish(
                events.FlagsChanged(
                    self.login,
                    self.folder,
                    changes=tuple(
                        events.FlagState.from_flags(uid, flags)
                        for uid, flags in changes.flags.items()
                    ),
                    rows=tuple(events.Row.from_summary(r) for r in changed),
                )
            )
        if changes.new:
            rows = await self._fetch_new(conn)
            if rows:
                await events.publish(
                    events.NewMessages(
                        self.login, self.folder, uidvalidity=state.uidvalidity, rows=tuple(rows)
                    )
                )
        counts = await self._counts(conn)
        if counts is not None:
            await events.publish(
                events.FolderCounts(self.login, self.folder, unseen=counts[0], messages=counts[1])
            )

    async def _fetch_rows(self, conn: AsyncIMAP, uids: bytes) -> list[MessageSummary]:
        """The list rows of the UID set `uids`, in UID order."""
        argument = row_fetch_argument(conn.capabilities)
        _status, untagged = await conn.command(b"UID", b"FETCH", uids, argument)
        rows = []
        for response in untagged:
            if not isinstance(response, Data) or response.kind != "FETCH":
                if self.tree is not None:
                    self.tree.note(response)
                continue
            try:
                data = fetch_values(fetch_dict(response))
            except ResponseSyntaxError:
                continue
            uid = data.get(b"UID")
            if isinstance(uid, int) and b"ENVELOPE" in data:
                rows.append(summary_from_fetch(uid, data))
        rows.sort(key=lambda row: row.uid)
        return rows

    async def _fetch_new(self, conn: AsyncIMAP) -> list[events.Row]:
        state = self.state
        assert state is not None
        # "n:*" names the last message even when it is older than n: keep only UIDs >= n.
        rows = [
            r
            for r in await self._fetch_rows(conn, b"%d:*" % max(1, state.uidnext))
            if r.uid >= state.uidnext
        ]
        if rows:
            if state.uids is not None:
                known = state.uids[-1] if state.uids else 0
                state.uids.extend(r.uid for r in rows if r.uid > known)
            state.uidnext = rows[-1].uid + 1
        return [events.Row.from_summary(r) for r in rows]

    async def _counts(self, conn: AsyncIMAP) -> tuple[int, int] | None:
        name = folder_argument(self.folder)
        _status, untagged = await conn.command(b"STATUS", name, b"(MESSAGES UNSEEN)")
        counts = None
        for response in untagged:
            if not isinstance(response, Data) or response.kind != "STATUS":
                continue
            try:
                raw, found = status_items(response)
            except ResponseSyntaxError:
                return None
            if decode_folder_name(raw) != self.folder:
                if self.tree is not None:
                    self.tree.note(response)  # a notification of another folder (NOTIFY)
            elif "UNSEEN" in found and "MESSAGES" in found:
                counts = found["UNSEEN"], found["MESSAGES"]
        if counts is not None and self.tree is not None:
            self.tree.state.counts[self.folder] = counts  # published here, not again by the tree
        return counts
