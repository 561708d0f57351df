"""The background thread of a worker process (started by webmail.asgi, not by tests or commands).

Every WEBMAIL_WORKER_INTERVAL seconds it
- picks up the logins whose sessions another worker ended (accounts.sessions broadcasts) and
  closes what this process holds for them (mail_sessions_ended);
- writes this worker's live figures (webmail.metrics.snapshot) for the dashboard and /metrics.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from accounts.models import WorkerReport
from accounts.sessions import (
    latest_broadcast_id,
    prune_broadcasts,
    prune_stale_sessions,
    replay_broadcasts,
)
from webmail.metrics import WORKER, snapshot

log = logging.getLogger(__name__)

_thread: threading.Thread | None = None
_lock = threading.Lock()


def report_figures() -> None:
    WorkerReport.objects.update_or_create(
        worker=WORKER, defaults={"updated": timezone.now(), "figures": snapshot()}
    )


def _run() -> None:
    interval = max(0.2, settings.WEBMAIL_WORKER_INTERVAL)
    last_id: int | None = None
    last_prune = 0.0
    while True:
        try:
            close_old_connections()
            if last_id is None:
                last_id = latest_broadcast_id()
            last_id = replay_broadcasts(last_id)
            report_figures()
            if time.monotonic() - last_prune > 600:
                last_prune = time.monotonic()
                prune_broadcasts()
                prune_stale_sessions()
        except Exception:
            log.warning("worker housekeeping failed; trying again", exc_info=True)
        finally:
            connection.close()
        time.sleep(interval)


def start_worker_thread() -> None:
    """Start the housekeeping thread of this process, once."""
    global _thread
    with _lock:
        if _thread is not None or settings.WEBMAIL_WORKER_INTERVAL <= 0:
            return
        _thread = threading.Thread(target=_run, name="webmail-worker", daemon=True)
        _thread.start()
