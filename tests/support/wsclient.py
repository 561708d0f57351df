"""A minimal asyncio websocket client (RFC 6455) for tests and the benchmark: it talks to a real
Daphne over TCP, with the cookies of a logged-in session. Text frames only, no extensions."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
from typing import Any
from urllib.parse import urlsplit


class HandshakeRefused(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"websocket handshake refused: HTTP {status}")
        self.status = status


class Closed(Exception):
    def __init__(self, code: int | None) -> None:
        super().__init__(f"websocket closed (code {code})")
        self.code = code


class WSClient:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, url: str, cookies: str = "", timeout: float = 30) -> WSClient:
        """`url` like http://127.0.0.1:8123/ws/live/ (the Origin is its host)."""
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, limit=2**20), timeout
        )
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {parts.path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: http://{host}:{port}\r\n"
            + (f"Cookie: {cookies}\r\n" if cookies else "")
            + "\r\n"
        )
        writer.write(request.encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        status = int(head.split(b" ", 2)[1])
        if status != 101:
            writer.close()
            raise HandshakeRefused(status)
        return cls(reader, writer)

    async def send_json(self, value: Any) -> None:
        payload = json.dumps(value).encode()
        mask = os.urandom(4)
        header = bytes([0x81])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        elif len(payload) < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", len(payload))
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.writer.write(header + mask + masked)
        await self.writer.drain()

    async def _frame(self) -> tuple[int, bytes]:
        try:
            first, second = await self.reader.readexactly(2)
        except asyncio.IncompleteReadError:
            raise Closed(None) from None
        size = second & 0x7F
        if size == 126:
            (size,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif size == 127:
            (size,) = struct.unpack("!Q", await self.reader.readexactly(8))
        return first & 0x0F, await self.reader.readexactly(size)

    async def receive_json(self, timeout: float = 30) -> dict:
        async with asyncio.timeout(timeout):
            while True:
                opcode, payload = await self._frame()
                if opcode == 1:
                    return json.loads(payload)
                if opcode == 8:
                    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                    await self.close()  # answer the close, as a client must (RFC 6455 5.5.1)
                    raise Closed(code)
                if opcode == 9:  # ping: answer pong (masked, as a client must)
                    mask = os.urandom(4)
                    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
                    self.writer.write(bytes([0x8A, 0x80 | len(payload)]) + mask + body)

    async def close(self) -> None:
        try:
            mask = os.urandom(4)
            body = bytes(b ^ mask[i % 4] for i, b in enumerate(struct.pack("!H", 1000)))
            self.writer.write(bytes([0x88, 0x82]) + mask + body)
            await self.writer.drain()
        except (OSError, RuntimeError):
            pass
        self.writer.close()
