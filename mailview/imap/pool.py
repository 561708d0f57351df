"""Per-user pools of logged-in IMAP connections, held in the worker process.

A connection is leased to one request at a time (`with pool.lease(...) as conn`)
because IMAP connections are not thread safe. Between requests it waits in the
pool, logged in and with its folder still selected, so the next request pays
neither LOGIN nor SELECT nor SORT.

A pool key is (login, server, fingerprint of the password): a connection is
only ever handed to a session that knows the same login and password on the
same server, so one user's connection never reaches another user, and a session
holding an old password cannot ride on a connection opened with the new one.

Limits: connections per login, a cap for the process, an idle timeout (the
connection is closed with LOGOUT), a health check (NOOP) before reusing a
connection that sat idle for a while, and `close_login` to end every connection
of a login at once (logout, an admin disabling an account).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from .cache import SharedLists
from .client import IMAPConnection
from .endpoint import Endpoint
from .errors import MailError, PoolExhausted

log = logging.getLogger(__name__)

# Fingerprints only need to be comparable inside this process: a random key
# that never leaves memory keeps them useless to anyone who sees one.
_FINGERPRINT_KEY = secrets.token_bytes(32)


def password_fingerprint(login: str, password: str) -> str:
    message = f"{login}\0{password}".encode()
    return hmac.new(_FINGERPRINT_KEY, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class PoolKey:
    login: str
    server: Endpoint
    fingerprint: str = field(repr=False)


@dataclass
class _Slot:
    """Bookkeeping of one connection the pool owns."""

    key: PoolKey
    generation: int
    conn: IMAPConnection


@dataclass
class _Waiters:
    """Requests waiting for a connection of one login (on the pool's lock)."""

    cond: threading.Condition
    count: int = 0


class ConnectionPool:
    def __init__(
        self,
        *,
        per_login: int = 4,
        max_total: int = 400,
        idle_timeout: float = 300.0,
        health_check_after: float = 30.0,
        wait: float = 15.0,
        timeout: float = 20.0,
        reaper: bool = True,
    ) -> None:
        self.per_login = per_login
        self.max_total = max_total
        self.idle_timeout = idle_timeout
        self.health_check_after = health_check_after
        self.wait = wait
        self.timeout = timeout
        # One lock; requests waiting for a connection of their own login wait on that login's
        # condition (see _wait), everything else on the pool-wide one.
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._waiting: dict[str, _Waiters] = {}
        self._idle: dict[PoolKey, list[IMAPConnection]] = {}
        self._slots: dict[int, _Slot] = {}  # id(conn) -> slot, for every connection owned
        self._reserved: dict[str, int] = {}  # login -> slots being opened right now
        self._generation: dict[str, int] = {}  # login -> bumped by close_login
        # login -> the version of the folder-wide lists its connections share (imap/cache.py)
        self._lists: dict[str, SharedLists] = {}
        self._want_reaper = reaper
        self._reaper: threading.Thread | None = None
        self._stopped = threading.Event()
        self.opened = 0  # connections opened since start, for tests and figures
        self.waits = 0  # times a request waited for a connection or a slot (contention)
        self.waiting = 0  # requests waiting right now

    # -- counting -----------------------------------------------------------

    def _count_login(self, login: str) -> int:
        owned = sum(1 for slot in self._slots.values() if slot.key.login == login)
        return owned + self._reserved.get(login, 0)

    def _count_total(self) -> int:
        return len(self._slots) + sum(self._reserved.values())

    def stats(self) -> dict[str, int]:
        with self._cond:
            idle = sum(len(conns) for conns in self._idle.values())
            return {
                "total": self._count_total(),
                "idle": idle,
                "busy": len(self._slots) - idle,
                "logins": len({slot.key.login for slot in self._slots.values()}),
                "opened": self.opened,
                "waits": self.waits,
                "waiting": self.waiting,
                "commands": sum(slot.conn.commands for slot in self._slots.values()),
            }

    def connections_of(self, login: str) -> int:
        with self._cond:
            return self._count_login(login)

    # -- leasing ------------------------------------------------------------

    @contextmanager
    def lease(
        self, key: PoolKey, password: Callable[[], str], folder: str | None = None
    ) -> Iterator[IMAPConnection]:
        """An authenticated connection for `key`, exclusively yours inside the block.

        Prefers an idle connection that has `folder` selected. A connection that
        failed inside the block (marked broken) is discarded, not returned.
        """
        conn = self._acquire(key, password, folder)
        try:
            yield conn
        finally:
            self._release(conn)

    def _acquire(
        self, key: PoolKey, password: Callable[[], str], folder: str | None
    ) -> IMAPConnection:
        self._start_reaper()
        deadline = time.monotonic() + self.wait
        while True:
            conn, evicted = self._take_or_reserve(key, folder, deadline)
            for old in evicted:
                old.logout()
            if conn is None:
                return self._open(key, password)
            if time.monotonic() - conn.last_used < self.health_check_after:
                return conn
            try:
                conn.noop()
                return conn
            except MailError:
                log.info("pooled IMAP connection failed its health check; reconnecting")
                conn.close()
                self._release(conn)  # broken: the slot is freed

    def _take_or_reserve(
        self, key: PoolKey, folder: str | None, deadline: float
    ) -> tuple[IMAPConnection | None, list[IMAPConnection]]:
        """Under the lock: an idle connection or a reserved slot (None); connections to close."""
        evicted: list[IMAPConnection] = []
        with self._cond:
            while True:
                idle = self._idle.get(key)
                if idle:
                    pick = next(
                        (c for c in reversed(idle) if c.selected and c.selected.name == folder),
                        idle[-1],
                    )
                    idle.remove(pick)
                    return pick, evicted
                if self._count_login(key.login) >= self.per_login:
                    # Connections opened with another password of this login are the first to go.
                    stale = self._pop_idle(lambda k: k.login == key.login and k != key)
                    if stale is None:
                        self._wait(deadline, key.login, own_login=True)
                        continue
                    evicted.append(stale)
                    continue
                if self._count_total() >= self.max_total:
                    oldest = self._pop_idle(lambda k: True)
                    if oldest is None:
                        self._wait(deadline, key.login)
                        continue
                    evicted.append(oldest)
                    continue
                self._reserved[key.login] = self._reserved.get(key.login, 0) + 1
                return None, evicted

    def _wait(self, deadline: float, login: str, own_login: bool = False) -> None:
        """Under the lock: wait for a connection to be given back or a slot to free up.

        Waiting for one of the login's own connections (its limit reached) is on the login's
        condition, and a connection given back wakes one such waiter, not all of them: with 50
        requests of one user queued for its 4 connections, waking every waiter on each return
        cost more CPU than the requests themselves (docs/benchmarks.md, issue 14)."""
        remaining = deadline - time.monotonic()
        self.waits += 1
        self.waiting += 1
        try:
            if own_login:
                waiters = self._waiting.get(login)
                if waiters is None:
                    waiters = self._waiting[login] = _Waiters(threading.Condition(self._lock))
                waiters.count += 1
                try:
                    woken = remaining > 0 and waiters.cond.wait(remaining)
                finally:
                    waiters.count -= 1
                    if not waiters.count:
                        self._waiting.pop(login, None)
            else:
                woken = remaining > 0 and self._cond.wait(remaining)
        finally:
            self.waiting -= 1
        if not woken and time.monotonic() >= deadline:
            # A wake-up that raced with the timeout must not be lost for the others.
            self._wake_one(login)
            raise PoolExhausted(f"no free IMAP connection for {login} within {self.wait}s")

    def _wake_one(self, login: str) -> None:
        """Under the lock: a connection of ``login`` is idle again: one waiter of the login
        takes it; if none waits, the pool-wide waiters may (by closing it)."""
        waiters = self._waiting.get(login)
        if waiters is not None and waiters.count:
            waiters.cond.notify()
        else:
            self._cond.notify_all()

    def _wake_all(self) -> None:
        """Under the lock: slots or connections changed in a way any waiter may use."""
        self._cond.notify_all()
        for waiters in self._waiting.values():
            waiters.cond.notify_all()

    def _pop_idle(self, match: Callable[[PoolKey], bool]) -> IMAPConnection | None:
        """Remove and return the least recently used idle connection whose key matches."""
        candidates = [
            (conn.last_used, key, conn)
            for key, conns in self._idle.items()
            if match(key)
            for conn in conns
        ]
        if not candidates:
            return None
        _, key, conn = min(candidates, key=lambda item: item[0])
        self._idle[key].remove(conn)
        self._slots.pop(id(conn), None)
        return conn

    def _open(self, key: PoolKey, password: Callable[[], str]) -> IMAPConnection:
        try:
            conn = IMAPConnection.open(key.server, key.login, password(), self.timeout)
        except BaseException:
            with self._cond:
                self._unreserve(key.login)
                self._wake_all()
            raise
        with self._cond:
            self._unreserve(key.login)
            self._slots[id(conn)] = _Slot(key, self._generation.get(key.login, 0), conn)
            conn.cache.shared = self._lists.setdefault(key.login, SharedLists())
            self.opened += 1
        return conn

    def _unreserve(self, login: str) -> None:
        left = self._reserved.get(login, 0) - 1
        if left > 0:
            self._reserved[login] = left
        else:
            self._reserved.pop(login, None)

    def _release(self, conn: IMAPConnection) -> None:
        with self._cond:
            slot = self._slots.get(id(conn))
            keep = (
                slot is not None
                and not conn.broken
                and slot.generation == self._generation.get(slot.key.login, 0)
                and not self._stopped.is_set()
            )
            if keep and slot is not None:
                self._idle.setdefault(slot.key, []).append(conn)
                self._wake_one(slot.key.login)
            else:
                self._slots.pop(id(conn), None)
                self._wake_all()
        if not keep:
            conn.logout()

    def adopt(self, key: PoolKey, conn: IMAPConnection) -> None:
        """Take over a connection logged in elsewhere (the one that checked the password)."""
        with self._cond:
            fits = (
                self._count_login(key.login) < self.per_login
                and self._count_total() < self.max_total
            )
            if fits:
                self._slots[id(conn)] = _Slot(key, self._generation.get(key.login, 0), conn)
                conn.cache.shared = self._lists.setdefault(key.login, SharedLists())
                self._idle.setdefault(key, []).append(conn)
                self._wake_all()
        if not fits:
            conn.logout()

    def discard_idle(self, key: PoolKey) -> None:
        """Close the idle connections of `key` (after one of them was found dead)."""
        with self._cond:
            conns = self._idle.pop(key, [])
            for conn in conns:
                self._slots.pop(id(conn), None)
            self._wake_all()
        for conn in conns:
            conn.close()

    def lists_changed(self, login: str) -> None:
        """The login's folder list or counts changed elsewhere (another client, a share taken
        away: live mail saw it): every pooled connection's tree of `login` is stale."""
        with self._cond:
            lists = self._lists.get(login)
        if lists is not None:
            lists.bump()

    # -- ending -------------------------------------------------------------

    def close_login(self, login: str) -> int:
        """End every connection of `login`: idle ones now (LOGOUT), leased ones on return."""
        with self._cond:
            self._generation[login] = self._generation.get(login, 0) + 1
            self._lists.pop(login, None)
            doomed: list[IMAPConnection] = []
            for key in [k for k in self._idle if k.login == login]:
                doomed.extend(self._idle.pop(key))
            for conn in doomed:
                self._slots.pop(id(conn), None)
            self._wake_all()
        for conn in doomed:
            conn.logout()
        return len(doomed)

    def reap(self, now: float | None = None) -> int:
        """Close (LOGOUT) connections idle for longer than the idle timeout."""
        now = time.monotonic() if now is None else now
        with self._cond:
            doomed: list[IMAPConnection] = []
            for key, conns in list(self._idle.items()):
                for conn in list(conns):
                    if now - conn.last_used >= self.idle_timeout:
                        conns.remove(conn)
                        self._slots.pop(id(conn), None)
                        doomed.append(conn)
                if not conns:
                    del self._idle[key]
            if doomed:
                self._wake_all()
        for conn in doomed:
            conn.logout()
        return len(doomed)

    def close_all(self) -> None:
        self._stopped.set()
        with self._cond:
            doomed = [conn for conns in self._idle.values() for conn in conns]
            self._idle.clear()
            for conn in doomed:
                self._slots.pop(id(conn), None)
            self._wake_all()
        for conn in doomed:
            conn.logout()

    def _start_reaper(self) -> None:
        if not self._want_reaper or self._reaper is not None:
            return
        with self._cond:
            if self._reaper is not None:
                return
            self._reaper = threading.Thread(target=self._reap_forever, name="imap-pool-reaper")
            self._reaper.daemon = True
            self._reaper.start()

    def _reap_forever(self) -> None:
        interval = max(1.0, min(30.0, self.idle_timeout / 4))
        while not self._stopped.wait(interval):
            try:
                self.reap()
            except Exception:  # pragma: no cover - the reaper must never die
                log.exception("IMAP pool reaper failed")


_pool: ConnectionPool | None = None
_pool_lock = threading.Lock()


def existing_pool() -> ConnectionPool | None:
    """The worker process's pool if one was made (reading a gauge must not make one)."""
    return _pool


def get_pool() -> ConnectionPool:
    """The worker process's pool, configured from settings on first use."""
    global _pool
    if _pool is None:
        from django.conf import settings

        with _pool_lock:
            if _pool is None:
                _pool = ConnectionPool(
                    per_login=settings.WEBMAIL_POOL_PER_USER,
                    max_total=settings.WEBMAIL_POOL_MAX,
                    idle_timeout=settings.WEBMAIL_POOL_IDLE_TIMEOUT,
                    health_check_after=settings.WEBMAIL_POOL_HEALTH_CHECK_AFTER,
                    wait=settings.WEBMAIL_POOL_WAIT,
                    timeout=settings.WEBMAIL_IMAP_TIMEOUT,
                )
    return _pool
