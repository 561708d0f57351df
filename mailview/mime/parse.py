"""Reading a message from its BODYSTRUCTURE and only the parts the view needs.

Pure functions over what IMAP returns: BODYSTRUCTURE to a tree of `MimePart`, which parts to
show and which are attachments (`plan`), header and body decoding with notices for whatever
had to be guessed. Nothing here raises on a malformed message: it does what it can and says so.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import mimetypes
import quopri
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any
from urllib.parse import unquote_to_bytes

from mailview.imap.client import Address, decode_text

HEADER_FIELDS = ("FROM", "TO", "CC", "REPLY-TO", "DATE", "SUBJECT", "MESSAGE-ID")
MAX_TEXT_BYTES = 2_000_000
MAX_DEPTH = 40
MAX_PARTS = 500
SECTION = re.compile(r"^[1-9][0-9]{0,5}(\.[1-9][0-9]{0,5}){0,39}$")
# Raster images a browser shows without running anything; everything else is a download.
INLINE_IMAGE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/x-ms-bmp"}
)
PREVIEW_TYPES = INLINE_IMAGE_TYPES | {"application/pdf"}


@dataclass(frozen=True)
class MimePart:
    """One node of BODYSTRUCTURE. `section` is the IMAP section of a leaf ("1", "2.1")."""

    section: str
    mimetype: str
    params: Mapping[str, str] = field(default_factory=dict)
    content_id: str | None = None
    description: str = ""
    encoding: str = "7bit"
    size: int = 0
    disposition: str | None = None
    filename: str | None = None
    children: tuple[MimePart, ...] = ()
    # message/rfc822: the embedded message's own body structure.
    message: MimePart | None = None

    @property
    def is_multipart(self) -> bool:
        return self.mimetype.startswith("multipart/")

    @property
    def charset(self) -> str | None:
        return self.params.get("charset")

    @property
    def is_message(self) -> bool:
        return self.mimetype in ("message/rfc822", "message/global")

    @property
    def decoded_size(self) -> int:
        """The size once the transfer encoding is undone (estimated for base64)."""
        if self.encoding == "base64":
            return self.size * 57 // 78
        return self.size

    def walk(self) -> Iterator[MimePart]:
        yield self
        for child in self.children:
            yield from child.walk()
        if self.message is not None:
            yield from self.message.walk()

    def find(self, section: str) -> MimePart | None:
        for part in self.walk():
            if part.section == section and not part.is_multipart:
                return part
        return None


def _text(item: Any) -> str:
    if isinstance(item, bytes):
        return item.decode("utf-8", "replace")
    if isinstance(item, str):
        return item
    return ""


def decode_params(raw: Any) -> dict[str, str]:
    """MIME parameters as IMAP lists them, with RFC 2231 (name*, name*0*, ...) put together."""
    if not isinstance(raw, tuple | list):
        return {}
    items = [_text(x) for x in raw]
    simple: dict[str, str] = {}
    pieces: dict[str, list[tuple[int, bool, str]]] = {}
    for key, value in zip(items[::2], items[1::2], strict=False):
        key = key.strip().lower()
        match = re.fullmatch(r"([^*]+)\*(?:(\d+)(\*)?)?", key)
        if match is None:
            simple[key] = decode_text(value) if "=?" in value else value
            continue
        name, number, star = match.groups()
        extended = number is None or star is not None
        pieces.setdefault(name, []).append((int(number or 0), extended, value))
    for name, segments in pieces.items():
        segments.sort()
        charset = "us-ascii"
        data = b""
        for i, (_, extended, value) in enumerate(segments):
            if extended:
                if i == 0 and value.count("'") >= 2:
                    charset, _lang, value = value.split("'", 2)
                data += unquote_to_bytes(value)
            else:
                data += value.encode("utf-8", "replace")
        simple[name] = _decode_bytes(data, charset or "us-ascii")
    return simple


def _decode_bytes(data: bytes, charset: str) -> str:
    try:
        return data.decode(_codec(charset) or "utf-8")
    except UnicodeDecodeError:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def _codec(charset: str | None) -> str | None:
    """A Python codec name for a MIME charset, or None if Python does not know it."""
    name = (charset or "").strip().strip("\"'").lower()
    if not name or name in {"us-ascii", "ascii", "ansi_x3.4-1968", "unknown-8bit", "x-unknown"}:
        return "utf-8"  # 8-bit bytes in "ASCII" mail are almost always UTF-8
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    if info.name in {"base64", "quopri", "uu", "zlib", "bz2", "hex", "rot-13"}:
        return None  # bytes-to-bytes codecs are not character sets
    return info.name


def _int(item: Any) -> int:
    return item if isinstance(item, int) and item >= 0 else 0


def _disposition(item: Any) -> tuple[str | None, dict[str, str]]:
    if isinstance(item, tuple | list) and item:
        return _text(item[0]).lower() or None, decode_params(item[1] if len(item) > 1 else None)
    return None, {}


def parse_bodystructure(raw: Any) -> MimePart:
    """BODYSTRUCTURE (as imapclient returns it) to a tree of MimePart; never raises."""
    counter = [0]
    try:
        return _node(raw, "", 0, counter)
    except (TypeError, ValueError, IndexError, AttributeError, RecursionError):
        return MimePart(section="1", mimetype="text/plain")


def _node(raw: Any, section: str, depth: int, counter: list[int]) -> MimePart:
    counter[0] += 1
    if depth > MAX_DEPTH or counter[0] > MAX_PARTS:
        return MimePart(section=section or "1", mimetype="application/octet-stream")
    raw = tuple(raw) if isinstance(raw, tuple | list) else ()
    if raw and isinstance(raw[0], tuple | list):
        if isinstance(raw[0], list):
            children_raw, rest = list(raw[0]), raw[1:]
        else:
            n = next((i for i, x in enumerate(raw) if not isinstance(x, tuple | list)), len(raw))
            children_raw, rest = list(raw[:n]), raw[n:]
        prefix = f"{section}." if section else ""
        children = tuple(
            _node(child, f"{prefix}{i}", depth + 1, counter)
            for i, child in enumerate(children_raw, start=1)
        )
        subtype = _text(rest[0]).lower() if rest else "mixed"
        disposition, _ = _disposition(rest[2] if len(rest) > 2 else None)
        return MimePart(
            section=section,
            mimetype=f"multipart/{subtype or 'mixed'}",
            params=decode_params(rest[1] if len(rest) > 1 else None),
            disposition=disposition,
            children=children,
        )
    section = section or "1"
    maintype = _text(raw[0]).lower() if raw else "text"
    subtype = _text(raw[1]).lower() if len(raw) > 1 else "plain"
    mimetype = f"{maintype or 'application'}/{subtype or 'octet-stream'}"
    params = decode_params(raw[2] if len(raw) > 2 else None)
    content_id = _text(raw[3]).strip().strip("<>").strip() if len(raw) > 3 else ""
    message = None
    if mimetype in ("message/rfc822", "message/global") and len(raw) > 8:
        inner = raw[8]
        is_multi = isinstance(inner, tuple | list) and inner and isinstance(inner[0], tuple | list)
        message = _node(inner, section if is_multi else f"{section}.1", depth + 1, counter)
        ext = 10
    elif maintype == "text":
        ext = 8
    else:
        ext = 7
    disposition, dparams = _disposition(raw[ext + 1] if len(raw) > ext + 1 else None)
    filename = dparams.get("filename") or params.get("name")
    return MimePart(
        section=section,
        mimetype=mimetype,
        params=params,
        content_id=content_id or None,
        description=decode_text(_text(raw[4])) if len(raw) > 4 else "",
        encoding=(_text(raw[5]).lower() if len(raw) > 5 else "") or "7bit",
        size=_int(raw[6]) if len(raw) > 6 else 0,
        disposition=disposition,
        filename=filename or None,
        message=message,
    )


# -- what to show ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """The parts to show, in order, and the parts to offer as attachments."""

    bodies: tuple[MimePart, ...]
    attachments: tuple[MimePart, ...]
    # Content-ID (without <>) -> section, for cid: references in HTML.
    inline: Mapping[str, str]
    # True when an alternative between HTML and text was made (the view offers the other).
    alternative: bool = False


def _contains(part: MimePart, mimetype: str) -> bool:
    return any(p.mimetype == mimetype for p in part.walk() if not p.is_message)


def plan(root: MimePart, prefer_html: bool = True) -> Plan:
    """Which parts make up the message as shown (like a mail client's "body") and the rest."""
    bodies: list[MimePart] = []
    attachments: list[MimePart] = []
    state = {"alternative": False}

    def visit(part: MimePart) -> None:
        if part.is_multipart:
            if not part.children:
                return
            if part.mimetype == "multipart/alternative":
                state["alternative"] = True
                visit(_choose_alternative(part.children, prefer_html))
            elif part.mimetype == "multipart/related":
                start = part.params.get("start", "").strip().strip("<>")
                root = next((c for c in part.children if start and c.content_id == start), None)
                root = root or part.children[0]
                visit(root)
                for child in part.children:
                    if child is not root and (child.disposition == "attachment"):
                        attachments.append(child)
            else:
                for child in part.children:
                    visit(child)
            return
        shown = part.mimetype in ("text/plain", "text/html") and part.disposition != "attachment"
        if shown and not (part.filename and part.disposition != "inline" and bodies):
            bodies.append(part)
        else:
            attachments.append(part)

    visit(root)
    inline = {
        p.content_id: p.section
        for p in root.walk()
        if p.content_id and not p.is_multipart and not p.is_message
    }
    return Plan(tuple(bodies), tuple(attachments), inline, state["alternative"])


def _choose_alternative(children: Sequence[MimePart], prefer_html: bool) -> MimePart:
    wanted = "text/html" if prefer_html else "text/plain"
    other = "text/plain" if prefer_html else "text/html"
    # The last alternative is the richest (RFC 2046): look from the end.
    for target in (wanted, other):
        for child in reversed(children):
            if child.mimetype == target or (child.is_multipart and _contains(child, target)):
                return child
    return children[-1]


# -- decoding --------------------------------------------------------------------------------


def undo_transfer_encoding(raw: bytes, encoding: str) -> tuple[bytes, bool]:
    """Bytes with base64/quoted-printable undone; False if they were damaged."""
    try:
        if encoding == "base64":
            cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", raw)
            cleaned = cleaned[: len(cleaned) - len(cleaned) % 4 if len(cleaned) % 4 == 1 else None]
            return base64.b64decode(cleaned + b"=" * (-len(cleaned) % 4)), True
        if encoding == "quoted-printable":
            return quopri.decodestring(raw), True
    except (binascii.Error, ValueError):
        return raw, False
    return raw, True


def decode_body(raw: bytes, encoding: str, charset: str | None) -> tuple[str, list[str]]:
    """Undo the transfer encoding and the charset; notices say what had to be guessed."""
    notices: list[str] = []
    raw, intact = undo_transfer_encoding(raw, encoding)
    if not intact:
        notices.append("The message text is damaged; it is shown as received.")
    name = _codec(charset)
    if name is None:
        shown = (charset or "").strip()[:40]
        notices.append(f"Unknown character set “{shown}”: the text is shown as UTF-8.")
        name = "utf-8"
    try:
        return raw.decode(name), notices
    except UnicodeDecodeError:
        pass
    if name != "utf-8":
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            notices.append(f"The text is not valid {name} as declared: it is shown as UTF-8.")
            return text, notices
    if name == "utf-8":
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            pass
        else:
            notices.append("The text is not valid UTF-8: it is shown as Windows-1252.")
            return text, notices
    notices.append(f"The text is not valid {name}: characters that could not be read are marked.")
    return raw.decode(name, errors="replace"), notices


def addresses(value: str | None) -> tuple[Address, ...]:
    if not value:
        return ()
    try:
        pairs = getaddresses([value])
    except (ValueError, IndexError, TypeError):
        return (Address(name=decode_text(value), email=""),)
    return tuple(
        Address(name=decode_text(name)[:500], email=_clean(email)[:500])
        for name, email in pairs
        if email or name
    )


def _clean(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")


@dataclass(frozen=True)
class Headers:
    subject: str
    sender: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    date: datetime | None
    message_id: str
    notices: tuple[str, ...] = ()


def parse_headers(raw: bytes) -> Headers:
    """The displayed headers, RFC 2047 decoded, from a HEADER.FIELDS response."""
    headers = message_from_bytes(raw or b"", policy=policy.compat32)
    notices: list[str] = []

    def get(name: str) -> str | None:
        try:
            value = headers[name]
        except (TypeError, ValueError, IndexError):
            return None
        return str(value) if value is not None else None

    date_header = get("Date")
    try:
        date = parsedate_to_datetime(date_header) if date_header else None
    except (TypeError, ValueError, IndexError, OverflowError):
        date = None
    if date_header and date is None:
        notices.append("The message's date could not be read.")
    subject = decode_text(get("Subject"))
    return Headers(
        subject=_clean(subject.replace("\n", " ").replace("\t", " "))[:2000],
        sender=addresses(get("From")),
        to=addresses(get("To")),
        cc=addresses(get("Cc")),
        reply_to=addresses(get("Reply-To")),
        date=date,
        message_id=(get("Message-ID") or "").strip()[:1000],
        notices=tuple(notices),
    )


def safe_filename(name: str | None, part: MimePart | None = None) -> str:
    """A file name fit for Content-Disposition and a zip entry: no path, no control characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().lstrip(".").strip()[:200]
    if not name and part is not None:
        ext = mimetypes.guess_extension(part.mimetype) or ""
        if part.is_message:
            ext = ".eml"
        name = f"part-{part.section}{ext}"
    return name or "attachment"
