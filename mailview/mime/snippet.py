"""The list's snippet of a message: a line of its text, decoded and without markup.

From the server's PREVIEW (RFC 8970) as it is, else from the first bytes of the body fetched
with the row (`mailview.imap.values.PARTIAL_TEXT_BYTES`), with the message's Content-Type and
Content-Transfer-Encoding: the first text part found in that piece is decoded (quoted-printable
or base64, cut to whole units; its charset) and HTML is reduced to its text. A piece that ends
before any text gives no snippet. Never raises: a snippet is a nicety.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from email import message_from_bytes
from email.message import Message
from functools import lru_cache

from mailview.mime.text import html_to_text

#: At most this many characters are shown (the row cuts it further to its width).
SNIPPET_CHARS = 200
_SPACE = re.compile(r"\s+")
_QUOTE_LINE = re.compile(r"^\s*>.*$", re.MULTILINE)
_PARTIAL_TAG = re.compile(r"<[^>]*$")
_HIDDEN = re.compile(r"<(style|script|head|title)\b.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL)


def tidy(text: str) -> str:
    """One line: quoted lines dropped, whitespace collapsed, cut to SNIPPET_CHARS."""
    text = _QUOTE_LINE.sub(" ", text)
    return _SPACE.sub(" ", text).strip()[:SNIPPET_CHARS]


def _first_text(part: Message) -> Message | None:
    if part.is_multipart():
        payload = part.get_payload()
        for child in payload if isinstance(payload, list) else ():
            found = _first_text(child) if isinstance(child, Message) else None
            if found is not None:
                return found
        return None
    if part.get_content_maintype() == "text" and part.get_content_disposition() != "attachment":
        return part
    return None


def _decode(part: Message) -> str:
    raw = part.get_payload(decode=False)
    data = raw.encode("ascii", "replace") if isinstance(raw, str) else b""
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if encoding == "base64":
        compact = re.sub(rb"[^A-Za-z0-9+/=]", b"", data)
        data = base64.b64decode(compact[: len(compact) // 4 * 4] or b"")
    elif encoding == "quoted-printable":
        data = quopri.decodestring(re.sub(rb"=[0-9A-Fa-f]?$", b"", data))
    charset = part.get_content_charset() or "utf-8"
    try:
        text = data.decode(charset, "replace")
    except LookupError:
        text = data.decode("utf-8", "replace")
    if part.get_content_subtype() == "html":
        text = html_to_text(_PARTIAL_TAG.sub("", _HIDDEN.sub(" ", text)))
    return text


@lru_cache(maxsize=4096)
def snippet_from_partial(source: bytes) -> str:
    """The snippet of a message from its header lines and the first bytes of its body."""
    if not source:
        return ""
    try:
        part = _first_text(message_from_bytes(source))
        return tidy(_decode(part)) if part is not None else ""
    except (ValueError, TypeError, LookupError, binascii.Error, IndexError):
        return ""


@lru_cache(maxsize=4096)
def snippet_from_preview(preview: str) -> str:
    """The snippet of a message from the server's PREVIEW (kept: a page's rows are drawn again
    and again, and the regular expressions cost more than the lookup)."""
    return tidy(preview)


def snippet(preview: str | None, source: bytes) -> str:
    """A row's snippet: the server's PREVIEW, else one made from the partial body."""
    if preview is not None:
        return snippet_from_preview(preview)
    return snippet_from_partial(source)
