"""The server's input queue keeps an accepted body on disk beyond its first MB, and gives the
application the same bytes, in order."""

from __future__ import annotations

import os

from tests.support.live import run
from webmail.daphne import SpoolingQueue


def test_a_large_body_is_spooled_and_read_back_in_order():
    async def scenario() -> None:
        queue = SpoolingQueue()
        pieces = [os.urandom(65536) for _ in range(80)]  # 5 MB, put all at once as Daphne does
        for i, piece in enumerate(pieces):
            queue.put_nowait(
                {"type": "http.request", "body": piece, "more_body": i < len(pieces) - 1}
            )
        assert queue.in_memory <= SpoolingQueue.MEMORY_LIMIT + 65536
        assert queue.write_at == sum(map(len, pieces)) - queue.in_memory
        received = []
        while True:
            message = await queue.get()
            assert set(message) == {"type", "body", "more_body"}
            received.append(message["body"])
            if not message["more_body"]:
                break
        assert received == pieces
        assert queue.spool is None  # closed with the last piece

    run(scenario())  # in a thread: Playwright's sync API may hold this thread's loop


def test_other_messages_pass_through():
    async def scenario() -> None:
        queue = SpoolingQueue()
        queue.put_nowait({"type": "websocket.receive", "text": "x" * 2_000_000})
        queue.put_nowait({"type": "http.disconnect"})
        assert (await queue.get())["text"] == "x" * 2_000_000
        assert await queue.get() == {"type": "http.disconnect"}
        assert queue.spool is None

    run(scenario())  # in a thread: Playwright's sync API may hold this thread's loop
