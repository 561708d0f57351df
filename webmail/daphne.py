"""Daphne, refusing request bodies over the limit before reading them.

Twisted (under Daphne) reads a request's whole body before the application sees it, and by
default parses form bodies itself in the reactor thread: a 45 MB anonymous POST held a worker
and half a gigabyte. Here the request class (a subclass of Daphne's `WebRequest`):

- checks Content-Length against `bodylimits.limit_for_cookies` as soon as the headers are in,
  and answers 413 and closes the connection without reading the body;
- counts a chunked body as it arrives and does the same once it passes the limit;
- never parses form bodies itself (Django does, streaming file uploads to disk);
- hands an accepted body to the application through a queue that keeps all but its first MB
  on disk (`SpoolingQueue`).

Run as `python -m webmail.daphne` with Daphne's own arguments (webmail/serve.py does).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from functools import partial
from typing import IO, Any

import daphne.server  # type: ignore[import-untyped]  # no type hints, no stub package
from daphne.cli import CommandLineInterface  # type: ignore[import-untyped]
from daphne.http_protocol import HTTPFactory, WebRequest  # type: ignore[import-untyped]
from daphne.server import Server

from webmail.bodylimits import TOO_LARGE, limit_for_cookies


class LimitedRequest(WebRequest):
    """Daphne's request with a body limit (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("parsePOSTFormSubmission", False)
        super().__init__(*args, **kwargs)
        self.body_limit = 0
        self.body_received = 0
        self.refused = False

    def gotLength(self, length: int | None) -> None:  # noqa: N802 - Twisted's name
        cookies = b"; ".join(self.requestHeaders.getRawHeaders(b"cookie") or [])
        self.body_limit = limit_for_cookies(cookies.decode("latin-1"))
        if length is not None and length > self.body_limit:
            self.refuse()
            length = 0
        super().gotLength(length)

    def handleContentChunk(self, data: bytes) -> None:  # noqa: N802 - Twisted's name
        if self.refused:
            return
        self.body_received += len(data)
        if self.body_received > self.body_limit:
            self.refuse()
            return
        super().handleContentChunk(data)

    def requestReceived(self, command: bytes, path: bytes, version: bytes) -> None:  # noqa: N802
        if not self.refused:
            super().requestReceived(command, path, version)

    def refuse(self) -> None:
        """413 Content Too Large, and the connection closed: the rest is never read."""
        if self.refused:
            return
        self.refused = True
        body = (TOO_LARGE + "\n").encode()
        head = (
            "HTTP/1.1 413 Content Too Large\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        transport = self.channel.transport
        if transport is not None:
            transport.write(head.encode() + body)
            transport.loseConnection()


class LimitedHTTPFactory(HTTPFactory):
    def buildProtocol(self, addr: Any) -> Any:  # noqa: N802 - Twisted's name
        protocol = super().buildProtocol(addr)
        protocol.requestFactory = LimitedRequest
        return protocol


class SpoolingQueue(asyncio.Queue[dict[str, Any]]):
    """The application's input queue, with request bodies beyond the first MB on disk.

    Daphne hands an accepted body to the application by putting all of its chunks into this
    queue at once; in memory, a 200 MB import would be held whole while Django copies it out.
    Here chunks past MEMORY_LIMIT are written to a temporary file and read back, one at a time,
    as the application receives them."""

    MEMORY_LIMIT = 1024 * 1024

    def __init__(self) -> None:
        super().__init__()
        self.in_memory = 0
        self.spool: IO[bytes] | None = None
        self.write_at = 0
        self.read_at = 0

    def put_nowait(self, item: dict[str, Any]) -> None:
        body = item.get("body") if item.get("type") == "http.request" else None
        if isinstance(body, bytes) and (
            self.spool is not None or self.in_memory > self.MEMORY_LIMIT
        ):
            if self.spool is None:
                self.spool = tempfile.TemporaryFile(prefix="webmail-body-")  # noqa: SIM115
            self.spool.seek(self.write_at)
            self.spool.write(body)
            self.write_at += len(body)
            item = {**item, "body": None, "spooled": len(body)}
        elif isinstance(body, bytes):
            self.in_memory += len(body)
        super().put_nowait(item)

    async def get(self) -> dict[str, Any]:
        item = await super().get()
        size = item.get("spooled")
        if size is None or self.spool is None:
            return item
        self.spool.seek(self.read_at)
        body = self.spool.read(size)
        self.read_at += size
        if not item.get("more_body"):
            self.spool.close()
            self.spool = None
        return {key: value for key, value in item.items() if key != "spooled"} | {"body": body}


class SpoolingServer(Server):
    def create_application(self, protocol: Any, scope: dict[str, Any]) -> Any:
        """Daphne's own, with a `SpoolingQueue` for the application's input."""
        assert "application_instance" not in self.connections[protocol]
        input_queue = SpoolingQueue()
        scope.setdefault("asgi", {"version": "3.0"})
        application_instance = self.application(
            scope=scope,
            receive=input_queue.get,
            send=partial(self.handle_reply, protocol),
        )
        if protocol not in self.connections:
            return None
        self.connections[protocol]["application_instance"] = asyncio.ensure_future(
            application_instance, loop=asyncio.get_event_loop()
        )
        return input_queue


class WebmailCommandLine(CommandLineInterface):
    server_class = SpoolingServer


def main() -> None:
    # Daphne has no setting for the request class: its server builds `HTTPFactory`, so the
    # server module's name is pointed at the factory above before the command line runs.
    daphne.server.HTTPFactory = LimitedHTTPFactory
    WebmailCommandLine.entrypoint()


if __name__ == "__main__":
    main()
    sys.exit(0)
