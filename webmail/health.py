"""/healthz (is this worker able to serve?) and /metrics (Prometheus text format)."""

from __future__ import annotations

import asyncio
import logging
import math
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from accounts.models import WorkerReport
from accounts.servers import default_server
from mailview.imap.client import IMAPConnection
from webmail.metrics import WORKER, snapshot

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 3.0  # seconds for each check


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


async def _channel_roundtrip() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    # Both layers we run (in-memory, Redis) take a prefix; types-channels' base class does not.
    channel = await layer.new_channel("healthz.")  # type: ignore[call-arg]
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "healthz.ping", "token": token})
    message = await asyncio.wait_for(layer.receive(channel), CHECK_TIMEOUT)
    if message.get("token") != token:
        raise RuntimeError("the channel layer returned another message")


def check_channel_layer() -> None:
    async_to_sync(_channel_roundtrip)()


_imap_probe_lock = threading.Lock()
_imap_probes: dict[Any, tuple[float, BaseException | None]] = {}


def check_imap() -> None:
    """The default IMAP server answers with a greeting (and TLS, as configured).

    /healthz needs no login, so the probe's outcome is kept for WEBMAIL_HEALTH_IMAP_CACHE
    seconds per server: however often it is called, it opens at most one IMAP connection per
    period (callers that arrive during a probe wait for its outcome)."""
    server = default_server()
    key = server
    with _imap_probe_lock:
        now = time.monotonic()
        cached = _imap_probes.get(key)
        if cached is None or cached[0] <= now:
            error: BaseException | None = None
            try:
                IMAPConnection.connect(server, CHECK_TIMEOUT).logout()
            except Exception as exc:
                error = exc
            cached = (time.monotonic() + settings.WEBMAIL_HEALTH_IMAP_CACHE, error)
            _imap_probes[key] = cached
    if cached[1] is not None:
        raise cached[1]


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "channel_layer": check_channel_layer,
    "imap": check_imap,
}


def run_checks() -> tuple[bool, dict[str, Any]]:
    results: dict[str, Any] = {}
    healthy = True
    for name, check in CHECKS.items():
        start = time.perf_counter()
        try:
            check()
            results[name] = {"ok": True}
        except Exception as exc:
            healthy = False
            # The kind of failure only: no addresses, no server answers.
            results[name] = {"ok": False, "error": type(exc).__name__}
            log.warning("health check %s failed: %s", name, type(exc).__name__)
        results[name]["ms"] = round((time.perf_counter() - start) * 1000, 1)
    return healthy, results


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, results = run_checks()
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": results},
        status=200 if healthy else 503,
    )


class WorkerGaugesCollector:
    """Registered gauges (webmail.metrics) of every worker, labelled worker="host:pid"."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        fresh = timezone.now() - timedelta(seconds=max(10.0, 5 * settings.WEBMAIL_WORKER_INTERVAL))
        reports = [snapshot()] + [
            r.figures
            for r in WorkerReport.objects.filter(updated__gte=fresh).exclude(worker=WORKER)
        ]
        families: dict[str, GaugeMetricFamily] = {}
        for report in reports:
            helps = report.get("help", {})
            for name, value in sorted(report.get("gauges", {}).items()):
                family = families.get(name)
                if family is None:
                    family = GaugeMetricFamily(
                        f"webmail_{name}", helps.get(name, name), labels=["worker"]
                    )
                    families[name] = family
                number = math.nan if value is None else float(value)
                family.add_metric([report.get("worker", "?")], number)
        yield from families.values()


def _registry() -> CollectorRegistry:
    """This scrape's metrics: counters and histograms (of all workers, with several), gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = _SingleProcessRegistry()
    registry.register(WorkerGaugesCollector())
    return registry


class _SingleProcessRegistry(CollectorRegistry):
    """The default registry's metrics plus our collectors, without touching REGISTRY itself."""

    def collect(self) -> Iterator[Any]:
        yield from REGISTRY.collect()
        yield from super().collect()


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
