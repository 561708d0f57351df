"""A blocking ManageSieve client (RFC 5804): STARTTLS or implicit TLS, SASL PLAIN, and the
script commands (LISTSCRIPTS, GETSCRIPT, PUTSCRIPT, CHECKSCRIPT, SETACTIVE, DELETESCRIPT).

The wire format is small: a response is lines of atoms, quoted strings and literals
(``{n}`` or ``{n+}`` then n octets), ending with OK, NO or BYE, an optional response code in
parentheses and an optional human-readable string. Scripts are sent as non-synchronizing
literals (``{n+}``), so no user text is ever put inside a quoted command argument.

Typical use::

    with ManageSieve.open(Endpoint("mail.example.org", 4190, "starttls"), user, pw) as sieve:
        sieve.put_script("webmail", text)
        sieve.set_active("webmail")
"""

from __future__ import annotations

import base64
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import BinaryIO

from mailview.imap.endpoint import Endpoint

from .errors import (
    AuthenticationFailed,
    FiltersUnavailable,
    MailError,
    ScriptRejected,
    SieveCommandFailed,
)

__all__ = ["Capabilities", "ManageSieve", "Reply", "ScriptInfo", "quote_argument"]

_MAX_LINE = 64 * 1024
_MAX_LITERAL = 4 * 1024 * 1024
_TOKEN = re.compile(rb'\s*(?:"((?:[^"\\]|\\.)*)"|\{(\d+)\+?\}$|\(([^)]*)\)|([^\s"(){}]+))')


@dataclass(frozen=True)
class Capabilities:
    """What the server announced (its greeting, or the answer to CAPABILITY)."""

    implementation: str = ""
    sieve: frozenset[str] = frozenset()
    sasl: frozenset[str] = frozenset()
    starttls: bool = False
    version: str = ""
    max_redirects: int | None = None

    def has(self, extension: str) -> bool:
        return extension.lower() in self.sieve


@dataclass(frozen=True)
class ScriptInfo:
    name: str
    active: bool


@dataclass(frozen=True)
class Reply:
    """The end of a response: OK, NO or BYE, its response code and its message."""

    status: str
    code: str
    message: str


def quote_argument(value: str) -> bytes:
    """A ManageSieve quoted string; refuses what cannot be quoted (CR, LF, NUL)."""
    if any(c in value for c in "\r\n\0"):
        raise ValueError("a script name cannot contain line breaks")
    return b'"' + value.replace("\\", "\\\\").replace('"', '\\"').encode() + b'"'


class _Atom(str):
    """An unquoted token (OK, NO, ACTIVE, a response code): never a script name or a string."""


def _unquote(raw: bytes) -> str:
    return re.sub(rb"\\(.)", rb"\1", raw).decode("utf-8", "replace")


class ManageSieve:
    """One logged-in ManageSieve connection. Not thread safe; close() or use ``with``."""

    def __init__(self, sock: socket.socket, endpoint: Endpoint, timeout: float) -> None:
        self.endpoint = endpoint
        self._sock = sock
        self._file: BinaryIO = sock.makefile("rb")
        self.timeout = timeout
        self.capabilities = Capabilities()

    # -- opening ------------------------------------------------------------------------------

    @classmethod
    def open(
        cls, endpoint: Endpoint, username: str, password: str, timeout: float = 20.0
    ) -> ManageSieve:
        """Connect, secure the connection as the endpoint says, and log in with SASL PLAIN."""
        try:
            raw = socket.create_connection((endpoint.host, endpoint.port), timeout=timeout)
        except TimeoutError as exc:
            raise FiltersUnavailable(f"{endpoint}: {exc}") from None
        except OSError as exc:
            raise FiltersUnavailable(f"{endpoint}: {exc}") from None
        try:
            if endpoint.security == "ssl":
                raw = cls._wrap(raw, endpoint)
            conn = cls(raw, endpoint, timeout)
            conn.capabilities = conn._read_capabilities()
            if endpoint.security == "starttls":
                conn._starttls()
            conn._authenticate(username, password)
        except BaseException:
            raw.close()
            raise
        return conn

    @staticmethod
    def _wrap(sock: socket.socket, endpoint: Endpoint) -> socket.socket:
        try:
            return endpoint.ssl_context().wrap_socket(sock, server_hostname=endpoint.host)
        except (ssl.SSLError, OSError) as exc:
            raise FiltersUnavailable(
                f"TLS with {endpoint}: {exc}",
                user_message=(
                    "A secure connection to the filter service could not be established "
                    "(its certificate could not be verified)."
                ),
            ) from None

    def _starttls(self) -> None:
        if not self.capabilities.starttls:
            raise FiltersUnavailable(f"{self.endpoint} does not offer STARTTLS")
        self._send(b"STARTTLS\r\n")
        self._expect_ok(self._read_response()[1], "STARTTLS")
        self._file.close()
        self._sock = self._wrap(self._sock, self.endpoint)
        self._file = self._sock.makefile("rb")
        # RFC 5804 2.2: the server sends its capabilities again after the TLS handshake.
        self.capabilities = self._read_capabilities()

    def _authenticate(self, username: str, password: str) -> None:
        if "PLAIN" not in self.capabilities.sasl:
            raise FiltersUnavailable(f"{self.endpoint} does not offer SASL PLAIN")
        token = base64.b64encode(f"\0{username}\0{password}".encode()).decode()
        self._send(b'AUTHENTICATE "PLAIN" ' + quote_argument(token) + b"\r\n")
        _lines, reply = self._read_response()
        if reply.status != "OK":
            raise AuthenticationFailed(f"ManageSieve login refused: {reply.message}")
        # RFC 5804 2.1: a server may send capabilities again after authentication (in the OK's
        # response code, or not at all); Dovecot does not.

    # -- commands -----------------------------------------------------------------------------

    def capability(self) -> Capabilities:
        self._send(b"CAPABILITY\r\n")
        self.capabilities = self._read_capabilities()
        return self.capabilities

    def list_scripts(self) -> list[ScriptInfo]:
        self._send(b"LISTSCRIPTS\r\n")
        lines, reply = self._read_response()
        self._expect_ok(reply, "LISTSCRIPTS")
        scripts = []
        for tokens in lines:
            if tokens and not isinstance(tokens[0], _Atom):
                active = len(tokens) > 1 and str(tokens[1]).upper() == "ACTIVE"
                scripts.append(ScriptInfo(tokens[0], active))
        return scripts

    def get_script(self, name: str) -> str:
        self._send(b"GETSCRIPT " + quote_argument(name) + b"\r\n")
        lines, reply = self._read_response()
        self._expect_ok(reply, "GETSCRIPT")
        for tokens in lines:
            if tokens:
                return str(tokens[0])
        return ""

    def put_script(self, name: str, script: str) -> None:
        """Store (create or replace) a script; ScriptRejected lists the server's errors."""
        self._send(b"PUTSCRIPT " + quote_argument(name) + b" " + self._as_literal(script))
        self._expect_ok(self._read_response()[1], "PUTSCRIPT", script=True)

    def check_script(self, script: str) -> str:
        """The server's warnings for a valid script ("" if none); ScriptRejected if invalid."""
        self._send(b"CHECKSCRIPT " + self._as_literal(script))
        reply = self._read_response()[1]
        self._expect_ok(reply, "CHECKSCRIPT", script=True)
        return reply.message

    def set_active(self, name: str) -> None:
        """Make ``name`` the active script; "" deactivates every script."""
        self._send(b"SETACTIVE " + quote_argument(name) + b"\r\n")
        self._expect_ok(self._read_response()[1], "SETACTIVE")

    def delete_script(self, name: str) -> None:
        self._send(b"DELETESCRIPT " + quote_argument(name) + b"\r\n")
        self._expect_ok(self._read_response()[1], "DELETESCRIPT")

    def logout(self) -> None:
        try:
            self._send(b"LOGOUT\r\n")
            self._read_response()
        except MailError:
            pass
        finally:
            self.close()

    def close(self) -> None:
        try:
            self._file.close()
        finally:
            self._sock.close()

    def __enter__(self) -> ManageSieve:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.logout()

    # -- wire ---------------------------------------------------------------------------------

    @staticmethod
    def _as_literal(script: str) -> bytes:
        data = script.encode("utf-8")
        return b"{%d+}\r\n" % len(data) + data + b"\r\n"

    def _send(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except OSError as exc:
            raise FiltersUnavailable(f"sending to {self.endpoint}: {exc}") from None

    def _readline(self) -> bytes:
        try:
            line = self._file.readline(_MAX_LINE)
        except OSError as exc:
            raise FiltersUnavailable(f"reading from {self.endpoint}: {exc}") from None
        if not line:
            raise FiltersUnavailable(f"{self.endpoint} closed the connection")
        return line

    def _read_exact(self, size: int) -> bytes:
        if size > _MAX_LITERAL:
            raise FiltersUnavailable(f"{self.endpoint} sent a {size}-octet literal")
        try:
            data = self._file.read(size)
        except OSError as exc:
            raise FiltersUnavailable(f"reading from {self.endpoint}: {exc}") from None
        if len(data) != size:
            raise FiltersUnavailable(f"{self.endpoint} closed the connection")
        return data

    def _tokens(self) -> Iterator[list[str]]:
        """Each line of the response as its tokens (a literal is one str token)."""
        while True:
            line = self._readline().rstrip(b"\r\n")
            tokens: list[str] = []
            pos = 0
            while pos < len(line):
                match = _TOKEN.match(line, pos)
                if match is None:
                    raise FiltersUnavailable(f"unreadable line from {self.endpoint}: {line!r}")
                pos = match.end()
                quoted, literal, code, atom = match.groups()
                if quoted is not None:
                    tokens.append(_unquote(quoted))
                elif literal is not None:
                    tokens.append(self._read_exact(int(literal)).decode("utf-8", "replace"))
                    # The literal's octets are followed by the rest of the line.
                    line = self._readline().rstrip(b"\r\n")
                    pos = 0
                elif code is not None:
                    tokens.append(_Atom("(" + code.decode("utf-8", "replace") + ")"))
                elif atom is not None:
                    tokens.append(_Atom(atom.decode("utf-8", "replace")))
            yield tokens

    def _read_response(self) -> tuple[list[list[str]], Reply]:
        lines: list[list[str]] = []
        for tokens in self._tokens():
            head = tokens[0].upper() if tokens and isinstance(tokens[0], _Atom) else ""
            if head in ("OK", "NO", "BYE"):
                rest = tokens[1:]
                code = ""
                if rest and isinstance(rest[0], _Atom) and rest[0].startswith("("):
                    code = rest.pop(0)[1:-1]
                reply = Reply(head, code, " ".join(rest))
                if head == "BYE":
                    raise FiltersUnavailable(f"{self.endpoint} said BYE: {reply.message}")
                return lines, reply
            lines.append(tokens)
        raise AssertionError("unreachable")

    def _read_capabilities(self) -> Capabilities:
        lines, reply = self._read_response()
        self._expect_ok(reply, "CAPABILITY")
        found: dict[str, str] = {}
        for tokens in lines:
            if tokens:
                found[tokens[0].upper()] = tokens[1] if len(tokens) > 1 else ""
        redirects = found.get("MAXREDIRECTS", "")
        return Capabilities(
            implementation=found.get("IMPLEMENTATION", ""),
            sieve=frozenset(found.get("SIEVE", "").lower().split()),
            sasl=frozenset(found.get("SASL", "").upper().split()),
            starttls="STARTTLS" in found,
            version=found.get("VERSION", ""),
            max_redirects=int(redirects) if redirects.isdigit() else None,
        )

    def _expect_ok(self, reply: Reply, command: str, *, script: bool = False) -> None:
        if reply.status == "OK":
            return
        detail = f"{command}: {reply.status} ({reply.code}) {reply.message}"
        if script and reply.code in ("", "WARNINGS"):
            raise ScriptRejected(detail, code=reply.code, message=reply.message)
        raise SieveCommandFailed(detail, code=reply.code, message=reply.message)
