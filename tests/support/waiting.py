"""Waiting for a condition (never for a fixed time)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    return bool(wait_for(predicate, timeout, interval=0.05))


def wait_for(fn: Callable[[], T], timeout: float = 30.0, interval: float = 0.2) -> T:
    """Poll ``fn`` until it returns something truthy (mail arrives asynchronously); its last
    answer."""
    deadline = time.monotonic() + timeout
    while True:
        result = fn()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)
