"""Fixtures and helpers for the live-mail tests: websockets into the app, in this process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from channels.layers import channel_layers

from mailview.live.registry import registry


@pytest.fixture(autouse=True)
def live_registry(settings: Any) -> Iterator[None]:
    """No linger (released = closed at once); a fresh channel layer; no watcher left behind."""
    settings.WEBMAIL_LIVE_LINGER = 0
    channel_layers.backends.clear()
    yield
    leftovers = registry.watchers()
    for watcher in leftovers:
        registry._forget(watcher)
        if not watcher.loop.is_closed():
            watcher.stop()
    registry.websockets = 0
    channel_layers.backends.clear()
    assert not leftovers, f"watchers left open: {leftovers}"


@pytest.fixture(autouse=True)
def no_worker_thread(settings: Any) -> None:
    """webmail.asgi, imported here in-process, would start the worker housekeeping thread, which
    writes to the database outside any test's reach: the tests here need the app, not that."""
    settings.WEBMAIL_WORKER_INTERVAL = 0
