"""Factories for realistic e-mail messages (``email.message.EmailMessage``, policy default)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

__all__ = ["make_message", "message_bytes"]

_EMPTY: Mapping[str, str] = {}


def make_message(
    *,
    subject: str = "Hello",
    sender: str = "Alice Example <alice@example.org>",
    to: str | Sequence[str] = "Bob Example <bob@example.org>",
    cc: str | Sequence[str] | None = None,
    date: datetime | None = None,
    text: str | None = "Hello world\n",
    html: str | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    headers: Mapping[str, str] = _EMPTY,
) -> EmailMessage:
    """Build a message.

    Non-ASCII subjects and display names are RFC 2047-encoded by the default policy; bodies are
    UTF-8. With both ``text`` and ``html`` the body is multipart/alternative; attachments
    ``(filename, "type/subtype", content)`` turn it into multipart/mixed. A naive ``date`` is
    taken as UTC; without one the current time is used. Without ``message_id`` a unique one is
    generated.
    """
    msg = EmailMessage(policy=policy.default)
    msg["From"] = sender
    msg["To"] = to if isinstance(to, str) else ", ".join(to)
    if cc:
        msg["Cc"] = cc if isinstance(cc, str) else ", ".join(cc)
    msg["Subject"] = subject
    if date is None:
        date = datetime.now(UTC)
    elif date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id or make_msgid(domain="example.org")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = " ".join(references)
    for name, value in headers.items():
        msg[name] = value
    msg["MIME-Version"] = "1.0"

    if text is None and html is None:
        text = ""
    if text is not None:
        msg.set_content(text)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    else:
        msg.set_content(html, subtype="html")

    for filename, mime_type, content in attachments:
        maintype, _, subtype = mime_type.partition("/")
        if maintype == "text":
            try:
                decoded = content.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                msg.add_attachment(decoded, subtype=subtype or "plain", filename=filename)
                continue
        msg.add_attachment(
            content,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=filename,
        )
    # EmailMessage.add_attachment() gives every part its own MIME-Version header; only the
    # top level should have one.
    for part in msg.walk():
        if part is not msg:
            del part["MIME-Version"]
    return msg


def message_bytes(msg: EmailMessage | bytes) -> bytes:
    """The message as bytes with CRLF line endings, as IMAP APPEND wants it."""
    if isinstance(msg, EmailMessage):
        data = msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
    else:
        data = bytes(msg)
    # Normalise any bare LF (and leave existing CRLF alone).
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
