"""A lean HTTP/1.1 keep-alive client for the load runs: one connection per logged-in session.

The load runs put 50 sessions' requests on a 2-core machine that also runs Daphne and Dovecot,
so the client's own CPU is taken from the server under test. httpx costs about a millisecond
of Python per request; this client writes the request line and the session's cookies and reads
the status line, the headers and the body (Content-Length or chunked), about a
tenth of that. Sessions are still logged in with httpx (forms, cookies, redirects); only the
timed GETs of the load go through here.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx


class WireError(RuntimeError):
    pass


@dataclass
class Reply:
    status: int
    body: bytes


class WireSession:
    """One keep-alive connection carrying one session's cookies (taken from an httpx client)."""

    def __init__(self, url: str, cookies: httpx.Cookies) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        jar = "; ".join(f"{c.name}={c.value}" for c in cookies.jar)
        self._head = f"Host: {parts.netloc}\r\nCookie: {jar}\r\n".encode("latin-1")
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> Reply:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        self._writer.write(b"GET " + path.encode("ascii") + b" HTTP/1.1\r\n" + self._head + b"\r\n")
        head = await self._reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, chunked, close = None, False, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        if chunked:
            body = await self._chunks()
        elif length is not None:
            body = await self._reader.readexactly(length)
        else:
            raise WireError(f"HTTP {status} without Content-Length or chunks")
        if close:
            await self.close()
        return Reply(status, body)

    async def _chunks(self) -> bytes:
        assert self._reader is not None
        pieces: list[bytes] = []
        while True:
            size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self._reader.readuntil(b"\r\n")  # no trailers from Daphne
                return b"".join(pieces)
            pieces.append(await self._reader.readexactly(size))
            await self._reader.readexactly(2)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except OSError:
                pass
        self._reader = self._writer = None
