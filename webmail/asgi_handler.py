"""Django's ASGI handler, with the threads of sync requests kept for the next request.

Django runs each HTTP request's sync code (middleware, views) in a thread of its own: its
handler enters asgiref's ``ThreadSensitiveContext()``, which makes a one-thread executor per
request, so every request started a thread and, that thread being new, opened a new database
connection (SQLite: with its PRAGMAs). On a warm list page that was the largest part of the
app's CPU (docs/benchmarks.md, issue 14). Here each request still gets a thread to itself for
its whole life (thread-sensitive code of one request stays on one thread, as Django requires),
but the one-thread executors are kept when the request is done and handed to the next one, up to
``idle`` of them; so are their threads and their database connections (CONN_MAX_AGE).
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext
from django.core.handlers.asgi import ASGIHandler


class PooledThreadsASGIHandler(ASGIHandler):
    def __init__(self, idle: int = 64) -> None:
        super().__init__()
        self.idle = idle
        # Touched only by the event loop's thread (ASGI calls): no lock needed.
        self._executors: deque[ThreadPoolExecutor] = deque()
        self.made = 0

    def _take(self) -> ThreadPoolExecutor:
        if self._executors:
            return self._executors.pop()
        self.made += 1
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")

    def _give_back(self, executor: ThreadPoolExecutor) -> None:
        if len(self._executors) < self.idle:
            self._executors.append(executor)
        else:
            executor.shutdown(wait=False)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = self._take()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self._give_back(executor)
