"""The development mail server of the compose stack: Dovecot with the seeded demo mailbox, and
a small SMTP submission relay that delivers to Dovecot over LMTP. For a demo, not production.

    python docker/mailserver.py --root /var/mail-demo --imap-port 143 --smtp-port 587 \
        --sieve-port 4190

Dovecot gets the same Sieve and ACL set-up as the test and demo servers (webmail/devmail/sieve.py
and acl.py): Pigeonhole's sieve plugin on LMTP delivery, ManageSieve on --sieve-port (plain, on
the compose network only, like IMAP here), redirects and out-of-office replies sent through the
relay below, the acl plugin with the shared namespace (shared/<user>/) and the public one
(Public/, seeded with the demo's public folders).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import smtplib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from webmail.devmail.acl import acl_config, seed_public_folders  # noqa: E402
from webmail.devmail.demo import seed_demo  # noqa: E402
from webmail.devmail.dovecot import Dovecot, ensure_mail_user  # noqa: E402
from webmail.devmail.sieve import sieve_config, wait_for_managesieve  # noqa: E402

# The devmail config listens on loopback only; in the container IMAP and ManageSieve must be
# reachable from the other services (LMTP stays on loopback, for the relay below). After the
# Sieve snippet, whose ManageSieve listener this widens.
LISTEN_EVERYWHERE = """
listen = *
service imap-login {
  inet_listener imap {
    address = *
  }
}
service managesieve-login {
  inet_listener sieve {
    address = *
  }
}
"""


class LMTPRelay(asyncio.Protocol):
    """Just enough SMTP (RFC 5321, no AUTH, no TLS) to hand a message to Dovecot's LMTP."""

    def __init__(self, lmtp_port: int) -> None:
        self.lmtp_port = lmtp_port
        self.buffer = b""
        self.sender = ""
        self.recipients: list[str] = []
        self.data: list[bytes] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.reply("220 devmail ESMTP")

    def reply(self, line: str) -> None:
        self.transport.write(line.encode() + b"\r\n")  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\r\n", 1)
            self.line(line)

    def line(self, line: bytes) -> None:
        if self.data is not None:
            if line == b".":
                self.deliver(b"\r\n".join(self.data) + b"\r\n")
                self.data = None
            else:
                self.data.append(line[1:] if line.startswith(b"..") else line)
            return
        verb, _, arg = line.decode("utf-8", "replace").partition(" ")
        verb = verb.upper()
        if verb in {"EHLO", "HELO"}:
            self.reply("250 devmail")
        elif verb == "MAIL":
            self.sender, self.recipients = arg.partition(":")[2].strip().strip("<>"), []
            self.reply("250 OK")
        elif verb == "RCPT":
            self.recipients.append(arg.partition(":")[2].strip().strip("<>"))
            self.reply("250 OK")
        elif verb == "DATA":
            self.data = []
            self.reply("354 End data with <CR><LF>.<CR><LF>")
        elif verb in {"RSET", "NOOP"}:
            self.reply("250 OK")
        elif verb == "QUIT":
            self.reply("221 Bye")
            self.transport.close()
        else:
            self.reply("502 Command not implemented")

    def deliver(self, message: bytes) -> None:
        try:
            with smtplib.LMTP("127.0.0.1", self.lmtp_port) as lmtp:
                lmtp.sendmail(self.sender, self.recipients, message)
            self.reply("250 OK delivered")
        except smtplib.SMTPException as exc:
            self.reply(f"550 not delivered: {exc}")


async def serve(dovecot: Dovecot, smtp_port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: LMTPRelay(dovecot.lmtp_port),
        "0.0.0.0",  # noqa: S104 - inside the compose network
        smtp_port,
    )
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        while not stop.is_set() and dovecot.running:
            try:
                await asyncio.wait_for(stop.wait(), 1)
            except TimeoutError:
                pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=Path("/var/mail-demo"))
    parser.add_argument("--imap-port", type=int, default=143)
    parser.add_argument("--smtp-port", type=int, default=587)
    parser.add_argument("--lmtp-port", type=int, default=24)
    parser.add_argument("--sieve-port", type=int, default=4190)
    parser.add_argument("--user", default="demo@example.org")
    parser.add_argument("--password", default="demo")
    args = parser.parse_args()
    args.root.mkdir(parents=True, exist_ok=True)
    args.root.chmod(0o755)
    # Sieve scripts live under <root>/sieve/<user>/, owned by the mail user.
    uid, gid = ensure_mail_user()
    scripts = args.root / "sieve"
    scripts.mkdir(exist_ok=True)
    os.chown(scripts, uid, gid)
    sieve = sieve_config(args.root, managesieve_port=args.sieve_port, relay_port=args.smtp_port)
    acl = acl_config(args.root / "mail")  # Dovecot(root).mail_dir
    # Plain IMAP and ManageSieve on the compose network (WEBMAIL_ALLOW_PLAINTEXT_REMOTE).
    dovecot = Dovecot(args.root, extra_config=acl + sieve + LISTEN_EVERYWHERE, tls=False)
    dovecot.imap_port, dovecot.lmtp_port = args.imap_port, args.lmtp_port
    dovecot.start()
    try:
        wait_for_managesieve("127.0.0.1", args.sieve_port)
        dovecot.add_user(args.user, args.password)
        marker = args.root / "seeded"
        if not marker.exists():
            counts = seed_demo(dovecot, args.user, args.password)
            marker.write_text(json.dumps(counts) + "\n")
        public_marker = args.root / "seeded-public"
        if not public_marker.exists():
            counts = seed_public_folders(dovecot, args.user, args.password)
            public_marker.write_text(json.dumps(counts) + "\n")
        print(
            f"devmail: IMAP :{args.imap_port} SMTP :{args.smtp_port} "
            f"ManageSieve :{args.sieve_port} {args.user}",
            flush=True,
        )
        asyncio.run(serve(dovecot, args.smtp_port))
    finally:
        dovecot.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
