"""Address fields: parse, validate, and refuse anything that could forge a header."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.headerregistry import Address as HeaderAddress
from email.utils import getaddresses

from django.utils.translation import gettext as _

from mailview.compose.errors import HeaderInjection, InvalidAddress

_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
MAX_RECIPIENTS = 500


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str

    def header(self) -> HeaderAddress:
        local, _, domain = self.email.rpartition("@")
        return HeaderAddress(display_name=self.name, username=local, domain=domain)

    def __str__(self) -> str:
        return str(self.header())


def check_single_line(value: str, field: str) -> str:
    """``value`` if it holds no line break or other control character, else HeaderInjection."""
    # Everything str.splitlines() breaks at (the email package refuses those) and NUL.
    if any(ch in value for ch in "\r\n\x00\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
        raise HeaderInjection(
            f"line break in {field}",
            user_message=_("Line breaks are not allowed in the %(field)s field.")
            % {"field": field},
        )
    return value


def normalise_email(email: str) -> str | None:
    """The address with an IDNA (ASCII) domain, or None if it is not a valid address."""
    email = email.strip()
    if email.count("@") != 1 or len(email) > 254:
        return None
    local, domain = email.split("@")
    if not _LOCAL.match(local) or len(local) > 64:
        return None
    domain = domain.rstrip(".")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    labels = ascii_domain.split(".")
    if len(labels) < 2 and ascii_domain != "localhost":
        return None
    if not all(_LABEL.match(label) for label in labels):
        return None
    return f"{local}@{ascii_domain.lower()}"


def parse_addresses(value: str, field: str) -> list[Recipient]:
    """The recipients written in a To/Cc/Bcc field (comma or semicolon separated).

    Raises HeaderInjection for line breaks and InvalidAddress naming the first bad entry.
    """
    check_single_line(value, field)
    value = value.strip().strip(",;").strip()
    if not value:
        return []
    recipients: list[Recipient] = []
    seen: set[str] = set()
    for entry in _split(value):
        if not entry.strip():
            continue
        parsed = getaddresses([entry])
        if len(parsed) != 1 or not parsed[0][1]:
            raise _invalid(entry, field)
        name, email = parsed[0]
        normal = normalise_email(email)
        # getaddresses() forgives too much ("a@exa mple.org" becomes "a@example.org"): the
        # address must stand in the entry exactly as written, alone or between angle brackets.
        written = entry.strip()
        if "<" in written:
            inner = re.search(r"<([^<>]*)>\s*$", written)
            written = inner.group(1).strip() if inner else ""
        if normal is None or written != email:
            raise _invalid(entry, field)
        if normal.lower() in seen:
            continue
        seen.add(normal.lower())
        recipients.append(Recipient(name=name.strip(), email=normal))
    if len(recipients) > MAX_RECIPIENTS:
        raise InvalidAddress(
            "too many recipients",
            user_message=_("Too many recipients in the %(field)s field.") % {"field": field},
        )
    return recipients


def _split(value: str) -> list[str]:
    """Split on commas and semicolons outside quotes and angle brackets."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    angle = 0
    escape = False
    for ch in value:
        if escape:
            current.append(ch)
            escape = False
            continue
        if ch == "\\" and quoted:
            escape = True
        elif ch == '"':
            quoted = not quoted
        elif ch == "<" and not quoted:
            angle += 1
        elif ch == ">" and not quoted:
            angle = max(0, angle - 1)
        elif ch in ",;" and not quoted and not angle:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def _invalid(entry: str, field: str) -> InvalidAddress:
    shown = entry.strip()[:120]
    return InvalidAddress(
        f"invalid address in {field}",
        user_message=_("“%(address)s” in the %(field)s field is not a valid email address.")
        % {"address": shown, "field": field},
    )


def format_recipients(recipients: list[Recipient]) -> str:
    """For showing in a field again (unicode, not encoded)."""
    return ", ".join(str(r) for r in recipients)
