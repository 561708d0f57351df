"""Helpers of the live-mail tests: websockets into the app, in this process."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from channels.testing import WebsocketCommunicator
from django.test import Client


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    """asyncio.run in a worker thread: Playwright's sync API may hold a loop in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def cookie_header(client: Client) -> bytes:
    return "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items()).encode()


async def open_socket(client: Client | None) -> WebsocketCommunicator:
    """A websocket to ws/live/ with the client's session cookies (none for anonymous)."""
    from webmail.asgi import application

    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if client is not None:
        headers.append((b"cookie", cookie_header(client)))
    return WebsocketCommunicator(application, "/ws/live/", headers=headers)


async def receive_until(
    socket: WebsocketCommunicator, wanted: Callable[[dict], bool], timeout: float = 30
) -> dict:
    """The first message for which `wanted` is true (others are skipped)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError("no such message arrived in time")
        message = await socket.receive_json_from(timeout=remaining)
        if wanted(message):
            return message


def event_of(kind: str, folder: str = "INBOX") -> Callable[[dict], bool]:
    return lambda m: (
        m.get("type") == "event" and m["event"]["kind"] == kind and m["event"]["folder"] == folder
    )


def watching(folder: str = "INBOX") -> Callable[[dict], bool]:
    return lambda m: m.get("type") == "watching" and m["folder"] == folder


async def until(condition: Callable[[], bool], timeout: float = 30) -> None:
    """Wait (without blocking the loop) until `condition()` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)
