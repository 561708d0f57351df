"""Which mail server a login goes to.

A MailServer is the address and transport security of an IMAP (and SMTP)
server. A login user@domain goes to the servers of that Domain (configured in
the admin); a bare username goes to the default server from the environment,
and so does an unconfigured domain when WEBMAIL_DEFAULT_SERVER_ANY_DOMAIN is on.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from accounts.models import Domain
from mailview.imap.endpoint import Endpoint, is_loopback
from mailview.imap.errors import MailError


@dataclass(frozen=True)
class MailServer(Endpoint):
    """An IMAP (or SMTP) server of this deployment: an `Endpoint` checked against the settings
    (no unencrypted connection to a remote host unless WEBMAIL_ALLOW_PLAINTEXT_REMOTE)."""

    def __post_init__(self) -> None:
        try:
            super().__post_init__()
        except ValueError as exc:
            raise ImproperlyConfigured(str(exc)) from None
        if (
            self.security == "none"
            and not is_loopback(self.host)
            and not settings.WEBMAIL_ALLOW_PLAINTEXT_REMOTE
        ):
            raise ImproperlyConfigured(
                f"Refusing unencrypted IMAP to {self.host}: use ssl or starttls, "
                "or set WEBMAIL_ALLOW_PLAINTEXT_REMOTE=true"
            )


@cache
def _default_server(host: str, port: int, security: str, ca_file: str | None) -> MailServer:
    return MailServer(host=host, port=port, security=security, ca_file=ca_file)


def default_server() -> MailServer:
    return _default_server(
        settings.IMAP_HOST, settings.IMAP_PORT, settings.IMAP_SECURITY, settings.IMAP_CA_FILE
    )


class LoginRefused(MailError):
    """The login's domain is not served here (or is disabled): said on the login form."""

    user_message = _("This webmail does not serve that domain.")
    status = 403


#: How long a domain's configuration is kept in this process (seconds); saving or deleting a
#: Domain clears it at once in the process that saved it.
DOMAIN_CACHE_TTL = 10.0


@dataclass(frozen=True)
class DomainServers:
    name: str
    imap: MailServer
    smtp: MailServer | None
    enabled: bool
    require_2fa: bool
    case_sensitive_logins: bool = False
    sender_policy: str = ""
    sieve: MailServer | None = None
    allow_external_forwarding: bool = True


_domain_cache: dict[str, tuple[float, DomainServers | None]] = {}
_domain_cache_lock = threading.Lock()


def clear_domain_cache(*args: Any, **kwargs: Any) -> None:
    with _domain_cache_lock:
        _domain_cache.clear()


def domain_of(login: str) -> str:
    """The domain part of user@domain, lower-cased; "" for a bare username."""
    local, at, domain = login.rpartition("@")
    return domain.strip().lower() if at and local else ""


def domain_servers(name: str) -> DomainServers | None:
    """The configured Domain `name` (cached briefly), or None."""
    now = time.monotonic()
    with _domain_cache_lock:
        cached = _domain_cache.get(name)
    if cached is not None and cached[0] > now:
        return cached[1]
    row = Domain.objects.filter(name=name).first()
    found = None
    if row is not None:
        ca = row.ca_file or None
        found = DomainServers(
            name=row.name,
            imap=MailServer(row.imap_host, row.imap_port, row.imap_security, ca),
            smtp=(
                MailServer(row.smtp_host, row.smtp_port, row.smtp_security, ca)
                if row.smtp_host
                else None
            ),
            enabled=row.enabled,
            require_2fa=row.require_2fa,
            case_sensitive_logins=row.case_sensitive_logins,
            sender_policy=row.sender_policy,
            sieve=MailServer(
                row.sieve_host or row.imap_host,
                row.sieve_port or 4190,
                row.sieve_security or "starttls",
                ca,
            ),
            allow_external_forwarding=not row.forbid_external_forwarding,
        )
    with _domain_cache_lock:
        _domain_cache[name] = (now + DOMAIN_CACHE_TTL, found)
    return found


def _domain_for_login(login: str) -> DomainServers | None:
    """The Domain of `login`; None when the default server takes it; LoginRefused otherwise."""
    name = domain_of(login)
    if not name:
        return None
    found = domain_servers(name)
    if found is None:
        if settings.WEBMAIL_DEFAULT_SERVER_ANY_DOMAIN:
            return None
        raise LoginRefused(f"domain {name!r} is not configured")
    if not found.enabled:
        raise LoginRefused(
            f"domain {name!r} is disabled",
            user_message=str(_("Logins for this domain are disabled. Ask your administrator.")),
        )
    return found


def server_for_login(login: str) -> MailServer:
    """The IMAP server that authenticates `login` and holds its mail.

    Raises LoginRefused for a domain that is not configured (unless the default server takes
    any domain) or is disabled.
    """
    found = _domain_for_login(login)
    return found.imap if found is not None else default_server()


def smtp_server_for_login(login: str) -> MailServer:
    """The SMTP submission server for `login`: its domain's, else the default from settings."""
    found = _domain_for_login(login)
    if found is not None and found.smtp is not None:
        return found.smtp
    if found is not None:
        return MailServer(
            found.imap.host,
            465 if settings.SMTP_SECURITY == "ssl" else 587,
            settings.SMTP_SECURITY,
            found.imap.ca_file,
        )
    return MailServer(
        settings.SMTP_HOST, settings.SMTP_PORT, settings.SMTP_SECURITY, settings.SMTP_CA_FILE
    )


def sieve_server_for_login(login: str) -> MailServer:
    """The ManageSieve server for `login`: its domain's, else the SIEVE_* settings."""
    found = _domain_for_login(login)
    if found is not None and found.sieve is not None:
        return found.sieve
    return MailServer(
        settings.SIEVE_HOST, settings.SIEVE_PORT, settings.SIEVE_SECURITY, settings.SIEVE_CA_FILE
    )


def external_forwarding_allowed(login: str) -> bool:
    """False when the login's domain forbids forwarding mail to other domains."""
    found = _domain_for_login(login)
    return found is None or found.allow_external_forwarding


def domain_requires_2fa(login: str) -> bool:
    found = _domain_for_login(login)
    return found is not None and found.require_2fa
