"""The ASGI handler runs a request's sync part, from ``request_started`` to the response's close,
in one thread of its own (kept for the next request), and closes a streaming response only after
it was sent."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import signals

from tests.support.live import run
from webmail.asgi_handler import PooledThreadsASGIHandler

pytestmark = pytest.mark.django_db(transaction=True)  # the request's thread has its own connection


@pytest.fixture
def events() -> Iterator[list[tuple[str, int]]]:
    """What happened, in order, with the thread it happened on: signals and ASGI messages."""
    seen: list[tuple[str, int]] = []

    def started(**kwargs: Any) -> None:
        seen.append(("request_started", threading.get_ident()))

    def finished(**kwargs: Any) -> None:
        seen.append(("request_finished", threading.get_ident()))

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        yield seen
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)


def get(
    handler: PooledThreadsASGIHandler, path: str, events: list[tuple[str, int]]
) -> tuple[int, bytes, int]:
    """GET ``path`` through ``handler``; the status, the body and the event loop's thread."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    sent: list[dict[str, Any]] = []

    async def scenario() -> int:
        answered = asyncio.Event()
        requested = False

        async def receive() -> dict[str, Any]:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await answered.wait()  # the client stays until it has the whole answer
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)
            events.append((message["type"], threading.get_ident()))
            if message["type"] == "http.response.body" and not message.get("more_body"):
                answered.set()

        await handler(scope, receive, send)
        return threading.get_ident()

    loop_thread = run(scenario())
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body, loop_thread


def test_a_page_is_made_in_one_thread_from_request_started_to_its_close(
    events: list[tuple[str, int]],
) -> None:
    handler = PooledThreadsASGIHandler()
    status, body, loop_thread = get(handler, "/accounts/login/", events)
    assert status == 200 and b'name="password"' in body
    threads = dict(events)
    assert threads["request_started"] == threads["request_finished"] != loop_thread
    # Its body was in memory: closed in that thread before the loop wrote it out.
    assert [name for name, _ in events] == [
        "request_started",
        "request_finished",
        "http.response.start",
        "http.response.body",
    ]


# WhiteNoise's file responses iterate synchronously; Django warns that it reads them in a thread.
@pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous iterators")
def test_a_streaming_response_is_closed_after_its_last_byte_is_sent(
    events: list[tuple[str, int]],
) -> None:
    handler = PooledThreadsASGIHandler()
    status, body, loop_thread = get(handler, "/static/webmail/actions.js", events)
    assert status == 200 and b"dragstart" in body  # a file, streamed by WhiteNoise
    names = [name for name, _ in events]
    assert names[0] == "request_started" and names[-1] == "request_finished"
    assert names.index("http.response.start") < names.index("request_finished")
    threads = dict(events)
    assert threads["request_started"] == threads["request_finished"] != loop_thread


def test_the_next_request_gets_the_same_thread_back(events: list[tuple[str, int]]) -> None:
    handler = PooledThreadsASGIHandler()
    for _ in range(3):
        status, _, _ = get(handler, "/accounts/login/", events)
        assert status == 200
    assert handler.served == 3 and handler.made == 1
    assert len({thread for name, thread in events if name.startswith("request_")}) == 1
