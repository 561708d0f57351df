"""IMAP IDLE watchers: one asynchronous connection per (login, folder) per process.

A watcher selects its folder and waits in IDLE. When the server reports a change (EXISTS,
EXPUNGE or VANISHED, FETCH with FLAGS) it ends IDLE, fetches what the browser needs (the list
rows of new messages, the folder's unread count), publishes events (mailview/events.py) and
idles again. IDLE is re-issued every WEBMAIL_IDLE_REISSUE seconds (servers drop an IDLE after
29 minutes or more), and after a drop the watcher reconnects with exponential backoff and
catches up on what it missed (QRESYNC where the server has it).

The I/O is in `FolderWatcher`; turning untagged responses into changes is the pure functions
`parse_untagged` and `apply_untagged`, testable without a server.

All tabs of a user share the watchers (`registry.acquire` / `release`, reference counted); the
last release closes the watcher after WEBMAIL_LIVE_LINGER seconds (a page load's websocket
reconnect does not cost a new IMAP login), and `registry.close_login` closes a login's watchers
at once (logout, end of session).
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import ssl
import threading
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field

from asgiref.sync import async_to_sync
from django.conf import settings

from accounts.servers import MailServer

from .. import events
from .aioconn import AsyncIMAP
from .criteria import folder_argument
from .errors import AuthenticationFailed, FolderNotFound, InvalidName, MailError
from .protocol.commands import Argument
from .protocol.responses import (
    Continuation,
    Data,
    Response,
    Status,
    fetch_dict,
    numbers,
    parse_sequence_set,
    status_items,
)
from .protocol.syntax import ResponseSyntaxError
from .values import ROW_FETCH_ARGUMENT, fetch_values, flag_names, summary_from_fetch

logger = logging.getLogger("mailview.live")

MAX_BACKOFF = 60.0
#: A VANISHED range wider than this is not expanded (the browser reloads the folder instead).
MAX_UIDS = 100_000

# -- untagged responses -> changes (pure) ------------------------------------------------------


@dataclass(frozen=True)
class Exists:
    count: int


@dataclass(frozen=True)
class Expunge:
    seq: int


@dataclass(frozen=True)
class Vanished:
    uids: tuple[int, ...]
    earlier: bool


@dataclass(frozen=True)
class FetchFlags:
    seq: int
    uid: int | None
    flags: frozenset[str] | None
    modseq: int | None


@dataclass(frozen=True)
class Code:
    """A response code of an untagged OK: UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ."""

    name: str
    value: int


@dataclass(frozen=True)
class Bye:
    text: str


Change = Exists | Expunge | Vanished | FetchFlags | Code | Bye

_VANISHED = re.compile(rb"^(\(EARLIER\) )?([0-9:,]+)\s*$", re.IGNORECASE)
_STATE_CODES = frozenset({"UIDVALIDITY", "UIDNEXT", "HIGHESTMODSEQ"})


def parse_uid_set(text: str, limit: int = MAX_UIDS) -> tuple[int, ...]:
    """`1:3,7` -> (1, 2, 3, 7). ValueError if malformed or more than `limit` UIDs."""
    return tuple(parse_sequence_set(text, limit))


def parse_untagged(response: Response) -> Change | None:
    """What a watcher cares about in one untagged response; None for everything else."""
    if isinstance(response, Continuation) or (
        isinstance(response, Status) and response.tag != b"*"
    ):
        return None
    if isinstance(response, Status):
        code = response.code
        if response.status == "BYE":
            return Bye(response.text)
        if response.status == "OK" and code is not None and code.name in _STATE_CODES:
            found = code.numbers()
            return Code(code.name, found[0]) if found else None
        return None
    kind, number = response.kind, response.number
    if number is not None:
        if kind == "EXISTS":
            return Exists(number)
        if kind == "EXPUNGE":
            return Expunge(number)
        if kind != "FETCH":
            return None
        try:
            data = fetch_dict(response)
        except ResponseSyntaxError:
            return None
        flags = data.get(b"FLAGS")
        modseq = data.get(b"MODSEQ")
        uid = data.get(b"UID")
        return FetchFlags(
            seq=number,
            uid=uid if isinstance(uid, int) else None,
            flags=flag_names(flags) if flags is not None else None,
            modseq=modseq[0] if isinstance(modseq, tuple) and modseq else None,
        )
    if kind == "VANISHED":
        match = _VANISHED.match(response.line)
        if match is None:
            return None
        try:
            uids = parse_uid_set(match.group(2).decode("ascii"))
        except ValueError:
            return Vanished((), bool(match.group(1)))
        return Vanished(uids, bool(match.group(1)))
    return None


@dataclass
class FolderState:
    """What a watcher knows of its selected folder."""

    uidvalidity: int = 0
    uidnext: int = 0
    exists: int = 0
    highestmodseq: int = 0
    #: Sequence number -> UID, only without QRESYNC (with it, the server names UIDs itself).
    uids: array[int] | None = None


@dataclass
class Changes:
    expunged: list[int] = field(default_factory=list)
    flags: dict[int, frozenset[str]] = field(default_factory=dict)
    new: bool = False  # EXISTS grew: fetch from uidnext
    reset: bool = False  # too much vanished to name: reload

    def __bool__(self) -> bool:
        return bool(self.expunged or self.flags or self.new or self.reset)


def apply_untagged(state: FolderState, responses: Iterable[Change | None]) -> Changes:
    """Fold untagged responses into `state` and say what changed for the browser."""
    changes = Changes()
    for item in responses:
        if isinstance(item, Exists):
            if item.count > state.exists:
                changes.new = True
            state.exists = item.count
        elif isinstance(item, Expunge):
            state.exists = max(0, state.exists - 1)
            if state.uids is not None and 0 < item.seq <= len(state.uids):
                gone = state.uids.pop(item.seq - 1)
                changes.expunged.append(gone)
                changes.flags.pop(gone, None)
        elif isinstance(item, Vanished):
            if not item.uids:
                changes.reset = True
                continue
            if not item.earlier:
                state.exists = max(0, state.exists - len(item.uids))
            changes.expunged.extend(item.uids)
            for vanished in item.uids:
                changes.flags.pop(vanished, None)
        elif isinstance(item, FetchFlags):
            if item.modseq is not None:
                state.highestmodseq = max(state.highestmodseq, item.modseq)
            uid = item.uid
            if uid is None and state.uids is not None and 0 < item.seq <= len(state.uids):
                uid = state.uids[item.seq - 1]
            if uid is not None and item.flags is not None and uid < state.uidnext:
                changes.flags[uid] = item.flags
        elif isinstance(item, Code):
            if item.name == "HIGHESTMODSEQ":
                state.highestmodseq = max(state.highestmodseq, item.value)
    return changes


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
        self.loop = asyncio.get_running_loop()
        self._task: asyncio.Task[None] | None = None
        self._conn: AsyncIMAP | None = None
        self._linger: asyncio.TimerHandle | None = None
        self._idled = False

    def __repr__(self) -> str:
        return f"<FolderWatcher {self.login} {self.folder!r} refs={self.refs}>"

    def start(self) -> None:
        self._task = self.loop.create_task(self._run(), name=f"watcher {self.folder}")

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def stop(self) -> None:
        """Close the connection at once (no waiting for the server)."""
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None
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
        reissue = float(getattr(settings, "WEBMAIL_IDLE_REISSUE", 25 * 60))
        while True:
            async with asyncio.timeout(timeout):
                tag, responses = await conn.idle_start()
            self.idles += 1
            self._idled = True
            self.ready.set()
            deadline = self.loop.time() + reissue
            parsed = [parse_untagged(r) for r in responses]
            while not any(p is not None for p in parsed):
                try:
                    async with asyncio.timeout_at(deadline):
                        response = await conn.read_response()
                except TimeoutError:
                    break  # time to re-issue IDLE
                parsed.append(parse_untagged(response))
            async with asyncio.timeout(timeout):
                parsed += [parse_untagged(r) for r in await conn.idle_done(tag)]
                await self._handle(conn, parsed)

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
            await events.publish(
                events.FlagsChanged(
                    self.login,
                    self.folder,
                    changes=tuple(
                        events.FlagState.from_flags(uid, flags)
                        for uid, flags in changes.flags.items()
                    ),
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

    async def _fetch_new(self, conn: AsyncIMAP) -> list[events.Row]:
        state = self.state
        assert state is not None
        _status, untagged = await conn.command(
            b"UID", b"FETCH", b"%d:*" % max(1, state.uidnext), ROW_FETCH_ARGUMENT
        )
        rows = []
        for response in untagged:
            if not isinstance(response, Data) or response.kind != "FETCH":
                continue
            try:
                data = fetch_values(fetch_dict(response))
            except ResponseSyntaxError:
                continue
            uid = data.get(b"UID")
            if not isinstance(uid, int) or uid < state.uidnext or b"ENVELOPE" not in data:
                continue  # "n:*" names the last message even when it is older than n
            rows.append((response.number, summary_from_fetch(uid, data)))
        rows.sort(key=lambda pair: pair[1].uid)
        if rows:
            if state.uids is not None:
                known = state.uids[-1] if state.uids else 0
                state.uids.extend(r.uid for _seq, r in rows if r.uid > known)
            state.uidnext = rows[-1][1].uid + 1
        return [events.Row.from_summary(r) for _seq, r in rows]

    async def _counts(self, conn: AsyncIMAP) -> tuple[int, int] | None:
        name = folder_argument(self.folder)
        _status, untagged = await conn.command(b"STATUS", name, b"(MESSAGES UNSEEN)")
        for response in untagged:
            if not isinstance(response, Data) or response.kind != "STATUS":
                continue
            try:
                found = status_items(response)[1]
            except ResponseSyntaxError:
                return None
            if "UNSEEN" in found and "MESSAGES" in found:
                return found["UNSEEN"], found["MESSAGES"]
        return None


# -- sharing between tabs ----------------------------------------------------------------------


class WatcherRegistry:
    """The watchers of this process, one per (login, folder), reference counted.

    Used from the event loop (consumers); `close_login_threadsafe` may be called from any thread.
    """

    def __init__(self) -> None:
        self._watchers: dict[tuple[str, str], FolderWatcher] = {}
        self.websockets = 0
        self._lock = threading.Lock()

    def acquire(self, login: str, folder: str, server: MailServer, password: str) -> FolderWatcher:
        key = (login, folder)
        watcher = self._watchers.get(key)
        if watcher is None or not watcher.running or watcher.failed:
            if watcher is not None:
                watcher.stop()
            watcher = FolderWatcher(login, folder, server, password)
            with self._lock:
                self._watchers[key] = watcher
            watcher.start()
        else:
            watcher.password = password  # the newest session's password is the likeliest valid
        if watcher._linger is not None:
            watcher._linger.cancel()
            watcher._linger = None
        watcher.refs += 1
        return watcher

    def release(self, watcher: FolderWatcher) -> None:
        if self._watchers.get((watcher.login, watcher.folder)) is not watcher:
            return  # already closed (session ended) or replaced
        watcher.refs -= 1
        if watcher.refs > 0:
            return
        linger = float(getattr(settings, "WEBMAIL_LIVE_LINGER", 5.0))
        if linger <= 0:
            self._close(watcher)
        else:
            watcher._linger = watcher.loop.call_later(linger, self._close_if_unused, watcher)

    def _close_if_unused(self, watcher: FolderWatcher) -> None:
        watcher._linger = None
        if watcher.refs <= 0:
            self._close(watcher)

    def _close(self, watcher: FolderWatcher) -> None:
        with self._lock:
            if self._watchers.get((watcher.login, watcher.folder)) is watcher:
                del self._watchers[(watcher.login, watcher.folder)]
        watcher.stop()

    def close_login(self, login: str) -> int:
        """Close every watcher of `login` now (call from the event loop's thread)."""
        with self._lock:
            mine = [w for (lg, _f), w in self._watchers.items() if lg == login]
        for watcher in mine:
            self._close(watcher)
        return len(mine)

    def close_login_threadsafe(self, login: str) -> int:
        """Close the login's watchers from any thread; returns how many there were."""
        with self._lock:
            mine = [w for (lg, _f), w in self._watchers.items() if lg == login]
        for watcher in mine:
            if watcher.loop.is_closed():
                self._forget(watcher)
                continue
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is watcher.loop:
                self._close(watcher)
            else:
                watcher.loop.call_soon_threadsafe(self._close, watcher)
        return len(mine)

    def _forget(self, watcher: FolderWatcher) -> None:
        with self._lock:
            if self._watchers.get((watcher.login, watcher.folder)) is watcher:
                del self._watchers[(watcher.login, watcher.folder)]

    def watchers(self, login: str | None = None) -> list[FolderWatcher]:
        with self._lock:
            return [w for (lg, _f), w in self._watchers.items() if login in (None, lg)]

    def stats(self) -> dict[str, int]:
        with self._lock:
            watchers = list(self._watchers.values())
        return {
            "watchers": len(watchers),
            "idling": sum(1 for w in watchers if w.ready.is_set() and not w.failed),
            "websockets": self.websockets,
        }


registry = WatcherRegistry()


def live_stats() -> dict[str, int]:
    """This process's live mail: {"watchers": n, "idling": n, "websockets": n}."""
    return registry.stats()


def end_live_mail(login: str) -> None:
    """The login's mail sessions ended: close its watchers here, its websockets everywhere.

    Callable from sync code (a view, a signal receiver) or from the event loop.
    """
    registry.close_login_threadsafe(login)
    ended = events.SessionEnded(login)
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(events.publish)(ended)
    else:
        task = loop.create_task(events.publish(ended))
        _pending.add(task)
        task.add_done_callback(_pending.discard)


_pending: set[asyncio.Task[None]] = set()
