"""Which From addresses a user may send as: a per-domain policy, checked when an identity is
saved and again when a message is sent.

- "own": the login's own address only (user@domain; a bare login at WEBMAIL_DEFAULT_DOMAIN);
- "aliases": that, and the aliases an admin listed on the mail account (SenderAlias);
- "any": any address (the mail server may still refuse).

A Domain's `sender_policy` decides for its users; empty, and for logins of no configured domain,
WEBMAIL_SENDER_POLICY does ("aliases" in production, "any" otherwise). Addresses are compared as
logins are (accounts.logins.canonical_login): `Alice@Example.org` is alice@example.org's own.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from accounts.logins import canonical_login
from accounts.models import SenderAlias
from accounts.servers import domain_of, domain_servers

OWN = "own"
ALIASES = "aliases"
ANY = "any"
POLICIES = (OWN, ALIASES, ANY)


def sender_policy(login: str) -> str:
    domain = domain_of(login) or (settings.WEBMAIL_DEFAULT_DOMAIN or "").strip().lower()
    found = domain_servers(domain) if domain else None
    if found is not None and found.sender_policy in POLICIES:
        return found.sender_policy
    return str(settings.WEBMAIL_SENDER_POLICY)


def own_address(login: str) -> str:
    """The login's own address (the default identity's)."""
    login = canonical_login(login)
    if "@" in login:
        return login
    return f"{login}@{settings.WEBMAIL_DEFAULT_DOMAIN or 'localhost'}"


def aliases(login: str) -> list[str]:
    rows = SenderAlias.objects.filter(account__login=canonical_login(login))
    return list(rows.values_list("address", flat=True))


def allowed_senders(login: str) -> list[str] | None:
    """The addresses `login` may send as; None for any address."""
    policy = sender_policy(login)
    if policy == ANY:
        return None
    own = [own_address(login)]
    return own + aliases(login) if policy == ALIASES else own


def sender_allowed(login: str, address: str) -> bool:
    allowed = allowed_senders(login)
    if allowed is None:
        return True
    wanted = canonical_login(address)
    return any(canonical_login(a) == wanted for a in allowed)


def allowed_text(login: str) -> str:
    """What the identity form says under the address field ("" when any address will do)."""
    allowed = allowed_senders(login)
    if allowed is None:
        return ""
    return _("Addresses you can send as: %(addresses)s") % {"addresses": ", ".join(allowed)}


def refusal_message(login: str) -> str:
    allowed = allowed_senders(login) or []
    return _("You can send only as %(addresses)s.") % {"addresses": ", ".join(allowed)}
