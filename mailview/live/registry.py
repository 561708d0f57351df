"""The watchers of this process, shared between tabs: one per (login, folder), reference counted,
and the end of a login's live mail (its watchers here, its websockets in every process).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from django.dispatch import receiver

from accounts.servers import MailServer
from accounts.signals import mail_sessions_ended
from mailview.live import events
from mailview.live.watcher import FolderWatcher


class WatcherLimit(Exception):
    """The login already has as many watchers as it may hold (WEBMAIL_LIVE_WATCHERS_PER_USER)."""


class WatcherRegistry:
    """The watchers of this process, one per (login, folder), reference counted.

    Used from the event loop (consumers); `close_login_threadsafe` may be called from any thread.
    """

    def __init__(self) -> None:
        self._watchers: dict[tuple[str, str], FolderWatcher] = {}
        self.websockets = 0
        self._lock = threading.Lock()

    def acquire(
        self, login: str, folder: str, server: MailServer, password: str, *, limit: int = 0
    ) -> FolderWatcher:
        """The login's watcher of ``folder``, started if needed; WatcherLimit if that would make
        more than ``limit`` (when set) watchers of this login in this process."""
        key = (login, folder)
        watcher = self._watchers.get(key)
        if watcher is None or not watcher.running or watcher.failed:
            if limit and watcher is None and len(self.watchers(login)) >= limit:
                raise WatcherLimit(f"{login} holds {limit} watchers")
            if watcher is not None:
                watcher.stop()
            watcher = FolderWatcher(login, folder, server, password)
            with self._lock:
                self._watchers[key] = watcher
            watcher.start()
        else:
            watcher.password = password  # the newest session's password is the likeliest valid
        watcher.keep()
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
            watcher.linger(linger, lambda: self._close_if_unused(watcher))

    def _close_if_unused(self, watcher: FolderWatcher) -> None:
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


@receiver(mail_sessions_ended)
def close_live_mail(sender: Any, login: str, **kwargs: Any) -> None:
    """Close the login's IDLE watchers in this process and its websockets in every process."""
    end_live_mail(login)
