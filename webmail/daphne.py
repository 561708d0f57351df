"""Daphne, refusing request bodies over the limit before reading them.

Twisted (under Daphne) reads a request's whole body before the application sees it, and by
default parses form bodies itself in the reactor thread: a 45 MB anonymous POST held a worker
and half a gigabyte. Here the request class (a subclass of Daphne's `WebRequest`):

- checks Content-Length against `bodylimits.limit_for_cookies` as soon as the headers are in,
  and answers 413 and closes the connection without reading the body;
- counts a chunked body as it arrives and does the same once it passes the limit;
- never parses form bodies itself (Django does, streaming file uploads to disk).

Run as `python -m webmail.daphne` with Daphne's own arguments (webmail/serve.py does).
"""

from __future__ import annotations

import sys
from typing import Any

import daphne.server  # type: ignore[import-untyped]  # no type hints, no stub package
from daphne.cli import CommandLineInterface  # type: ignore[import-untyped]
from daphne.http_protocol import HTTPFactory, WebRequest  # type: ignore[import-untyped]

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


def main() -> None:
    # Daphne has no setting for the request class: its server builds `HTTPFactory`, so the
    # server module's name is pointed at the factory above before the command line runs.
    daphne.server.HTTPFactory = LimitedHTTPFactory
    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
    sys.exit(0)
