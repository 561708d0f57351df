"""Live figures of this worker process: gauges, Prometheus metrics, recent errors.

Other code registers gauges it knows about, once, at import or in AppConfig.ready():

    from webmail.metrics import register_gauge
    register_gauge("idle_watchers", "IDLE watchers open in this worker", lambda: len(WATCHERS))

Every registered gauge is shown on the admin dashboard and exported on /metrics as
``webmail_<name>{worker="host:pid"}``. Counters and histograms (requests by view, IMAP command
latency, logins) are prometheus_client metrics; with several worker processes, scripts/serve sets
PROMETHEUS_MULTIPROC_DIR so that /metrics adds up all of them.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import Counter, Histogram

from mailview.imap.pool import existing_pool

log = logging.getLogger(__name__)

WORKER = f"{socket.gethostname()}:{os.getpid()}"
STARTED = time.time()

# -- gauges registered by the parts of the app ----------------------------------------------------

_GAUGE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class Gauge:
    name: str
    help: str
    fn: Callable[[], float]


_gauges: dict[str, Gauge] = {}
_gauges_lock = threading.Lock()


def register_gauge(name: str, help: str, fn: Callable[[], float]) -> None:  # noqa: A002
    """Register (or replace) a gauge of this worker: `fn()` is called whenever it is read."""
    if not _GAUGE_NAME.match(name):
        raise ValueError(f"gauge name {name!r}: use lower-case letters, digits and _")
    with _gauges_lock:
        _gauges[name] = Gauge(name, help, fn)


def unregister_gauge(name: str) -> None:
    with _gauges_lock:
        _gauges.pop(name, None)


def gauges() -> list[Gauge]:
    with _gauges_lock:
        return sorted(_gauges.values(), key=lambda g: g.name)


def read_gauges() -> dict[str, float | None]:
    """The value of every registered gauge now; a gauge that fails reads as None (logged)."""
    values: dict[str, float | None] = {}
    for gauge in gauges():
        try:
            value = float(gauge.fn())
            values[gauge.name] = value if value == value else None  # NaN is not JSON
        except Exception:
            log.warning("gauge %s could not be read", gauge.name, exc_info=True)
            values[gauge.name] = None
    return values


def _pool_stat(name: str) -> Callable[[], float]:
    def read() -> float:
        current = existing_pool()
        return float(current.stats()[name]) if current is not None else 0.0

    return read


register_gauge("imap_connections_open", "IMAP connections in the pool", _pool_stat("total"))
register_gauge("imap_connections_idle", "idle IMAP connections in the pool", _pool_stat("idle"))
register_gauge("imap_connections_busy", "leased IMAP connections", _pool_stat("busy"))
register_gauge("imap_pool_logins", "logins with pooled connections", _pool_stat("logins"))
register_gauge(
    "imap_pool_waits", "times a request waited for a pooled connection", _pool_stat("waits")
)

# -- recent errors --------------------------------------------------------------------------------

_recent: deque[dict[str, Any]] = deque(maxlen=50)
_recent_lock = threading.Lock()
# Anything that looks like a credential is masked before it is kept.
_SECRETS = re.compile(r"(?i)(password|passwd|secret|token|authorization|cookie)(\S*\s*[=:]\s*)\S+")


class RecentErrorsHandler(logging.Handler):
    """Keeps the last errors of this worker in memory: time, logger, message (no traceback)."""

    def __init__(self, size: int = 50, level: int = logging.ERROR) -> None:
        super().__init__(level)
        set_recent_errors_size(size)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        message = _SECRETS.sub(r"\1\2[hidden]", message)[:500]
        if record.exc_info and record.exc_info[0] is not None:
            message = f"{message} ({record.exc_info[0].__name__})"
        with _recent_lock:
            _recent.append(
                {
                    "at": record.created,
                    "logger": record.name,
                    "level": record.levelname,
                    "message": message,
                }
            )


def recent_errors() -> list[dict[str, Any]]:
    with _recent_lock:
        return list(reversed(_recent))


def set_recent_errors_size(size: int) -> None:
    global _recent
    with _recent_lock:
        _recent = deque(_recent, maxlen=max(1, size))


# -- Prometheus counters and histograms -----------------------------------------------------------

REQUESTS = Counter(
    "webmail_http_requests",
    "HTTP requests by view, method and status",
    ["view", "method", "status"],
)
REQUEST_LATENCY = Histogram(
    "webmail_http_request_duration_seconds",
    "HTTP request latency by view",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
IMAP_LATENCY = Histogram(
    "webmail_imap_command_duration_seconds",
    "IMAP command latency (from the client's side) by command",
    ["command"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
LOGINS = Counter("webmail_logins", "Login attempts by result", ["result"])


def count_login_attempt(sender: Any, result: str, **kwargs: Any) -> None:
    """Receives accounts' login_attempted signal (connected in webmail/apps.py)."""
    LOGINS.labels(result=result).inc()


def observe_imap_command(command: str, seconds: float) -> None:
    """Called by the IMAP layer after every command (registered in webmail.apps)."""
    IMAP_LATENCY.labels(command=command.split(" ", 1)[0].upper()[:32]).observe(seconds)
    spent = _request_imap.get()
    if spent is not None:
        spent[0] += seconds


#: The seconds the request being served has spent in IMAP commands (waiting for the server,
#: reading and parsing its answers), for its Server-Timing header.
_request_imap: ContextVar[list[float] | None] = ContextVar("webmail_request_imap", default=None)


# The methods a label may name; anything else a client sends is counted as "other", so no
# request can add label values (and series) to the metrics.
HTTP_METHODS = frozenset("GET HEAD POST PUT PATCH DELETE OPTIONS".split())


def method_label(method: str | None) -> str:
    return method if method in HTTP_METHODS else "other"


class RequestMetricsMiddleware:
    """Counts requests and their latency by view (the URL pattern's name, not the path); with
    WEBMAIL_SERVER_TIMING, tells the browser how much of the request was IMAP (``imap``) and how
    much the app's own work (``app``: the rest, middleware included) in a Server-Timing header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        spent = [0.0]
        token = _request_imap.set(spent)
        try:
            response = self.get_response(request)
        finally:
            _request_imap.reset(token)
        elapsed = time.perf_counter() - start
        if settings.WEBMAIL_SERVER_TIMING:
            # W3C Server-Timing: the browser's developer tools show it; bench/ reads it.
            imap, app = spent[0] * 1000, (elapsed - spent[0]) * 1000
            response["Server-Timing"] = f'imap;dur={imap:.2f};desc="IMAP", app;dur={app:.2f}'
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match is not None else "") or "unmatched"
        status = response.status_code if 100 <= response.status_code < 600 else 0
        REQUESTS.labels(view=view, method=method_label(request.method), status=str(status)).inc()
        REQUEST_LATENCY.labels(view=view).observe(elapsed)
        return response


# -- one snapshot of this worker ------------------------------------------------------------------


def snapshot() -> dict[str, Any]:
    """What the dashboard shows for this worker, and what it reports to the others."""
    return {
        "worker": WORKER,
        "pid": os.getpid(),
        "started": STARTED,
        "gauges": read_gauges(),
        "help": {g.name: g.help for g in gauges()},
        "errors": recent_errors()[:20],
    }


def _live_stat(name: str) -> Callable[[], float]:
    def read() -> float:
        # Imported when read: the logging configuration loads this module before Django's app
        # registry is ready, and the watcher imports accounts' models.
        from mailview.live.registry import live_stats

        return float(live_stats()[name])

    return read


register_gauge("idle_watchers", "IMAP IDLE watchers open in this worker", _live_stat("watchers"))
register_gauge("idle_watchers_idling", "IDLE watchers in IDLE right now", _live_stat("idling"))
register_gauge("websocket_connections", "live-mail websockets open", _live_stat("websockets"))
