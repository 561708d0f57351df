"""This process's outbox worker: sends the messages of undo send when they are due.

It authenticates to SMTP and IMAP with the user's secret (password or access token) that it holds
in memory only, as the connection pool holds live logins: handed over by the request that queued
the message, or, after a restart (the memory is gone, the rows are not), by the user's next
request (a page, or the notice asking how the sending went) in any process: `adopt`. A secret is
dropped once the user has nothing left to send, and in any case after the delay and a lease.
Nothing of it reaches the database or the disk (docs/security.md, "Undo send").

The worker runs in a daemon thread of the Daphne process, started with the first message it holds
(WEBMAIL_OUTBOX_THREAD=false: nobody starts it, `run_once` is called by hand, as tests do). Any
number of workers in any number of processes may hold the same user: claims are atomic rows
(outbox.claim_due), so each message is submitted once.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from mailview.compose import outbox
from mailview.models import OutgoingMessage

if TYPE_CHECKING:
    from datetime import datetime

    from django.contrib.auth.models import User

    from mailview.services.session import MailSession

log = logging.getLogger(__name__)

#: How often a worker holding secrets looks for rows it may take over (stale claims).
POLL = 5.0
#: A secret is kept this long past the delay (the lease covers a send that was interrupted).
MARGIN = 60.0


class OutboxWorker:
    def __init__(self, *, thread: bool | None = None) -> None:
        self.token = secrets.token_hex(16)
        self._secrets: dict[int, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._use_thread = settings.WEBMAIL_OUTBOX_THREAD if thread is None else thread

    # -- secrets, in memory only --------------------------------------------------------------

    def hold(self, user_id: int, secret: str, seconds: float) -> None:
        """Keep ``secret`` for ``user_id`` at least ``seconds`` (plus the lease) from now."""
        until = time.monotonic() + seconds + settings.WEBMAIL_OUTBOX_LEASE + MARGIN
        with self._lock:
            earlier = self._secrets.get(user_id)
            self._secrets[user_id] = (secret, max(until, earlier[1] if earlier else 0.0))
        self._start()
        self._wake.set()

    def holds(self, user_id: int) -> bool:
        with self._lock:
            entry = self._secrets.get(user_id)
        return entry is not None and entry[1] > time.monotonic()

    def held(self) -> dict[int, str]:
        now = time.monotonic()
        with self._lock:
            for user_id in [u for u, (_s, until) in self._secrets.items() if until <= now]:
                del self._secrets[user_id]
            return {user_id: secret for user_id, (secret, _until) in self._secrets.items()}

    def _release_finished(self) -> None:
        """Forget the secrets of users with nothing left to send."""
        with self._lock:
            seen = dict(self._secrets)
        busy = outbox.unfinished_users(seen)
        with self._lock:
            for user_id, entry in seen.items():
                # Not if the user queued another message meanwhile (hold made a new entry).
                if user_id not in busy and self._secrets.get(user_id) is entry:
                    del self._secrets[user_id]

    # -- sending ------------------------------------------------------------------------------

    def run_once(self, now: datetime | None = None) -> int:
        """Claim and send what is due for the users held; returns how many rows were handled."""
        held = self.held()
        if not held:
            return 0
        rows = outbox.claim_due(self.token, held, now)
        for row in rows:
            try:
                outbox.process(row, held[row.user_id], self.token)
            except Exception:  # the row stays claimed: another worker takes it after the lease
                log.exception("outbox %s: sending failed unexpectedly", row.token)
        self._release_finished()
        return len(rows)

    def _next_wait(self) -> float | None:
        held = self.held()
        if not held:
            return None
        due = outbox.next_due(held)
        if due is None:
            return POLL
        return min(POLL, max(0.05, (due - timezone.now()).total_seconds()))

    def _start(self) -> None:
        if not self._use_thread or (self._thread is not None and self._thread.is_alive()):
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._loop, name="outbox", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while True:
            wait: float | None = POLL
            try:
                self.run_once()
                wait = self._next_wait()
            except Exception:
                log.exception("outbox worker")
            finally:
                close_old_connections()
            self._wake.wait(wait)
            self._wake.clear()


_worker: OutboxWorker | None = None
_worker_lock = threading.Lock()


def get_worker() -> OutboxWorker:
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = OutboxWorker()
        return _worker


def hand_over(user: User, mail: MailSession, row: OutgoingMessage) -> None:
    """The request that queued ``row`` gives this process's worker the user's secret."""
    seconds = max(0.0, (row.due - timezone.now()).total_seconds())
    get_worker().hold(user.pk, mail.password(), seconds)


def adopt(user: User, mail: MailSession, rows: list[OutgoingMessage]) -> None:
    """A request of ``user`` whose messages are unsent and not held here (this process restarted,
    or queued them in another one) lends its secret to this process's worker."""
    if not any(r.state in outbox.ACTIVE for r in rows):
        return
    worker = get_worker()
    if worker.holds(user.pk):
        return
    due = max(r.due for r in rows if r.state in outbox.ACTIVE)
    worker.hold(user.pk, mail.password(), max(0.0, (due - timezone.now()).total_seconds()))
    log.info("outbox: unsent messages of %s adopted by this process", user.get_username())
