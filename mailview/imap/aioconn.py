"""A small asyncio IMAP connection for the IDLE watchers (mailview/imap/watcher.py).

It does only what a watcher needs: connect (TLS, STARTTLS or, on loopback, plain), log in, send
a command and collect its untagged responses, IDLE. Responses come back in imaplib's form (a
list of pieces: a line, or a (line, literal) tuple when the line announced a literal), so the
parsing in client.py applies to them.

TLS runs over ssl.MemoryBIO on a plain asyncio stream instead of asyncio's TLS transport:
that transport allocates a 256 KB read buffer per connection, which alone would be more than
the memory budget of an idle user (1,000 watchers: 250 MB).
"""

from __future__ import annotations

import asyncio
import base64
import re
import ssl
from dataclasses import dataclass

from accounts.servers import MailServer
from mailview.imap.errors import (
    AuthenticationFailed,
    CommandFailed,
    ConnectionDropped,
    FolderNotFound,
    MailError,
    ServerTimeout,
    ServerUnreachable,
    TLSFailure,
)

#: One response piece: a line, or a line that announced a literal together with the literal.
Piece = bytes | tuple[bytes, bytes]

READ_CHUNK = 8192
MAX_LINE = 1024 * 1024
MAX_LITERAL = 16 * 1024 * 1024
_LITERAL = re.compile(rb"\{(\d+)\}$")
_CAPABILITY = re.compile(rb"\[CAPABILITY ([^\]]*)\]", re.IGNORECASE)


def shared_context(server: MailServer) -> ssl.SSLContext:
    """The server's TLS context, shared by all connections (see MailServer.ssl_context)."""
    return server.ssl_context()


@dataclass(frozen=True)
class Literal:
    """An argument sent as a synchronizing literal (for text a quoted string cannot carry)."""

    data: bytes


def quoted(value: bytes) -> bytes | Literal:
    """An IMAP string: quoted when it can be, a literal otherwise (never spliced raw)."""
    if all(32 <= b < 127 for b in value):
        return b'"' + value.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
    return Literal(value)


def head(response: list[Piece]) -> bytes:
    """The first line of a response (without its literal)."""
    first = response[0]
    return first[0] if isinstance(first, tuple) else first


class AsyncIMAP:
    """One IMAP connection on the running event loop. Not shared between tasks."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        server: MailServer,
        timeout: float,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self.server = server
        self.timeout = timeout
        self._tls: ssl.SSLObject | None = None
        self._incoming: ssl.MemoryBIO | None = None
        self._outgoing: ssl.MemoryBIO | None = None
        self._buf = bytearray()
        self._tags = 0
        self.capabilities: frozenset[str] = frozenset()
        self.closed = False
        self._idle_tag: bytes | None = None

    # -- opening and closing ------------------------------------------------

    @classmethod
    async def open(
        cls, server: MailServer, username: str, password: str, timeout: float
    ) -> AsyncIMAP:
        """Connect (TLS as the server is configured, certificate verified) and log in."""
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(server.host, server.port, limit=READ_CHUNK), timeout
            )
        except TimeoutError:
            raise ServerTimeout(f"{server}: connect") from None
        except OSError as exc:
            raise ServerUnreachable(f"{server}: {exc.strerror or exc}") from None
        conn = cls(reader, writer, server, timeout)
        try:
            async with asyncio.timeout(timeout):
                if server.security == "ssl":
                    await conn._start_tls()
                greeting = await conn.read_line()
                if not greeting.startswith(b"* OK"):
                    raise ConnectionDropped(f"{server}: greeting {greeting[:80]!r}")
                if server.security == "starttls":
                    await conn.command(b"STARTTLS")
                    await conn._start_tls()
                await conn._login(username, password)
        except TimeoutError:
            conn.close()
            raise ServerTimeout(f"{server}: no answer during login") from None
        except ssl.SSLCertVerificationError as exc:
            conn.close()
            raise TLSFailure(f"{server}: {exc.verify_message}") from None
        except ssl.SSLError as exc:
            conn.close()
            raise TLSFailure(f"{server}: {exc}") from None
        except OSError as exc:
            conn.close()
            raise ConnectionDropped(f"{server}: {exc}") from None
        except BaseException:
            conn.close()
            raise
        return conn

    async def logout(self) -> None:
        """Say LOGOUT (briefly) and close; never raises."""
        if not self.closed:
            try:
                async with asyncio.timeout(2):
                    await self.command(b"LOGOUT")
            except (MailError, OSError, TimeoutError, ssl.SSLError):
                pass
        self.close()

    def abandon(self) -> None:
        """From outside the task using the connection: a last LOGOUT (not waited for), close."""
        if not self.closed:
            goodbye = (b"DONE\r\n" if self._idle_tag else b"") + b"Z LOGOUT\r\n"
            try:
                if self._tls is None:
                    self._writer.write(goodbye)
                else:
                    self._tls.write(goodbye)
                    assert self._outgoing is not None
                    self._writer.write(self._outgoing.read())
            except Exception:  # noqa: S110 - the connection is going away anyway
                pass
        self.close()

    def close(self) -> None:
        """Close the socket without a word; never raises."""
        self.closed = True
        self._buf = bytearray()
        try:
            self._writer.close()
        except Exception:  # noqa: S110 - closing a socket that may already be gone
            pass

    # -- TLS and raw I/O ----------------------------------------------------

    async def _start_tls(self) -> None:
        if self._buf:
            # Bytes the server sent before the handshake would be trusted as if encrypted.
            raise ConnectionDropped("data after STARTTLS")
        self._incoming, self._outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = shared_context(self.server).wrap_bio(
            self._incoming, self._outgoing, server_hostname=self.server.host
        )
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                await self._flush_tls()
                self._incoming.write(await self._recv())
        await self._flush_tls()
        self._tls = tls

    async def _recv(self) -> bytes:
        data = await self._reader.read(READ_CHUNK)
        if not data:
            raise ConnectionDropped("closed by the server")
        return data

    async def _flush_tls(self) -> None:
        assert self._outgoing is not None
        pending = self._outgoing.read()
        if pending:
            self._writer.write(pending)
            await self._writer.drain()

    async def _fill(self) -> None:
        raw = await self._recv()
        if self._tls is None:
            self._buf += raw
            return
        assert self._incoming is not None
        self._incoming.write(raw)
        while True:
            try:
                chunk = self._tls.read(READ_CHUNK)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:
                raise ConnectionDropped("TLS closed by the server") from None
            if not chunk:
                break
            self._buf += chunk
        await self._flush_tls()  # e.g. a TLS 1.3 key update answer

    async def _send(self, data: bytes) -> None:
        if self.closed:
            raise ConnectionDropped("connection already closed")
        if self._tls is None:
            self._writer.write(data)
            await self._writer.drain()
        else:
            self._tls.write(data)
            await self._flush_tls()

    async def read_line(self) -> bytes:
        while True:
            end = self._buf.find(b"\r\n")
            if end >= 0:
                line = bytes(self._buf[:end])
                del self._buf[: end + 2]
                return line
            if len(self._buf) > MAX_LINE:
                raise ConnectionDropped("response line too long")
            await self._fill()

    async def _read_exact(self, size: int) -> bytes:
        while len(self._buf) < size:
            await self._fill()
        data = bytes(self._buf[:size])
        del self._buf[:size]
        return data

    async def read_response(self) -> list[Piece]:
        """One complete response, its literals read too."""
        pieces: list[Piece] = []
        while True:
            line = await self.read_line()
            match = _LITERAL.search(line)
            if match is None or line.startswith(b"+"):
                pieces.append(line)
                return pieces
            size = int(match.group(1))
            if size > MAX_LITERAL:
                raise ConnectionDropped(f"literal of {size} bytes")
            pieces.append((line, await self._read_exact(size)))

    # -- commands -----------------------------------------------------------

    def _next_tag(self) -> bytes:
        self._tags += 1
        return b"W%d" % self._tags

    async def _send_command(self, tag: bytes, words: tuple[bytes | Literal, ...]) -> None:
        line = tag
        for word in words:
            if isinstance(word, Literal):
                await self._send(line + b" {%d}\r\n" % len(word.data))
                await self._continuation()
                line = word.data
            else:
                line += b" " + word
        await self._send(line + b"\r\n")

    async def _continuation(self) -> list[list[Piece]]:
        """Read until the server's "+"; returns the untagged responses met on the way."""
        untagged = []
        while True:
            response = await self.read_response()
            first = head(response)
            if first.startswith(b"+"):
                return untagged
            if first.startswith(b"* BYE"):
                raise ConnectionDropped(first.decode("ascii", "replace"))
            if not first.startswith(b"* "):
                raise CommandFailed(first.decode("ascii", "replace")[:200])
            untagged.append(response)

    async def command(self, *words: bytes | Literal) -> tuple[bytes, list[list[Piece]]]:
        """Send a command; return the tagged OK text and the untagged responses before it."""
        tag = self._next_tag()
        await self._send_command(tag, words)
        return await self._complete(tag, words[0] if isinstance(words[0], bytes) else b"")

    async def _complete(self, tag: bytes, name: bytes) -> tuple[bytes, list[list[Piece]]]:
        untagged: list[list[Piece]] = []
        while True:
            response = await self.read_response()
            first = head(response)
            if first.startswith(tag + b" "):
                status = first[len(tag) + 1 :]
                if status.upper().startswith(b"OK"):
                    return status, untagged
                text = f"{name.decode('ascii', 'replace')}: {status.decode('utf-8', 'replace')}"
                if b"NONEXISTENT" in status.upper() or b"DOESN'T EXIST" in status.upper():
                    raise FolderNotFound(text[:300])
                raise CommandFailed(text[:300])
            if first.startswith(b"* BYE") and name != b"LOGOUT":
                raise ConnectionDropped(first.decode("utf-8", "replace")[:200])
            if first.startswith(b"+"):
                raise ConnectionDropped(f"unexpected continuation to {name!r}")
            untagged.append(response)

    async def _login(self, username: str, password: str) -> None:
        _status, untagged = await self.command(b"CAPABILITY")
        self.capabilities = _capabilities(untagged)
        try:
            if "AUTH=PLAIN" in self.capabilities:
                token = base64.b64encode(f"\0{username}\0{password}".encode())
                if "SASL-IR" in self.capabilities:
                    status, _ = await self.command(b"AUTHENTICATE", b"PLAIN", token)
                else:
                    tag = self._next_tag()
                    await self._send(tag + b" AUTHENTICATE PLAIN\r\n")
                    await self._continuation()
                    await self._send(token + b"\r\n")
                    status, _ = await self._complete(tag, b"AUTHENTICATE")
            elif "LOGINDISABLED" in self.capabilities:
                raise AuthenticationFailed("the server allows no login on this connection")
            else:
                status, _ = await self.command(
                    b"LOGIN", quoted(username.encode()), quoted(password.encode())
                )
        except CommandFailed:
            raise AuthenticationFailed("login refused") from None
        found = _CAPABILITY.search(status)
        if found:
            self.capabilities = frozenset(found.group(1).decode("ascii", "replace").upper().split())
        else:
            _status, untagged = await self.command(b"CAPABILITY")
            self.capabilities = _capabilities(untagged)

    def has(self, capability: str) -> bool:
        return capability.upper() in self.capabilities

    # -- IDLE ---------------------------------------------------------------

    async def idle_start(self) -> tuple[bytes, list[list[Piece]]]:
        """Send IDLE; returns its tag and what arrived before the server's "+ idling"."""
        tag = self._next_tag()
        await self._send(tag + b" IDLE\r\n")
        untagged = await self._continuation()
        self._idle_tag = tag
        return tag, untagged

    async def idle_done(self, tag: bytes) -> list[list[Piece]]:
        """End IDLE; returns the untagged responses that came before the tagged OK."""
        await self._send(b"DONE\r\n")
        self._idle_tag = None
        _status, untagged = await self._complete(tag, b"IDLE")
        return untagged


def _capabilities(untagged: list[list[Piece]]) -> frozenset[str]:
    for response in untagged:
        first = head(response)
        if first.upper().startswith(b"* CAPABILITY "):
            return frozenset(first[13:].decode("ascii", "replace").upper().split())
    return frozenset()
