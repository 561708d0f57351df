"""Where an IMAP server is and how to reach it: host, port, transport security, extra CA.

`accounts.servers.MailServer` is this type with the deployment's rules checked (plaintext only
to loopback unless allowed); the drivers only need the plain endpoint.
"""

from __future__ import annotations

import ipaddress
import ssl
import threading
import time
from dataclasses import dataclass

SECURITY_CHOICES = ("ssl", "starttls", "none")
CONTEXT_TTL = 600.0
_contexts: dict[str | None, tuple[float, ssl.SSLContext]] = {}
_contexts_lock = threading.Lock()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Endpoint:
    """An IMAP server and how to reach it. Hashable: it is part of the pool's key."""

    host: str
    port: int
    security: str = "starttls"
    ca_file: str | None = None

    def __post_init__(self) -> None:
        if self.security not in SECURITY_CHOICES:
            raise ValueError(
                f"IMAP security {self.security!r} is not one of {', '.join(SECURITY_CHOICES)}"
            )
        if not 0 < self.port < 65536:
            raise ValueError(f"IMAP port {self.port} is out of range")

    def ssl_context(self) -> ssl.SSLContext:
        """A verifying TLS context: system CAs plus the configured extra CA.

        Shared by every connection to servers with the same extra CA: a context holds the whole
        system CA store (about 1 MB) and each connection keeps its context alive. Re-made every
        CONTEXT_TTL seconds, so a replaced CA file is picked up.
        """
        now = time.monotonic()
        with _contexts_lock:
            made = _contexts.get(self.ca_file)
            if made is None or now - made[0] > CONTEXT_TTL:
                context = ssl.create_default_context()
                if self.ca_file:
                    context.load_verify_locations(cafile=self.ca_file)
                made = (now, context)
                _contexts[self.ca_file] = made
        return made[1]

    def __str__(self) -> str:
        return f"{self.host}:{self.port} ({self.security})"
