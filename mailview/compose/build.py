"""Turning what the user wrote into an RFC 5322 message (email.policy.SMTP)."""

from __future__ import annotations

import html
import mimetypes
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from mailview.compose.addresses import Recipient, check_single_line
from mailview.compose.sanitize import clean_outgoing_html
from mailview.mime.text import html_to_text

DRAFT_INFO_HEADER = "X-Webmail-Draft-Info"
_MSGID = re.compile(r"^<[^<>\s]+@[^<>\s]+>$")


@dataclass(frozen=True)
class AttachmentFile:
    """An attachment waiting on disk (see ``store``)."""

    path: Path
    filename: str
    content_type: str
    size: int


@dataclass
class Outgoing:
    """Everything a message is made of, validated (addresses parsed, no line breaks)."""

    sender: Recipient
    to: list[Recipient] = field(default_factory=list)
    cc: list[Recipient] = field(default_factory=list)
    bcc: list[Recipient] = field(default_factory=list)
    reply_to: Recipient | None = None
    subject: str = ""
    text: str = ""
    html: str | None = None  # as written in the editor; sanitized when built
    attachments: list[AttachmentFile] = field(default_factory=list)
    message_id: str = ""
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    draft_info: str = ""
    # Drafts only: address fields that do not parse yet, by field name ("to", "cc", "bcc"), kept
    # as typed.
    unparsed: dict[str, str] = field(default_factory=dict)

    @property
    def recipients(self) -> list[str]:
        """The envelope recipients (To, Cc and Bcc), each once."""
        seen: dict[str, None] = {}
        for r in [*self.to, *self.cc, *self.bcc]:
            seen.setdefault(r.email, None)
        return list(seen)


def new_message_id(sender_email: str) -> str:
    domain = sender_email.rpartition("@")[2] or "localhost"
    return make_msgid(domain=domain)


def valid_message_id(value: str) -> str:
    value = value.strip()
    return value if _MSGID.match(value) and len(value) < 500 else ""


def build_message(
    out: Outgoing,
    *,
    include_bcc: bool = False,
    draft: bool = False,
    now: datetime | None = None,
    placeholders: dict[bytes, AttachmentFile] | None = None,
) -> EmailMessage:
    """The message to send (``include_bcc`` False) or to keep in Drafts/Sent.

    Bcc recipients appear only when ``include_bcc`` (the user's own copies), never in what goes
    to SMTP. Non-ASCII display names and subjects are RFC 2047 encoded, filenames RFC 2231.
    """
    check_single_line(out.subject, "Subject")
    msg = EmailMessage(policy=policy.SMTP)
    msg["Date"] = format_datetime(now or datetime.now().astimezone())
    msg["From"] = out.sender.header()
    if out.reply_to is not None:
        msg["Reply-To"] = out.reply_to.header()
    if out.to:
        msg["To"] = [r.header() for r in out.to]
    if out.cc:
        msg["Cc"] = [r.header() for r in out.cc]
    if include_bcc and out.bcc:
        msg["Bcc"] = [r.header() for r in out.bcc]
    msg["Subject"] = out.subject
    msg["Message-ID"] = valid_message_id(out.message_id) or new_message_id(out.sender.email)
    in_reply_to = valid_message_id(out.in_reply_to)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    references = [r for r in (valid_message_id(x) for x in out.references) if r]
    if references:
        msg["References"] = " ".join(references[-20:])
    if draft and out.draft_info:
        msg[DRAFT_INFO_HEADER] = check_single_line(out.draft_info, "draft info")
    msg["MIME-Version"] = "1.0"
    msg["User-Agent"] = "Webmail"

    text = _crlf_free(out.text)
    if out.html is not None:
        clean = clean_outgoing_html(out.html)
        plain = html_to_text(clean)
        msg.set_content(plain, cte="quoted-printable")
        msg.add_alternative(_html_document(clean), subtype="html", cte="quoted-printable")
    else:
        msg.set_content(text, cte="quoted-printable")

    for attachment in out.attachments:
        _attach(msg, attachment, placeholders)
    return msg


def _crlf_free(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _html_document(body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n<body>{body}</body></html>\n'
    )


def _attach(
    msg: EmailMessage,
    attachment: AttachmentFile,
    placeholders: dict[bytes, AttachmentFile] | None = None,
) -> None:
    """Add ``attachment``: its bytes read from disk; or, with ``placeholders``, a base64 part
    whose body is one placeholder line for `spool.write_message` to replace with the file's
    base64, encoded as it is read (a forwarded message/rfc822 is always read: it is parsed)."""
    content_type = attachment.content_type.lower()
    maintype, _, subtype = content_type.partition("/")
    if not re.fullmatch(r"[a-z0-9.+-]+", maintype or "") or not re.fullmatch(
        r"[a-z0-9.+-]+", subtype or ""
    ):
        maintype, subtype = "application", "octet-stream"
    filename = check_single_line(attachment.filename, "file name")
    if (maintype, subtype) == ("message", "rfc822"):
        inner = message_from_bytes(attachment.path.read_bytes(), policy=policy.SMTP)
        msg.add_attachment(inner, filename=filename)
        return
    if maintype == "multipart" or maintype == "message":
        maintype, subtype = "application", "octet-stream"
    if placeholders is None:
        data = attachment.path.read_bytes()
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
        return
    msg.add_attachment(b"", maintype=maintype, subtype=subtype, filename=filename)
    token = b"@@webmail-attachment-%s-%d@@" % (secrets.token_hex(12).encode(), len(placeholders))
    part = list(msg.iter_parts())[-1]
    part.set_payload(token.decode() + "\n")
    placeholders[token] = attachment


def guess_type(filename: str, declared: str | None = None) -> str:
    """A content type for an uploaded file: the browser's if plausible, else by extension."""
    declared = (declared or "").split(";")[0].strip().lower()
    if re.fullmatch(r"[a-z0-9.+-]+/[a-z0-9.+-]+", declared) and not declared.startswith(
        ("multipart/", "message/")
    ):
        return declared
    guessed, _ = mimetypes.guess_type(filename)
    return guessed or "application/octet-stream"


# -- quoting ---------------------------------------------------------------------------------


def quote_text(text: str) -> str:
    """``> `` before every line (RFC 3676 style, without format=flowed)."""
    lines = _crlf_free(text).rstrip("\n").split("\n")
    return "\n".join(
        ">" + (" " + line if line and not line.startswith(">") else line) for line in lines
    )


def quote_html(text: str) -> str:
    """A plain-text original as an HTML blockquote (escaped)."""
    paragraphs = html.escape(_crlf_free(text).rstrip("\n")).replace("\n", "<br>")
    return f'<blockquote type="cite">{paragraphs}</blockquote>'


def text_to_html(text: str) -> str:
    """Plain text as HTML paragraphs (escaped), for switching the editor to HTML."""
    blocks = [b for b in re.split(r"\n{2,}", _crlf_free(text).strip("\n"))]
    return "".join(f"<p>{html.escape(b).replace(chr(10), '<br>')}</p>" for b in blocks if b)
