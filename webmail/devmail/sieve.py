"""Sieve for the private Dovecot: Pigeonhole's sieve plugin on LMTP delivery, ManageSieve on a
loopback port (STARTTLS with the instance's certificate), and a relay for what Sieve sends.

A Dovecot with Sieve is an ordinary `Dovecot` whose ``extra_config`` is `sieve_config(...)`;
`sieve_dovecot(root)` builds one (ports chosen up front, the per-user script directory made).
Redirects and vacation replies leave Dovecot through ``submission_host``: a `Relay`, an
unauthenticated loopback SMTP server that delivers local recipients by LMTP into the same
Dovecot and keeps every message it received in ``relay.messages`` (tests read forwards to
outside addresses and auto-replies there).

Typical use::

    relay = Relay()
    sieve = sieve_dovecot(root, relay_port=relay.port)
    sieve.dovecot.start()
    wait_for_managesieve("127.0.0.1", sieve.managesieve_port)
    relay.attach(sieve.dovecot)
    relay.start()
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from webmail.devmail.dovecot import Dovecot, ensure_mail_user, free_port
from webmail.devmail.smtp import Backend

__all__ = [
    "Relay",
    "RelayedMessage",
    "SieveDovecot",
    "sieve_config",
    "sieve_dovecot",
    "wait_for_managesieve",
]


def sieve_config(root: Path, *, managesieve_port: int, relay_port: int | None) -> str:
    """The ``extra_config`` that adds Sieve on delivery and a ManageSieve service."""
    submission = f"submission_host = 127.0.0.1:{relay_port}\n" if relay_port else ""
    return f"""\
# -- Sieve (webmail.devmail.sieve) --
protocols = $protocols sieve
protocol lmtp {{
  mail_plugins = $mail_plugins sieve
}}
service managesieve-login {{
  inet_listener sieve {{
    address = 127.0.0.1
    port = {managesieve_port}
  }}
}}
{submission}plugin {{
  sieve = file:{root}/sieve/%u/scripts;active={root}/sieve/%u/active.sieve
  sieve_extensions = +vacation-seconds
  sieve_vacation_min_period = 1s
  sieve_max_redirects = 4
}}
"""


@dataclass(frozen=True)
class SieveDovecot:
    """A Dovecot with Sieve and the port of its ManageSieve service."""

    dovecot: Dovecot
    managesieve_port: int


def sieve_dovecot(
    root: Path, *, relay_port: int | None = None, tls: bool = True, extra_config: str = ""
) -> SieveDovecot:
    """A (not yet started) Dovecot under ``root`` with Sieve on delivery and ManageSieve.

    ``extra_config`` comes first, so that its global settings (``mail_plugins`` of full-text
    search) reach the ``protocol lmtp`` block that Sieve adds after it."""
    uid, gid = ensure_mail_user()
    root.mkdir(parents=True, exist_ok=True)
    scripts = root / "sieve"
    scripts.mkdir(exist_ok=True)
    os.chown(scripts, uid, gid)
    port = free_port()
    server = Dovecot(
        root,
        extra_config=extra_config
        + sieve_config(root, managesieve_port=port, relay_port=relay_port),
        tls=tls,
    )
    return SieveDovecot(server, port)


def wait_for_managesieve(host: str, port: int, timeout: float = 10.0) -> None:
    """Return once the ManageSieve port greets (its login process is connected to auth)."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError), socket.create_connection((host, port), 1.0) as sock:
            data = b""
            while b"\nOK" not in data and b"\r\nOK" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
            if b"OK" in data:
                sock.sendall(b"LOGOUT\r\n")
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"ManageSieve on {host}:{port} did not greet in {timeout} s")
        time.sleep(0.05)


@dataclass(frozen=True)
class RelayedMessage:
    sender: str
    recipients: tuple[str, ...]
    data: bytes


class _RelayHandler:
    def __init__(self, relay: Relay) -> None:
        self.relay = relay

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or envelope.content or b""
        data = content.encode() if isinstance(content, str) else content
        message = RelayedMessage(envelope.mail_from or "", tuple(envelope.rcpt_tos), data)
        backend = self.relay.backend
        if backend is not None:
            for address in envelope.rcpt_tos:
                mailbox, _refusal = await server.loop.run_in_executor(
                    None, backend.mailbox_for, address
                )
                if mailbox is not None:
                    with contextlib.suppress(OSError, smtplib.SMTPException):
                        await server.loop.run_in_executor(
                            None, backend.deliver, message.sender, mailbox, data
                        )
        with self.relay.lock:
            self.relay.messages.append(message)
        return "250 2.0.0 OK: relayed"


class Relay:
    """Dovecot's outgoing SMTP (module docstring): records everything, delivers local mail."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[RelayedMessage] = []
        self.lock = threading.Lock()
        self.backend: Backend | None = None
        self._controller: Controller | None = None

    def attach(self, dovecot: Dovecot) -> None:
        """Deliver local recipients into ``dovecot`` (by LMTP, as the submission server does)."""
        self.backend = Backend(dovecot.host, dovecot.imap_port, dovecot.lmtp_port)

    def start(self) -> None:
        if self._controller is None:
            controller = Controller(
                _RelayHandler(self), hostname=self.host, port=self.port, ready_timeout=10.0
            )
            controller.start()
            self._controller = controller

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def sent_to(self, address: str) -> list[RelayedMessage]:
        with self.lock:
            return [m for m in self.messages if address in m.recipients]
