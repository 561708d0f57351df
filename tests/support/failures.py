"""What a failed browser test shows besides its assertion: the page's requests in order (with
redirects and the cookies each answer set, by name) and the end of each live server's log.

A load-dependent failure in CI cannot be run again by hand: its report has to say which request
went where. Registered as a plugin (tests/conftest.py); the ``page`` fixture keeps a
`RequestLog` and prints it in its teardown when the test failed.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.support.liveserver import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Request, Response

FAILED = pytest.StashKey[bool]()
LOG_LINES = 120


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if report.failed:  # type: ignore[attr-defined]
        item.stash[FAILED] = True
    return report


def failed(item: pytest.Item) -> bool:
    return item.stash.get(FAILED, False)


class RequestLog:
    """The last requests of a browser context: time, status, method, address; for an answer,
    where it redirects and which cookies it sets (names only: never a value)."""

    def __init__(self, context: BrowserContext, keep: int = 300) -> None:
        self.start = time.monotonic()
        self.lines: collections.deque[str] = collections.deque(maxlen=keep)
        context.on("response", self._response)
        context.on("requestfailed", self._failed)

    def _stamp(self) -> str:
        return f"{time.monotonic() - self.start:8.3f}"

    def _response(self, response: Response) -> None:
        request = response.request
        line = f"{self._stamp()} {response.status} {request.method} {request.url}"
        if request.service_worker is not None:
            line += " (the service worker's)"
        location = response.headers.get("location")
        if location:
            line += f" -> {location}"
        if "/static/" not in request.url and request.service_worker is None:
            try:  # the cookie headers are asked for (the plain headers leave them out)
                cookies = response.header_values("set-cookie")
            except Exception:  # noqa: BLE001 - the page may be closing; the line stays
                cookies = []
            names = [c.split("=", 1)[0].strip() for c in cookies]
            if names:
                line += f" [sets {', '.join(names)}]"
        self.lines.append(line)

    def _failed(self, request: Request) -> None:
        self.lines.append(
            f"{self._stamp()} FAILED {request.method} {request.url}: {request.failure}"
        )

    def report(self) -> str:
        return "\n".join(["-- the page's requests (seconds since the test began) --", *self.lines])


def server_logs(item: pytest.Item) -> str:
    """The last lines of the log of each live server the test used."""
    parts = []
    for name, value in getattr(item, "funcargs", {}).items():
        if isinstance(value, LiveServer):
            try:
                lines = value.log().splitlines()[-LOG_LINES:]
            except OSError as exc:  # a server of a wider scope, already stopped
                parts.append(f"-- {name}'s log is gone: {exc} --")
                continue
            parts.append(f"-- the end of {name}'s log --")
            parts.extend(lines)
    return "\n".join(parts)
