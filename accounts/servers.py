"""Which mail server a login goes to.

A MailServer is the address and transport security of an IMAP (and SMTP)
server. Today every login goes to the default server from the environment;
per-domain servers plug in at `server_for_login`.
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SECURITY_CHOICES = ("ssl", "starttls", "none")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class MailServer:
    """An IMAP server and how to reach it. Hashable: it is part of the pool's key."""

    host: str
    port: int
    security: str = "starttls"
    ca_file: str | None = None

    def __post_init__(self) -> None:
        if self.security not in SECURITY_CHOICES:
            raise ImproperlyConfigured(
                f"IMAP security {self.security!r} is not one of {', '.join(SECURITY_CHOICES)}"
            )
        if not 0 < self.port < 65536:
            raise ImproperlyConfigured(f"IMAP port {self.port} is out of range")
        if (
            self.security == "none"
            and not is_loopback(self.host)
            and not settings.WEBMAIL_ALLOW_PLAINTEXT_REMOTE
        ):
            raise ImproperlyConfigured(
                f"Refusing unencrypted IMAP to {self.host}: use ssl or starttls, "
                "or set WEBMAIL_ALLOW_PLAINTEXT_REMOTE=true"
            )

    def ssl_context(self) -> ssl.SSLContext:
        """A verifying TLS context: system CAs plus the configured extra CA."""
        context = ssl.create_default_context()
        if self.ca_file:
            context.load_verify_locations(cafile=self.ca_file)
        return context

    def __str__(self) -> str:
        return f"{self.host}:{self.port} ({self.security})"


@cache
def _default_server(host: str, port: int, security: str, ca_file: str | None) -> MailServer:
    return MailServer(host=host, port=port, security=security, ca_file=ca_file)


def default_server() -> MailServer:
    return _default_server(
        settings.IMAP_HOST, settings.IMAP_PORT, settings.IMAP_SECURITY, settings.IMAP_CA_FILE
    )


def server_for_login(login: str) -> MailServer:
    """The IMAP server that authenticates `login` and holds its mail."""
    return default_server()
