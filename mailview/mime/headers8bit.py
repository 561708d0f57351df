"""Raw 8-bit bytes in a message's header, made 7-bit before APPEND (RFC 2047 encoded words).

Servers differ on raw non-ASCII header bytes: Dovecot stores them, Cyrus replaces each by "X"
without saying so. Imported messages therefore get their 8-bit header fields encoded first
(UTF-8 when the bytes are UTF-8, else Latin-1, the usual legacy charset) and the import reports
which fields were changed. Address fields keep their addresses: only the display names are
encoded. The body is left alone (8-bit bodies are fine for APPEND).
"""

from __future__ import annotations

import re
from email.header import Header
from email.utils import formataddr, getaddresses

# Fields whose value is a list of addresses: display names are encoded, addresses kept.
_ADDRESS_FIELDS = frozenset(
    {"from", "to", "cc", "bcc", "reply-to", "sender", "resent-from", "resent-to", "resent-cc"}
)
_FIELD = re.compile(rb"^([!-9;-~]+):[ \t]?(.*)$", re.DOTALL)


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _encode_words(text: str, name: str) -> str:
    return Header(text, "utf-8", header_name=name, maxlinelen=998).encode(linesep="\r\n")


def _encode_field(name: str, value: str) -> str:
    if name.lower() in _ADDRESS_FIELDS:
        parts = []
        for display, address in getaddresses([value]):
            if display and not display.isascii():
                display = _encode_words(display, name)
            if address and not address.isascii():
                return _encode_words(value, name)  # not an address we can keep: a text
            parts.append(formataddr((display, address)) if display else address)
        return ", ".join(parts)
    return _encode_words(value, name)


def encode_8bit_headers(data: bytes) -> tuple[bytes, list[str]]:
    """``data`` (CRLF lines) with every header field holding raw 8-bit bytes RFC 2047-encoded;
    and the names of the fields changed ([] and ``data`` itself when there were none)."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if head.isascii():
        return data, []
    fields: list[bytes] = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\r\n" + line
        else:
            fields.append(line)
    changed: list[str] = []
    out: list[bytes] = []
    for field in fields:
        match = _FIELD.match(field)
        if field.isascii() or match is None:
            out.append(field)
            continue
        name = match.group(1).decode("ascii")
        value = re.sub(r"\r\n[ \t]+", " ", _text(match.group(2))).strip()
        out.append(f"{name}: {_encode_field(name, value)}".encode("ascii"))
        changed.append(name)
    return b"\r\n".join(out) + sep + body, changed
