"""The canonical form of a login: one webmail account per mailbox, whatever the spelling.

Mail servers treat `Alice@Example.org` and `alice@example.org` as the same mailbox (Dovecot
lower-cases with its default `auth_username_format = %Lu`). Everything that keys on a login (the
Django user, two-factor devices, the disabled flag, sessions and "end sessions", the pool, audit
entries, throttling) takes it through `canonical_login` first, and the IMAP server is asked with
the canonical form too, so that no spelling of a login is a second account.

The domain part is always lower-cased; the local part is lower-cased (ASCII letters, as Dovecot's
%L does) unless the domain is configured with case-sensitive logins. A bare username takes the
case rule of WEBMAIL_DEFAULT_DOMAIN's Domain, if one is configured.
"""

from __future__ import annotations

from django.conf import settings

from accounts.servers import domain_servers

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ascii_lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)


def canonical_login(login: str, case_sensitive_domains: frozenset[str] | None = None) -> str:
    """The one spelling of `login` that identifies its account everywhere in the webmail.

    `case_sensitive_domains` None: the Domain table says (cached briefly); given, the function is
    pure (the data migration that merged case variants uses it that way).
    """
    login = login.strip()
    local, at, domain = login.rpartition("@")
    if at and local:
        domain = domain.strip().lower()
        if not _is_case_sensitive(domain, case_sensitive_domains):
            local = ascii_lower(local)
        return f"{local}@{domain}"
    default = (settings.WEBMAIL_DEFAULT_DOMAIN or "").strip().lower()
    if default and _is_case_sensitive(default, case_sensitive_domains):
        return login
    return ascii_lower(login)


def _is_case_sensitive(domain: str, known: frozenset[str] | None) -> bool:
    if known is not None:
        return domain in known
    found = domain_servers(domain)
    return found is not None and found.case_sensitive_logins
