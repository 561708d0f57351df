"""The blocking driver: the protocol core over a socket, for the request pool.

It connects (implicit TLS, STARTTLS or, on loopback, plain), logs in, sends commands built by
`protocol.commands` and reads responses as whole lines and literal bodies from a buffered file
over the socket (never a byte at a time), parsed by `protocol.responses`. It raises our errors
for the server's refusals (`errors.refusal`) and lets socket, TLS and syntax errors through
(OSError, TimeoutError, ssl.SSLError, ResponseSyntaxError): the facade decides what they mean.

Commands may be pipelined: `send` returns the tag, `finish(tag)` reads up to its completion.
"""

from __future__ import annotations

import base64
import io
import socket
import ssl
from typing import cast

from .bearer import bearer_token
from .endpoint import Endpoint
from .errors import (
    AuthenticationFailed,
    CommandFailed,
    ConnectionDropped,
    LoginPrivacyRequired,
    TLSFailure,
    login_refusal,
    refusal,
)
from .protocol import sasl
from .protocol.commands import Argument, FileLiteral, Piece, encode_streamed, string
from .protocol.responses import (
    MAX_LINE,
    Continuation,
    Data,
    Response,
    Status,
    capabilities,
    literal_size,
    parse_response,
)
from .protocol.syntax import Record, ResponseSyntaxError

READ_BUFFER = 64 * 1024
FILE_PIECE = 256 * 1024  # bytes of a file literal read and sent at a time

Untagged = Data | Status


class BlockingIMAP:
    """One IMAP connection read and written by the calling thread. Not thread safe."""

    def __init__(self, sock: socket.socket, endpoint: Endpoint) -> None:
        self._sock = sock
        self._file = cast(io.BufferedReader, sock.makefile("rb", buffering=READ_BUFFER))
        self.endpoint = endpoint
        self.capabilities: frozenset[str] = frozenset()
        self._tags = 0
        # Completions read while waiting for another tag (pipelined commands).
        self._done: dict[bytes, tuple[Status, list[Untagged]]] = {}
        # Untagged responses read while sending a literal, handed to the next finish().
        self._early: list[Untagged] = []
        self.greeting: Status | None = None

    # -- opening and closing ------------------------------------------------

    @classmethod
    def connect(cls, endpoint: Endpoint, timeout: float) -> BlockingIMAP:
        """Connect, read the greeting and secure the connection as the endpoint says."""
        sock = socket.create_connection((endpoint.host, endpoint.port), timeout=timeout)
        conn: BlockingIMAP | None = None
        try:
            if endpoint.security == "ssl":
                sock = endpoint.ssl_context().wrap_socket(sock, server_hostname=endpoint.host)
            conn = cls(sock, endpoint)
            conn._greet()
            if endpoint.security == "starttls":
                conn._starttls()
        except BaseException:
            if conn is not None:
                conn.close()  # the TLS socket too, once STARTTLS has wrapped it
            sock.close()
            raise
        return conn

    def _greet(self) -> None:
        greeting = self.read()
        if not isinstance(greeting, Status) or greeting.status not in ("OK", "PREAUTH"):
            raise ConnectionDropped(f"{self.endpoint}: greeting {str(greeting)[:80]}")
        self.greeting = greeting
        self._note_capabilities(greeting)

    def _starttls(self) -> None:
        if not self.capabilities:
            self.refresh_capabilities()
        if "STARTTLS" not in self.capabilities:
            raise TLSFailure(f"{self.endpoint}: the server offers no STARTTLS")
        self.command(b"STARTTLS")
        if self._buffered():
            # Bytes the server sent before the handshake would be trusted as if encrypted.
            raise ConnectionDropped("data after STARTTLS")
        self._file.close()
        self._sock = self.endpoint.ssl_context().wrap_socket(
            self._sock, server_hostname=self.endpoint.host
        )
        self._file = cast(io.BufferedReader, self._sock.makefile("rb", buffering=READ_BUFFER))
        self.capabilities = frozenset()

    def login(self, username: str, password: str) -> None:
        """AUTHENTICATE PLAIN where offered (any UTF-8 password), else LOGIN; for a bearer
        token (bearer.py) AUTHENTICATE OAUTHBEARER or XOAUTH2."""
        if not self.capabilities:
            self.refresh_capabilities()
        bearer = bearer_token(password)
        try:
            if bearer is not None:
                status = self._authenticate_oauth(username, bearer)
            elif "AUTH=PLAIN" in self.capabilities:
                token = base64.b64encode(f"\0{username}\0{password}".encode())
                tag = self.send((b"AUTHENTICATE", b"PLAIN"))
                while True:
                    response = self.read()
                    if isinstance(response, Continuation):
                        self._sock.sendall(token + b"\r\n")
                        break
                    if isinstance(response, Status) and response.tag == tag:
                        raise refusal("AUTHENTICATE", response)
                    if isinstance(response, Data | Status):
                        self._early.append(response)
                status, _ = self.finish(tag, "AUTHENTICATE")
            elif "LOGINDISABLED" in self.capabilities:
                raise LoginPrivacyRequired("the server allows no login on this connection")
            else:
                status, _ = self.command(
                    b"LOGIN", string(username.encode()), string(password.encode())
                )
        except CommandFailed as exc:
            raise login_refusal(exc) from None
        self.capabilities = frozenset()
        self._note_capabilities(status)
        if not self.capabilities:
            self.refresh_capabilities()

    def _authenticate_oauth(self, username: str, token: str) -> Status:
        mechanism = sasl.oauth_mechanism(self.capabilities)
        if mechanism is None:
            raise AuthenticationFailed("the server offers no OAuth 2.0 mechanism")
        payload = sasl.oauth_initial_response(mechanism, username, token)
        initial = "SASL-IR" in self.capabilities
        words: tuple[Argument, ...] = (b"AUTHENTICATE", mechanism.encode())
        tag = self.send((*words, payload) if initial else words)
        sent = initial
        while True:
            response = self.read()
            if isinstance(response, Continuation):
                # The first "+" asks for the message; a "+" after it carries the error status.
                self._sock.sendall(
                    (sasl.oauth_error_reply(mechanism) if sent else payload) + b"\r\n"
                )
                sent = True
            elif isinstance(response, Status) and response.tag == tag:
                if response.status != "OK":
                    raise refusal("AUTHENTICATE", response)
                return response
            elif isinstance(response, Status) and response.status == "BYE":
                raise ConnectionDropped(str(response)[:200])
            else:
                self._early.append(response)

    def refresh_capabilities(self) -> None:
        _status, untagged = self.command(b"CAPABILITY")
        for response in untagged:
            if isinstance(response, Data) and response.kind == "CAPABILITY":
                self.capabilities = capabilities(response.line)

    def _note_capabilities(self, status: Status) -> None:
        if status.code is not None and status.code.name == "CAPABILITY":
            self.capabilities = capabilities(status.code.args)

    def close(self) -> None:
        """Close the socket without a word; never raises."""
        for closing in (self._file.close, self._sock.close):
            try:
                closing()
            except Exception:  # noqa: S110 - closing a socket that may already be gone
                pass

    def _buffered(self) -> bytes:
        """Bytes already received and not read (without waiting for more)."""
        timeout = self._sock.gettimeout()
        self._sock.setblocking(False)
        try:
            return self._file.peek(1)
        except (BlockingIOError, ssl.SSLWantReadError):
            return b""
        finally:
            self._sock.settimeout(timeout)

    def settimeout(self, timeout: float | None) -> None:
        self._sock.settimeout(timeout)

    # -- reading ------------------------------------------------------------

    def read_records(self) -> list[Record]:
        """One complete response as records, its literals read too."""
        readline, read = self._file.readline, self._file.read
        records: list[Record] = []
        while True:
            line = readline(MAX_LINE)
            if not line.endswith(b"\n"):
                if not line:
                    raise ConnectionDropped("closed by the server")
                raise ResponseSyntaxError("response line too long")
            line = line[:-2] if line.endswith(b"\r\n") else line[:-1]
            size = literal_size(line) if line[:1] != b"+" or records else None
            if size is None:
                records.append(line)
                return records
            literal = read(size)
            if len(literal) < size:
                raise ConnectionDropped("closed by the server in a literal")
            records.append((line, literal))

    def read(self) -> Response:
        return parse_response(self.read_records())

    # -- commands -----------------------------------------------------------

    def send(self, words: tuple[Argument | FileLiteral, ...]) -> bytes:
        """Send a command; its tag. Synchronizing literals wait for the server's "+"; a
        `FileLiteral` is read and sent in pieces of FILE_PIECE bytes."""
        self._tags += 1
        tag = b"A%d" % self._tags
        pieces = encode_streamed(tag, words, "LITERAL+" in self.capabilities)
        for piece in pieces[:-1]:
            self._send_piece(piece)
            while True:
                response = self.read()
                if isinstance(response, Continuation):
                    break
                if isinstance(response, Status) and response.tag == tag:
                    raise refusal(
                        words[0].decode() if isinstance(words[0], bytes) else "", response
                    )
                if isinstance(response, Status) and response.status == "BYE":
                    raise ConnectionDropped(str(response))
                self._early.append(response)
        self._send_piece(pieces[-1])
        return tag

    def _send_piece(self, piece: Piece) -> None:
        for part in piece:
            if isinstance(part, bytes):
                self._sock.sendall(part)
                continue
            sent = 0
            with open(part.path, "rb") as fh:
                while sent < part.size:
                    chunk = fh.read(min(FILE_PIECE, part.size - sent))
                    if not chunk:
                        break
                    self._sock.sendall(chunk)
                    sent += len(chunk)
            if sent != part.size:
                # The literal's length was promised: the connection cannot be used any more.
                raise ConnectionDropped(f"{part.path} is shorter than its literal ({sent})")

    def command_streamed(self, *words: Argument | FileLiteral) -> tuple[Status, list[Untagged]]:
        """`command` for a command with a `FileLiteral` (APPEND from a file)."""
        name = words[0].decode("ascii", "replace") if isinstance(words[0], bytes) else ""
        return self.finish(self.send(words), name)

    def finish(self, tag: bytes, command: str) -> tuple[Status, list[Untagged]]:
        """Read until `tag` completes; its status and the untagged responses read on the way.
        Raises the classified error when the server answered NO or BAD."""
        done = self._done.pop(tag, None)
        if done is None:
            untagged, self._early = self._early, []
            while True:
                response = self.read()
                if isinstance(response, Status) and response.tag != b"*":
                    if response.tag == tag:
                        done = (response, untagged)
                        break
                    self._done[response.tag] = (response, [])
                    continue
                if isinstance(response, Continuation):
                    raise ConnectionDropped(f"unexpected continuation to {command}")
                if isinstance(response, Status) and response.status == "BYE":
                    if command != "LOGOUT":
                        raise ConnectionDropped(str(response)[:200])
                untagged.append(response)
        status = done[0]
        if status.status not in ("OK", "PREAUTH"):
            raise refusal(command, status)
        return done

    def command(self, *words: Argument) -> tuple[Status, list[Untagged]]:
        """Send a command and read its answer (see `finish`)."""
        name = words[0].decode("ascii", "replace") if isinstance(words[0], bytes) else ""
        if name == "UID" and len(words) > 1 and isinstance(words[1], bytes):
            name = words[1].decode("ascii", "replace")
        return self.finish(self.send(words), name)
