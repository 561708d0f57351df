"""Django's ASGI handler, with the threads of sync requests kept for the next request.

Django runs each HTTP request's sync code (middleware, views) in a thread of its own: its
handler enters asgiref's ``ThreadSensitiveContext()``, which makes a one-thread executor per
request, so every request started a thread and, that thread being new, opened a new database
connection (SQLite: with its PRAGMAs). On a warm list page that was the largest part of the
app's CPU (docs/benchmarks.md, issue 14). Here each request still gets a thread to itself for
its whole life (thread-sensitive code of one request stays on one thread, as Django requires),
but the one-thread executors are kept when the request is done and handed to the next one, up to
``idle`` of them; so are their threads and their database connections (CONN_MAX_AGE).

Every middleware of the app is sync, yet Django's ASGI handler builds its chain for an async
innermost handler: each request went loop -> thread (middleware) -> loop (``async_to_sync`` of
the async inner handler) -> thread again (``sync_to_async`` of the view). Here the chain is
built sync, as under WSGI, and run with one ``sync_to_async``: one hand-off per request. The few
async views (downloads) still run, through Django's own ``async_to_sync`` in the sync chain.

That one hand-off carries the whole request: Django's handler also sent ``request_started``
from the loop (its sync receivers in a hand-off of their own) and closed the response in a third
(``request_finished``: database connections, caches). Here the thread sends ``request_started``,
builds the request, runs the chain and, when the body is already in memory (every response but a
streaming one), closes the response before the loop writes out its bytes (closing frees what
the request held; the bytes are kept). A streaming response (a download) is still closed after
it is sent. The rest is Django's: the body read before, the client's disconnect watched while
the response is made and sent.
"""

from __future__ import annotations

import asyncio
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpResponseBase
from django.urls import set_script_prefix

from webmail.gcfreeze import FREEZE_AGAIN_AFTER, freeze_long_lived


class PooledThreadsASGIHandler(ASGIHandler):
    def __init__(self, idle: int = 64) -> None:
        super().__init__()
        self.load_middleware(is_async=False)  # a sync chain: see the module docstring
        self.idle = idle
        # Touched only by the event loop's thread (ASGI calls): no lock needed.
        self._executors: deque[ThreadPoolExecutor] = deque()
        self.made = 0
        self.served = 0

    def respond(self, scope: Any, body_file: Any) -> HttpResponseBase:
        """The whole sync part of a request, in its thread: signal, request, chain, close."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, refused = self.create_request(scope, body_file)
        if request is None:
            assert refused is not None  # Django's answer to a request it cannot read (400, 413)
            response = refused
        else:
            response = self.get_response(request)
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size  # the server chunks (as Django's handler)
        if not response.streaming:
            response.close()
        return response

    async def handle(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))

        async def process_request() -> HttpResponseBase:
            response = await sync_to_async(self.respond, thread_sensitive=True)(scope, body_file)
            try:
                await self.send_response(response, send)
            except asyncio.CancelledError:
                pass  # the client went away while it was sent
            return response

        # As Django's handler: watch for the client's disconnect while the response is made.
        processing = asyncio.create_task(process_request())
        tasks = [asyncio.create_task(self.listen_for_disconnect(receive)), processing]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            if task.done():
                try:
                    task.result()
                except RequestAborted:
                    pass
                except AssertionError:
                    body_file.close()
                    raise
            else:
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass
        try:
            response = processing.result()
        except asyncio.CancelledError:
            await signals.request_finished.asend(sender=self.__class__)
        else:
            if response.streaming:
                await sync_to_async(response.close, thread_sensitive=True)()
        body_file.close()

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
        self.served += 1
        if self.served == FREEZE_AGAIN_AFTER:
            freeze_long_lived()
        executor = self._take()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self._give_back(executor)
