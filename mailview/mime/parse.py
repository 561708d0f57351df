"""Reading a message from its BODYSTRUCTURE and only the parts the view needs."""

from __future__ import annotations

import base64
import binascii
import codecs
import html
import quopri
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from ..imap.client import Address, IMAPConnection, decode_text

HEADER_FIELDS = "FROM TO CC REPLY-TO DATE SUBJECT MESSAGE-ID"
MAX_TEXT_BYTES = 2_000_000


@dataclass(frozen=True)
class MessageText:
    uid: int
    subject: str
    sender: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    date: datetime | None
    text: str
    flags: frozenset[str]
    notices: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Leaf:
    section: str
    mimetype: str
    charset: str | None
    encoding: str
    size: int


def _params(raw: Any) -> dict[str, str]:
    if not isinstance(raw, tuple):
        return {}
    items = [decode_text(x) if isinstance(x, bytes) else str(x) for x in raw]
    return {k.lower(): v for k, v in zip(items[::2], items[1::2], strict=False)}


def leaves(body: Any, section: str = "") -> list[Leaf]:
    """The non-multipart parts of a BODYSTRUCTURE with their IMAP section numbers."""
    if body.is_multipart:
        out: list[Leaf] = []
        for i, part in enumerate(body[0], start=1):
            out.extend(leaves(part, f"{section}.{i}" if section else str(i)))
        return out

    def text(item: Any, default: str) -> str:
        return item.decode(errors="replace").lower() if isinstance(item, bytes) else default

    size = body[6] if len(body) > 6 and isinstance(body[6], int) else 0
    return [
        Leaf(
            section=section or "1",
            mimetype=f"{text(body[0], 'text')}/{text(body[1], 'plain')}",
            charset=_params(body[2]).get("charset"),
            encoding=text(body[5], "7bit") if len(body) > 5 else "7bit",
            size=size,
        )
    ]


def decode_body(raw: bytes, encoding: str, charset: str | None) -> tuple[str, list[str]]:
    """Undo the transfer encoding and the charset; notices say what had to be guessed."""
    notices: list[str] = []
    try:
        if encoding == "base64":
            raw = base64.b64decode(re.sub(rb"[^A-Za-z0-9+/=]", b"", raw) + b"===")
        elif encoding == "quoted-printable":
            raw = quopri.decodestring(raw)
    except (binascii.Error, ValueError):
        notices.append("The message text is damaged; it is shown as received.")
    name = (charset or "us-ascii").strip().strip('"').lower()
    try:
        codecs.lookup(name)
    except LookupError:
        notices.append(f"Unknown character set {name!r}: the text is shown as UTF-8.")
        name = "utf-8"
    if name in {"us-ascii", "ascii"}:
        name = "utf-8"  # 8-bit bytes in "ASCII" mail are almost always UTF-8
    try:
        return raw.decode(name), notices
    except UnicodeDecodeError:
        notices.append(
            f"The text is not valid {name}: characters that could not be read are marked."
        )
        return raw.decode(name, errors="replace"), notices


def _addresses(value: str | None) -> tuple[Address, ...]:
    if not value:
        return ()
    return tuple(
        Address(name=decode_text(name), email=email)
        for name, email in getaddresses([value])
        if email or name
    )


def html_to_text(markup: str) -> str:
    """A readable text from HTML (tags removed, entities resolved, blocks on their own lines)."""
    markup = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", "", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</(p|div|tr|li|h[1-6])\s*>", "\n", markup)
    text = html.unescape(re.sub(r"(?s)<[^>]*>", "", markup))
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def read_message_text(conn: IMAPConnection, uid: int) -> MessageText | None:
    """Headers and the best text part of message `uid` in the selected folder."""
    data = conn.fetch_parts(
        uid, ["FLAGS", "BODYSTRUCTURE", f"BODY.PEEK[HEADER.FIELDS ({HEADER_FIELDS})]"]
    )
    if not data:
        return None
    header_bytes = next((v for k, v in data.items() if k.startswith(b"BODY[HEADER")), b"") or b""
    headers = message_from_bytes(header_bytes, policy=policy.compat32)
    notices: list[str] = []
    parts = leaves(data[b"BODYSTRUCTURE"]) if data.get(b"BODYSTRUCTURE") else []
    plain = next((p for p in parts if p.mimetype == "text/plain"), None)
    rich = next((p for p in parts if p.mimetype == "text/html"), None)
    chosen = plain or rich
    text = ""
    if chosen is not None:
        fetched = conn.fetch_parts(uid, [f"BODY.PEEK[{chosen.section}]<0.{MAX_TEXT_BYTES}>"])
        raw = next((v for k, v in fetched.items() if k.startswith(b"BODY[")), b"") or b""
        text, notices = decode_body(raw, chosen.encoding, chosen.charset)
        if chosen is rich:
            text = html_to_text(text)
        if chosen.size > MAX_TEXT_BYTES:
            notices.append("The text is long: only its beginning is shown.")
    try:
        date = parsedate_to_datetime(headers["Date"]) if headers["Date"] else None
    except (TypeError, ValueError, IndexError):
        date = None
        notices.append("The message's date could not be read.")
    return MessageText(
        uid=uid,
        subject=decode_text(headers["Subject"]),
        sender=_addresses(headers["From"]),
        to=_addresses(headers["To"]),
        cc=_addresses(headers["Cc"]),
        reply_to=_addresses(headers["Reply-To"]),
        date=date,
        text=text,
        flags=frozenset(f.decode("ascii", "replace") for f in data.get(b"FLAGS", ())),
        notices=tuple(notices),
    )
