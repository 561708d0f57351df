"""A real SMTP submission server for development and tests, delivering into a private Dovecot.

It is an aiosmtpd server on a loopback port:

- AUTH PLAIN/LOGIN is checked against Dovecot itself (an IMAP LOGIN on Dovecot's loopback port),
  so a user's mail password is their SMTP password, as on a real submission service; AUTH
  OAUTHBEARER and XOAUTH2 (bearer tokens) the same way, by an IMAP AUTHENTICATE with the token,
  so the token is checked by Dovecot's oauth2 passdb (webmail/devmail/dovecot_oauth2.py);
- each recipient is checked at RCPT time against Dovecot's LMTP service (an unknown user is
  refused with Dovecot's own 550), trying the full address first and then, for a local domain,
  the local part (test users are called ``alice-1234`` and addressed ``alice-1234@example.org``);
- the message is delivered by LMTP, one transaction per recipient;
- ``max_size`` is announced with the SIZE extension and enforced (552);
- security ``starttls`` (AUTH only after STARTTLS), ``ssl`` (implicit TLS) or ``none``
  (loopback only), with the Dovecot instance's certificate (signed by its test CA).

Typical use::

    with SubmissionServer.for_dovecot(dovecot) as smtp:
        smtplib.SMTP(smtp.host, smtp.port).starttls(...)

``python -m webmail.devmail.smtp --ports-file DIR/ports.json`` runs one for the demo next to
``webmail.devmail.demo`` and writes ``smtp.json`` beside the ports file.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import json
import logging
import os
import signal
import smtplib
import ssl
import sys
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from mailview.imap.bearer import bearer_secret
from mailview.imap.client import IMAPConnection
from mailview.imap.endpoint import Endpoint
from mailview.imap.errors import MailError
from mailview.imap.protocol import sasl
from webmail.devmail.dovecot import Dovecot, free_port

__all__ = ["SubmissionServer", "main"]

log = logging.getLogger(__name__)

# aiosmtpd warns about AUTH without STARTTLS: wanted for plain loopback, and implicit TLS is TLS.
warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS", UserWarning)

SECURITIES = ("starttls", "ssl", "none")
DEFAULT_MAX_SIZE = 25 * 1024 * 1024


@dataclass(frozen=True)
class Backend:
    """Where the SMTP server checks passwords and delivers: a Dovecot's IMAP and LMTP ports."""

    host: str
    imap_port: int
    lmtp_port: int
    local_domains: tuple[str, ...] = ("example.org",)

    def check_password(self, username: str, password: str) -> bool:
        """True if Dovecot accepts this login (IMAP over plain loopback, the app's IMAP layer)."""
        endpoint = Endpoint(self.host, self.imap_port, "none")
        try:
            IMAPConnection.open(endpoint, username, password, 10).logout()
        except MailError:
            return False
        return True

    def _lmtp(self) -> smtplib.LMTP:
        lmtp = smtplib.LMTP(self.host, self.lmtp_port, timeout=30)
        code, reply = lmtp.ehlo("submission.localhost")
        if code != 250:
            lmtp.close()
            raise smtplib.SMTPResponseException(code, reply)
        return lmtp

    def mailbox_for(self, address: str) -> tuple[str | None, str]:
        """The Dovecot user that ``address`` delivers to, or None and the refusal."""
        candidates = [address]
        local, _, domain = address.rpartition("@")
        if local and domain.lower() in self.local_domains:
            candidates.append(local)
        refusal = "550 5.1.1 no such user"
        try:
            lmtp = self._lmtp()
        except (OSError, smtplib.SMTPException):
            return None, "451 4.3.0 the mail store is not available"
        try:
            lmtp.mail("")
            for candidate in candidates:
                code, reply = lmtp.rcpt(candidate)
                if code == 250:
                    return candidate, ""
                refusal = f"{code} {reply.decode(errors='replace')}"
                lmtp.rset()
                lmtp.mail("")
        except (OSError, smtplib.SMTPException):
            return None, "451 4.3.0 the mail store is not available"
        finally:
            with contextlib.suppress(Exception):
                lmtp.quit()
        return None, refusal

    def deliver(self, sender: str, mailbox: str, data: bytes) -> None:
        lmtp = self._lmtp()
        try:
            lmtp.sendmail(sender, [mailbox], data)
        finally:
            with contextlib.suppress(Exception):
                lmtp.quit()


class _OAuthMechanisms:
    """AUTH OAUTHBEARER and XOAUTH2 (aiosmtpd finds a handler's ``auth_<NAME>`` methods)."""

    backend: Backend

    async def auth_OAUTHBEARER(self, server: SMTP, args: list[str]) -> AuthResult:  # noqa: N802
        return await self._oauth(server, "OAUTHBEARER", args)

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:  # noqa: N802
        return await self._oauth(server, "XOAUTH2", args)

    async def _oauth(self, server: SMTP, mechanism: str, args: list[str]) -> AuthResult:
        if len(args) > 1:
            try:
                message = base64.b64decode(args[1], validate=True)
            except binascii.Error:
                return AuthResult(success=False, handled=False)
        else:
            answer = await server.challenge_auth("")
            if not isinstance(answer, bytes):
                return AuthResult(success=False, handled=True)  # aborted: already answered
            message = answer
        parsed = sasl.parse_oauth_message(mechanism, message)
        if parsed is None:
            return AuthResult(success=False, handled=False)
        login, token = parsed
        ok = await server.loop.run_in_executor(
            None, self.backend.check_password, login, bearer_secret(token)
        )
        if not ok:
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=LoginPassword(login.encode(), b""))


class _Handler(_OAuthMechanisms):
    def __init__(self, backend: Backend, hostname: str) -> None:
        self.backend = backend
        self.hostname = hostname
        self.delivered = 0

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list
    ) -> str:
        mailbox, refusal = await server.loop.run_in_executor(
            None, self.backend.mailbox_for, address
        )
        if mailbox is None:
            return refusal
        envelope.rcpt_tos.append(address)
        mailboxes = envelope.__dict__.setdefault("mailboxes", [])
        mailboxes.append(mailbox)
        return "250 2.1.5 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        login = session.auth_data.login.decode() if session.auth_data else "-"
        # aiosmtpd annotates peer as str; it is the socket's (host, port) address.
        peer: object = session.peer
        address = peer[0] if isinstance(peer, tuple) else peer
        received = (
            f"Received: from {session.host_name or 'unknown'} ({address})\r\n"
            f"\tby {self.hostname} (webmail devmail submission) with ESMTPSA\r\n"
            f"\t(authenticated as {login}); {formatdate(localtime=False)}\r\n"
        ).encode()
        content = envelope.original_content or envelope.content or b""
        data = received + (content.encode() if isinstance(content, str) else content)
        mailboxes: list[str] = envelope.__dict__.get("mailboxes", [])
        failures = []
        for mailbox in mailboxes:
            try:
                await server.loop.run_in_executor(
                    None, self.backend.deliver, envelope.mail_from or "", mailbox, data
                )
            except (OSError, smtplib.SMTPException) as exc:
                log.warning("delivery to %s failed: %s", mailbox, exc)
                failures.append(mailbox)
        if failures and len(failures) == len(mailboxes):
            return "451 4.3.0 delivery to the mail store failed; try again later"
        self.delivered += len(mailboxes) - len(failures)
        return "250 2.0.0 OK: queued"


class _Authenticator:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        try:
            login = auth_data.login.decode("utf-8")
            password = auth_data.password.decode("utf-8")
        except UnicodeDecodeError:
            return AuthResult(success=False, handled=False)
        ok = self.backend.check_password(login, password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


class SubmissionServer:
    """An authenticated SMTP submission server that delivers into Dovecot (module docstring)."""

    host = "127.0.0.1"

    def __init__(
        self,
        backend: Backend,
        *,
        security: str = "starttls",
        cert_file: Path | None = None,
        key_file: Path | None = None,
        ca_file: Path | None = None,
        max_size: int = DEFAULT_MAX_SIZE,
        port: int | None = None,
    ) -> None:
        if security not in SECURITIES:
            raise ValueError(f"security must be one of {SECURITIES}")
        if security != "none" and not (cert_file and key_file):
            raise ValueError("TLS needs cert_file and key_file")
        self.backend = backend
        self.security = security
        self.cert_file = cert_file
        self.key_file = key_file
        self.ca_file = ca_file
        self.max_size = max_size
        self.port = port or free_port()
        self._controller: Controller | None = None
        self.handler = _Handler(backend, "localhost")

    @classmethod
    def for_dovecot(cls, dovecot: Dovecot, **kwargs: Any) -> SubmissionServer:
        """A server checking passwords against and delivering into ``dovecot``."""
        backend = Backend(dovecot.host, dovecot.imap_port, dovecot.lmtp_port)
        if dovecot.tls:
            kwargs.setdefault("cert_file", dovecot.cert_file)
            kwargs.setdefault("key_file", dovecot.key_file)
            kwargs.setdefault("ca_file", dovecot.ca_file)
        else:
            kwargs.setdefault("security", "none")
        return cls(backend, **kwargs)

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<SubmissionServer {self.host}:{self.port} {self.security} {state}>"

    @property
    def running(self) -> bool:
        return self._controller is not None

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(self.cert_file), str(self.key_file))
        return context

    def start(self) -> None:
        if self._controller is not None:
            return
        # aiosmtpd logs every command at INFO; keep its warnings only.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        smtp_kwargs: dict[str, Any] = {
            "authenticator": _Authenticator(self.backend),
            "auth_required": True,
            # aiosmtpd only counts STARTTLS as TLS; with implicit TLS the whole session is.
            "auth_require_tls": self.security == "starttls",
            "data_size_limit": self.max_size,
            "ident": "webmail devmail submission",
        }
        controller_kwargs: dict[str, Any] = {"server_hostname": "localhost"}
        if self.security == "starttls":
            smtp_kwargs["tls_context"] = self._tls_context()
            smtp_kwargs["require_starttls"] = True
        elif self.security == "ssl":
            controller_kwargs["ssl_context"] = self._tls_context()
        controller = Controller(
            self.handler,
            hostname=self.host,
            port=self.port,
            ready_timeout=10.0,
            **controller_kwargs,
            **smtp_kwargs,
        )
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> SubmissionServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def env(self) -> dict[str, str]:
        """The webmail's SMTP_* settings for this server."""
        env = {
            "SMTP_HOST": self.host,
            "SMTP_PORT": str(self.port),
            "SMTP_SECURITY": self.security,
        }
        if self.ca_file:
            env["SMTP_CA_FILE"] = str(self.ca_file)
        return env


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m webmail.devmail.smtp",
        description="Run an SMTP submission server delivering into a running devmail Dovecot.",
    )
    parser.add_argument("--ports-file", type=Path, required=True, help="the demo's ports.json")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--security", choices=SECURITIES, default="starttls")
    parser.add_argument("--max-size", type=int, default=DEFAULT_MAX_SIZE)
    args = parser.parse_args(argv)

    info = json.loads(args.ports_file.read_text())
    root = Path(info["root"])
    security = args.security if info.get("ca_file") else "none"
    server = SubmissionServer(
        Backend(info["host"], int(info["imap_port"]), int(info["lmtp_port"])),
        security=security,
        cert_file=root / "tls" / "server.crt" if security != "none" else None,
        key_file=root / "tls" / "server.key" if security != "none" else None,
        ca_file=Path(info["ca_file"]) if info.get("ca_file") else None,
        max_size=args.max_size,
        port=args.port or None,
    )
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    out_file = args.ports_file.with_name("smtp.json")
    server.start()
    try:
        tmp = out_file.with_name(out_file.name + ".tmp")
        tmp.write_text(json.dumps(server.env()) + "\n")
        os.replace(tmp, out_file)
        print(json.dumps(server.env()), flush=True)
        stop.wait()
    finally:
        server.stop()
        out_file.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
