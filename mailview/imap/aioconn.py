"""The asyncio driver: the protocol core over an asyncio stream, for the IDLE watchers.

It does only what a watcher needs: connect (TLS, STARTTLS or, on loopback, plain), log in, send
a command and collect its untagged responses, IDLE. Bytes received go through
`protocol.responses.Framer` and come out as typed responses (`Data`, `Status`), the same the
blocking driver gives the facade.

TLS runs over ssl.MemoryBIO on a plain asyncio stream instead of asyncio's TLS transport:
that transport allocates a 256 KB read buffer per connection, which alone would be more than
the memory budget of an idle user (1,000 watchers: 250 MB).
"""

from __future__ import annotations

import asyncio
import base64
import ssl

from .bearer import bearer_token
from .endpoint import Endpoint
from .errors import (
    AuthenticationFailed,
    CommandFailed,
    ConnectionDropped,
    LoginPrivacyRequired,
    MailError,
    ServerTimeout,
    ServerUnreachable,
    TLSFailure,
    login_refusal,
    refusal,
)
from .protocol import sasl
from .protocol.commands import Argument, encode_command, string
from .protocol.responses import (
    Continuation,
    Data,
    Framer,
    Response,
    Status,
    capabilities,
    parse_response,
)
from .protocol.syntax import ResponseSyntaxError

READ_CHUNK = 8192

Untagged = Data | Status


def shared_context(server: Endpoint) -> ssl.SSLContext:
    """The server's TLS context, shared by all connections (see Endpoint.ssl_context)."""
    return server.ssl_context()


class AsyncIMAP:
    """One IMAP connection on the running event loop. Not shared between tasks."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        server: Endpoint,
        timeout: float,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self.server = server
        self.timeout = timeout
        self._tls: ssl.SSLObject | None = None
        self._incoming: ssl.MemoryBIO | None = None
        self._outgoing: ssl.MemoryBIO | None = None
        self._framer = Framer()
        self._tags = 0
        self.capabilities: frozenset[str] = frozenset()
        self.closed = False
        self._idle_tag: bytes | None = None
        # When a list: every command's untagged responses are also appended here. A watcher
        # reads it for the changes the server reported among the answers to its own commands
        # (RFC 3501 7: an EXPUNGE or a FETCH of new flags may come with any command's answer).
        self.answers: list[Untagged] | None = None

    # -- opening and closing ------------------------------------------------

    @classmethod
    async def open(
        cls, server: Endpoint, username: str, password: str, timeout: float
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
                greeting = await conn.read_response()
                if not isinstance(greeting, Status) or greeting.status != "OK":
                    raise ConnectionDropped(f"{server}: greeting {str(greeting)[:80]}")
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
        except (OSError, ResponseSyntaxError) as exc:
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
        self._framer = Framer()
        try:
            self._writer.close()
        except Exception:  # noqa: S110 - closing a socket that may already be gone
            pass

    # -- TLS and raw I/O ----------------------------------------------------

    async def _start_tls(self) -> None:
        if self._framer.buffered:
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
            self._framer.feed(raw)
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
            self._framer.feed(chunk)
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

    async def read_response(self) -> Response:
        """One complete response, its literals read too, typed."""
        while True:
            records = self._framer.next_response()
            if records is not None:
                return parse_response(records)
            await self._fill()

    # -- commands -----------------------------------------------------------

    def _next_tag(self) -> bytes:
        self._tags += 1
        return b"W%d" % self._tags

    async def _send_command(self, tag: bytes, words: tuple[Argument, ...]) -> None:
        pieces = encode_command(tag, words, "LITERAL+" in self.capabilities)
        for piece in pieces[:-1]:
            await self._send(piece)
            await self._continuation()
        await self._send(pieces[-1])

    async def _continuation(self) -> list[Untagged]:
        """Read until the server's "+"; returns the untagged responses met on the way."""
        untagged: list[Untagged] = []
        while True:
            response = await self.read_response()
            if isinstance(response, Continuation):
                return untagged
            if isinstance(response, Status) and response.status == "BYE":
                raise ConnectionDropped(str(response)[:200])
            if isinstance(response, Status) and response.tag != b"*":
                raise CommandFailed(str(response)[:200])
            untagged.append(response)

    async def command(self, *words: Argument) -> tuple[Status, list[Untagged]]:
        """Send a command; return the tagged OK and the untagged responses before it."""
        tag = self._next_tag()
        await self._send_command(tag, words)
        name = words[0] if isinstance(words[0], bytes) else b""
        status, untagged = await self._complete(tag, name.decode("ascii", "replace"))
        if self.answers is not None:
            self.answers += untagged
        return status, untagged

    async def _complete(self, tag: bytes, name: str) -> tuple[Status, list[Untagged]]:
        untagged: list[Untagged] = []
        while True:
            response = await self.read_response()
            if isinstance(response, Status) and response.tag == tag:
                if response.status == "OK":
                    return response, untagged
                raise refusal(name, response)
            if isinstance(response, Status) and response.status == "BYE" and name != "LOGOUT":
                raise ConnectionDropped(str(response)[:200])
            if isinstance(response, Continuation):
                raise ConnectionDropped(f"unexpected continuation to {name}")
            untagged.append(response)

    async def _login(self, username: str, password: str) -> None:
        _status, untagged = await self.command(b"CAPABILITY")
        self.capabilities = _capabilities(untagged)
        bearer = bearer_token(password)
        try:
            if bearer is not None:
                status = await self._authenticate_oauth(username, bearer)
            elif "AUTH=PLAIN" in self.capabilities:
                token = base64.b64encode(f"\0{username}\0{password}".encode())
                if "SASL-IR" in self.capabilities:
                    status, _ = await self.command(b"AUTHENTICATE", b"PLAIN", token)
                else:
                    tag = self._next_tag()
                    await self._send(tag + b" AUTHENTICATE PLAIN\r\n")
                    await self._continuation()
                    await self._send(token + b"\r\n")
                    status, _ = await self._complete(tag, "AUTHENTICATE")
            elif "LOGINDISABLED" in self.capabilities:
                raise LoginPrivacyRequired("the server allows no login on this connection")
            else:
                status, _ = await self.command(
                    b"LOGIN", string(username.encode()), string(password.encode())
                )
        except CommandFailed as exc:
            raise login_refusal(exc) from None
        if status.code is not None and status.code.name == "CAPABILITY":
            self.capabilities = capabilities(status.code.args)
        else:
            _status, untagged = await self.command(b"CAPABILITY")
            self.capabilities = _capabilities(untagged)

    async def _authenticate_oauth(self, username: str, token: str) -> Status:
        mechanism = sasl.oauth_mechanism(self.capabilities)
        if mechanism is None:
            raise AuthenticationFailed("the server offers no OAuth 2.0 mechanism")
        payload = sasl.oauth_initial_response(mechanism, username, token)
        initial = "SASL-IR" in self.capabilities
        tag = self._next_tag()
        line = b"%s AUTHENTICATE %s" % (tag, mechanism.encode())
        await self._send(line + (b" " + payload if initial else b"") + b"\r\n")
        sent = initial
        while True:
            response = await self.read_response()
            if isinstance(response, Continuation):
                # The first "+" asks for the message; a "+" after it carries the error status.
                await self._send((sasl.oauth_error_reply(mechanism) if sent else payload) + b"\r\n")
                sent = True
            elif isinstance(response, Status) and response.tag == tag:
                if response.status != "OK":
                    raise refusal("AUTHENTICATE", response)
                return response
            elif isinstance(response, Status) and response.status == "BYE":
                raise ConnectionDropped(str(response)[:200])

    def has(self, capability: str) -> bool:
        return capability.upper() in self.capabilities

    # -- IDLE ---------------------------------------------------------------

    async def idle_start(self) -> tuple[bytes, list[Untagged]]:
        """Send IDLE; returns its tag and what arrived before the server's "+ idling"."""
        tag = self._next_tag()
        await self._send(tag + b" IDLE\r\n")
        untagged = await self._continuation()
        self._idle_tag = tag
        return tag, untagged

    async def idle_done(self, tag: bytes) -> list[Untagged]:
        """End IDLE; returns the untagged responses that came before the tagged OK."""
        await self._send(b"DONE\r\n")
        self._idle_tag = None
        _status, untagged = await self._complete(tag, "IDLE")
        return untagged


def _capabilities(untagged: list[Untagged]) -> frozenset[str]:
    for response in untagged:
        if isinstance(response, Data) and response.kind == "CAPABILITY":
            return capabilities(response.line)
    return frozenset()
