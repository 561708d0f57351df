"""FETCH items to typed values: list rows, envelopes, header text, sort dates.

`fetch_values` types the raw items of `protocol.syntax.fetch_items`: INTERNALDATE and the
ENVELOPE's date as datetimes (None when unparsable), ENVELOPE an `Envelope` of
`EnvelopeAddress`es; BODYSTRUCTURE stays the nested tuples (mailview.mime.parse reads them).
"""

from __future__ import annotations

import binascii
import codecs
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from .protocol.dates import parse_datetime
from .protocol.syntax import Record, fetch_items
from .types import Address, MessageSummary

# The attachment indicator comes from the Content-Type header (multipart/mixed and friends), as
# Roundcube does: BODYSTRUCTURE would say more, but parsing it is a third of a list page's time.
CONTENT_TYPE_ITEM = b"BODY.PEEK[HEADER.FIELDS (CONTENT-TYPE)]"
ROW_FETCH_ITEMS = [
    b"UID",
    b"FLAGS",
    b"ENVELOPE",
    b"RFC822.SIZE",
    b"INTERNALDATE",
    CONTENT_TYPE_ITEM,
]
ROW_FETCH_ARGUMENT = b"(" + b" ".join(ROW_FETCH_ITEMS) + b")"
# The list's snippets, in the same FETCH: PREVIEW (RFC 8970) where the server offers it, else
# the first bytes of the body with the headers needed to decode them (mailview.mime.snippet).
PARTIAL_TEXT_BYTES = 384
_PREVIEW_ARGUMENT = b"(" + b" ".join([*ROW_FETCH_ITEMS, b"PREVIEW"]) + b")"
_PARTIAL_ARGUMENT = (
    b"("
    + b" ".join(
        [
            *(item for item in ROW_FETCH_ITEMS if item != CONTENT_TYPE_ITEM),
            b"BODY.PEEK[HEADER.FIELDS (CONTENT-TYPE CONTENT-TRANSFER-ENCODING)]",
            b"BODY.PEEK[TEXT]<0.%d>" % PARTIAL_TEXT_BYTES,
        ]
    )
    + b")"
)


def row_fetch_argument(capabilities: frozenset[str]) -> bytes:
    """The FETCH items of list rows on a server with `capabilities` (snippets included)."""
    return _PREVIEW_ARGUMENT if "PREVIEW" in capabilities else _PARTIAL_ARGUMENT


# The items a row's own FETCH answer always carries (an unsolicited FETCH has FLAGS at most).
ROW_ITEM_NAMES = frozenset((b"UID", b"FLAGS", b"ENVELOPE", b"RFC822.SIZE"))
ATTACHMENT_TYPES = re.compile(
    rb"content-type:\s*(multipart/(mixed|report)|application/|audio/|video/|image/|message/rfc822)",
    re.IGNORECASE,
)
# What SORT (DATE) orders by (RFC 5256 "sent date"): the Date header, else INTERNALDATE.
SORT_DATE_ARGUMENT = b"(INTERNALDATE BODY.PEEK[HEADER.FIELDS (DATE)])"
_UNFOLD = re.compile(rb"\r?\n[ \t]+")


class EnvelopeAddress(NamedTuple):
    """An address of an ENVELOPE as sent (RFC 3501 7.4.2): bytes or None (an all-digit atom
    comes as an int)."""

    name: bytes | int | None
    route: bytes | int | None
    mailbox: bytes | int | None
    host: bytes | int | None


class Envelope(NamedTuple):
    date: datetime | None
    subject: bytes | int | None
    from_: tuple[EnvelopeAddress, ...] | None
    sender: tuple[EnvelopeAddress, ...] | None
    reply_to: tuple[EnvelopeAddress, ...] | None
    to: tuple[EnvelopeAddress, ...] | None
    cc: tuple[EnvelopeAddress, ...] | None
    bcc: tuple[EnvelopeAddress, ...] | None
    in_reply_to: bytes | int | None
    message_id: bytes | int | None


def decode_text(value: bytes | str | int | None) -> str:
    """Decode a header value that may hold RFC 2047 encoded words or raw 8-bit bytes.

    Best effort, never an error: a word whose charset is unknown is read as UTF-8, invalid
    base64 is read as far as it goes, bytes a charset cannot read are marked, and a word that
    cannot be decoded at all (no terminator, unknown encoding) is shown as written."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        if value.isascii() and b"=?" not in value:
            return value.decode("ascii")  # the common case, without the decoder
        value = value.decode("utf-8", errors="replace")  # never leaves a surrogate
    elif not isinstance(value, str):
        value = str(value)
    elif _SMUGGLED.search(value):  # raw 8-bit smuggled as surrogates
        value = value.encode("utf-8", "surrogateescape").decode("utf-8", errors="replace")
    if "=?" not in value:
        return value
    return _decode_encoded_words(_UNFOLD_TEXT.sub("", value))


_UNFOLD_TEXT = re.compile(r"\r?\n(?=[ \t])")
_SMUGGLED = re.compile("[\udc80-\udcff]")  # bytes 0x80-0xff as surrogateescape writes them
# RFC 2047 encoded word: =?charset[*language]?B|Q?text?= (no white space inside).
_ENCODED_WORD = re.compile(r"=\?([^?\s]*)\?([bBqQ])\?([^?\s]*)\?=")


def _decode_encoded_words(value: str) -> str:
    """Adjacent encoded words of one charset are joined before decoding (a character may be
    split between them); white space between two encoded words is dropped (RFC 2047 6.2)."""
    out: list[str] = []
    run_charset = ""
    run: list[bytes] = []
    pos = 0

    def flush() -> None:
        if run:
            out.append(_decode_charset(b"".join(run), run_charset))
            run.clear()

    for match in _ENCODED_WORD.finditer(value):
        between = value[pos : match.start()]
        charset = match.group(1).split("*", 1)[0].lower()
        data = _decode_word(match.group(2).lower(), match.group(3))
        pos = match.end()
        if data is None:
            flush()
            out.append(between + match.group(0))
            continue
        if between and (between.strip() or not run):
            flush()
            out.append(between)
        elif run and charset != run_charset:
            flush()
        run_charset = charset
        run.append(data)
    flush()
    out.append(value[pos:])
    return "".join(out)


def _decode_word(encoding: str, text: str) -> bytes | None:
    ascii_text = text.encode("ascii", errors="ignore")
    if encoding == "q":
        return binascii.a2b_qp(ascii_text, header=True)
    if re.search(rb"[^A-Za-z0-9+/=]", ascii_text) or len(ascii_text) != len(text):
        return None  # not base64 at all: shown as written
    data = ascii_text.rstrip(b"=")
    data = data[: len(data) - len(data) % 4] if len(data) % 4 == 1 else data
    try:
        return binascii.a2b_base64(data + b"=" * (-len(data) % 4))
    except binascii.Error:
        return None


def _decode_charset(data: bytes, charset: str) -> str:
    try:
        codec = codecs.lookup(charset or "ascii").name
    except LookupError:
        codec = "utf-8"
    if codec in ("ascii", "us-ascii"):
        codec = "utf-8"  # 8-bit in an "ascii" word is nearly always UTF-8
    try:
        return data.decode(codec, errors="replace")
    except (LookupError, UnicodeError, ValueError):
        return data.decode("utf-8", errors="replace")


def envelope(raw: Any) -> Envelope | None:
    """The ENVELOPE typed; None for one that is not ENVELOPE-shaped (the row then shows without
    subject and sender rather than failing the whole page)."""
    if not isinstance(raw, tuple) or len(raw) != 10:
        return None
    lists: list[tuple[EnvelopeAddress, ...] | None] = []
    for field in raw[2:8]:
        if not field:
            lists.append(None)
            continue
        if not isinstance(field, tuple):
            return None
        addresses = []
        for item in field:
            if not item:
                continue
            if not isinstance(item, tuple) or len(item) != 4:
                return None
            addresses.append(EnvelopeAddress(*item))
        lists.append(tuple(addresses))
    return Envelope(
        parse_datetime(raw[0]),
        raw[1],
        lists[0],
        lists[1],
        lists[2],
        lists[3],
        lists[4],
        lists[5],
        raw[8],
        raw[9],
    )


def fetch_values(items: dict[bytes, Any]) -> dict[bytes, Any]:
    """Raw FETCH items with INTERNALDATE and ENVELOPE typed (see the module's docstring)."""
    out = dict(items)
    if b"INTERNALDATE" in out:
        out[b"INTERNALDATE"] = parse_datetime(out[b"INTERNALDATE"])
    if b"ENVELOPE" in out:
        out[b"ENVELOPE"] = envelope(out[b"ENVELOPE"])
    return out


def parse_fetch_lines(records: Sequence[Record]) -> dict[int, dict[bytes, Any]]:
    """Untagged FETCH data (``4 (UID 20 FLAGS (\\Seen))``, a literal as a (line, literal)
    record) keyed by sequence number, typed by `fetch_values`.

    Raises ValueError on a response that does not parse.
    """
    out: dict[int, dict[bytes, Any]] = {}
    try:
        for seq, items in fetch_items(records):
            out.setdefault(seq, {}).update(fetch_values(items))
    except (ValueError, TypeError, IndexError) as exc:
        raise ValueError(f"unparsable FETCH response: {exc}") from None
    return out


@lru_cache(maxsize=4096)
def _address(raw: EnvelopeAddress) -> Address | None:
    """One address of an ENVELOPE, decoded; kept for the next rows (a folder's senders and
    recipients repeat, and decoding them was a fifth of a row's summary; Address is immutable)."""
    if raw.host is None:
        # RFC 3501 7.4.2: the start (mailbox = the group's name) or end of an RFC 5322 group.
        return None
    mailbox = decode_text(raw.mailbox) if raw.mailbox else ""
    host = decode_text(raw.host) if raw.host else ""
    if not mailbox and not host:
        return None
    return Address(name=decode_text(raw.name), email=f"{mailbox}@{host}" if host else mailbox)


def _addresses(raw: Sequence[EnvelopeAddress] | None) -> tuple[Address, ...]:
    # Parsed values are bytes, numbers, None and tuples of them: always hashable.
    return tuple(a for a in (_address(item) for item in raw or ()) if a is not None)


def summary_from_fetch(uid: int, data: dict[bytes, Any]) -> MessageSummary:
    """A list row from FETCH data of ROW_FETCH_ITEMS (the same fields the list page shows)."""
    env: Envelope | None = data.get(b"ENVELOPE")
    senders = _addresses(env.from_) if env else ()
    header = next((v for k, v in data.items() if k.startswith(b"BODY[HEADER")), b"") or b""
    attachment = bool(ATTACHMENT_TYPES.search(header)) if isinstance(header, bytes) else False
    preview = data.get(b"PREVIEW")
    text = next((v for k, v in data.items() if k.startswith(b"BODY[TEXT]")), None)
    source = (
        header + b"\r\n" + text if isinstance(header, bytes) and isinstance(text, bytes) else b""
    )
    return MessageSummary(
        uid=uid,
        subject=decode_text(env.subject) if env else "",
        sender=senders[0] if senders else None,
        to=_addresses(env.to) if env else (),
        date=env.date if env else None,
        received=data.get(b"INTERNALDATE"),
        size=int(data.get(b"RFC822.SIZE") or 0),
        flags=flag_names(data.get(b"FLAGS", ())),
        has_attachment=attachment,
        preview=preview.decode("utf-8", "replace") if isinstance(preview, bytes) else None,
        preview_source=source,
    )


def flag_names(raw: Any) -> frozenset[str]:
    """FLAGS as names, without \\Recent (it means nothing to a webmail)."""
    if not isinstance(raw, tuple):
        return frozenset()
    return frozenset(
        f.decode("ascii", "replace") if isinstance(f, bytes) else str(f)
        for f in raw
        if f != b"\\Recent"
    )


def sort_date(items: dict[bytes, Any]) -> int:
    """The UTC timestamp SORT (DATE) uses for a message: its Date header, else INTERNALDATE
    (a Date without a zone counts as UTC, as the servers read it)."""
    header = next((v for k, v in items.items() if k.startswith(b"BODY[HEADER")), b"") or b""
    when = None
    if isinstance(header, bytes):
        unfolded = _UNFOLD.sub(b" ", header)
        for line in unfolded.splitlines():
            name, colon, value = line.partition(b":")
            if colon and name.strip().lower() == b"date":
                when = parse_datetime(value.strip())
                break
    if when is None:
        when = parse_datetime(items.get(b"INTERNALDATE"))
    if when is None:
        return 0
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        return int(when.timestamp())
    except (OverflowError, ValueError, OSError):
        return 0
