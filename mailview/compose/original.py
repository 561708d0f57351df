"""Reading the message being answered, forwarded, edited or continued (a draft): its headers,
recipients, text, HTML (cleaned for the editor) and attachments, and the lines quoted above it.
"""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from django.utils.translation import gettext as _

from mailview.compose.addresses import Recipient
from mailview.compose.errors import ComposeError
from mailview.compose.sanitize import clean_outgoing_html
from mailview.compose.store import ComposeState, ComposeStore
from mailview.imap.client import IMAPConnection, check_folder_name, decode_text
from mailview.imap.errors import MessageNotFound
from mailview.mime.parse import MAX_DEPTH as MAX_MIME_DEPTH
from mailview.mime.text import html_to_text
from mailview.render.format import fulldate
from mailview.services.session import MailSession

#: The largest original (and attachment copied from it) that compose takes in, in bytes.
MAX_ORIGINAL = 50 * 1024 * 1024
#: How deep the parts of an original may nest (the message view shows no deeper either).
MAX_DEPTH = MAX_MIME_DEPTH


def fetch_original(mail: MailSession, folder: str, uid: int) -> tuple[EmailMessage, bytes]:
    """The message ``uid`` of ``folder``, parsed, with its raw bytes."""
    check_folder_name(folder)

    def op(conn: IMAPConnection) -> bytes | None:
        conn.select(folder)
        found = conn.fetch_raw([uid])
        return found[0].data if found else None

    raw = mail.run(op, folder=folder)
    if raw is None:
        raise MessageNotFound(f"UID {uid} in {folder}")
    if len(raw) > MAX_ORIGINAL:
        raise ComposeError(
            "original too large", user_message=_("This message is too large to reply to here.")
        )
    try:
        parsed = BytesParser(EmailMessage, policy=policy.default).parsebytes(raw)
    except RecursionError:
        parsed = None  # the parser recurses once per nesting level
    if parsed is None or _depth(parsed) > MAX_DEPTH:
        raise ComposeError(
            "original nested too deeply",
            user_message=_(
                "This message is nested too deeply to reply to or forward here. "
                "Download it and attach the file instead."
            ),
        )
    return parsed, raw


def _depth(msg: Message) -> int:
    """How deep the parts of ``msg`` nest (counted without recursion)."""
    deepest = 0
    stack: list[tuple[Message, int]] = [(msg, 0)]
    while stack:
        part, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        payload = part.get_payload()
        if isinstance(payload, list):
            stack.extend((child, depth + 1) for child in payload if isinstance(child, Message))
    return deepest


def header(msg: EmailMessage, name: str) -> str:
    """A header's decoded value on one line; "" if missing (or unparseable and empty)."""
    value: object
    try:
        value = msg.get(name)
    except (ValueError, TypeError, IndexError):
        value = None
    if value is None:
        raw = msg.get_all(name, failobj=None)
        value = raw[0] if raw else ""
    # Control characters (some of which the email package takes for line breaks and refuses
    # in a header it writes) become spaces: the value goes into a one-line form field.
    text = decode_text(" ".join(str(value).split()))
    return " ".join(_CONTROL.sub(" ", text).split())


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def recipients_of(msg: EmailMessage, *names: str) -> list[Recipient]:
    values: list[str] = []
    for name in names:
        try:
            values.extend(str(v) for v in msg.get_all(name, []))
        except (ValueError, TypeError, IndexError):
            continue
    out = []
    for display, email in getaddresses(values):
        if email and "@" in email:
            out.append(Recipient(decode_text(display), email))
    return out


def body_text(msg: EmailMessage) -> str:
    """The readable text of a message (text part, or the HTML part as text)."""
    try:
        part = msg.get_body(preferencelist=("plain", "html"))
    except (KeyError, LookupError):
        part = None
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError, UnicodeError):
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    if part.get_content_type() == "text/html":
        return html_to_text(content)
    return content


def body_html(msg: EmailMessage) -> str | None:
    try:
        part = msg.get_body(preferencelist=("html",))
    except (KeyError, LookupError):
        return None
    if part is None:
        return None
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError, UnicodeError):
        return None
    if not isinstance(content, str):
        return None
    match = re.search(r"(?is)<body[^>]*>(.*)</body>", content)
    return clean_outgoing_html(match.group(1) if match else content)


def copy_attachments(store: ComposeStore, state: ComposeState, msg: EmailMessage) -> None:
    for part in msg.iter_attachments():
        filename = part.get_filename() or "attachment"
        content_type = part.get_content_type()
        if content_type == "message/rfc822":
            inner = part.get_payload()
            first = inner[0] if isinstance(inner, list) and inner else None
            data = first.as_bytes() if isinstance(first, Message) else b""
            if not filename.lower().endswith(".eml"):
                filename += ".eml"
        else:
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
        store.add_attachment(state, filename, content_type, [data], limit=MAX_ORIGINAL)


def strip_prefix(subject: str) -> str:
    return re.sub(r"^\s*((re|fwd?|aw|wg|sv|tr)\s*(\[\d+\])?\s*:\s*)+", "", subject, flags=re.I)


def attribution(msg: EmailMessage) -> str:
    sender = recipients_of(msg, "From")
    who = (sender[0].name or sender[0].email) if sender else _("someone")
    when = quoted_date(header(msg, "Date"))
    if when:
        return _("On %(date)s, %(who)s wrote:") % {"date": when, "who": who}
    return _("%(who)s wrote:") % {"who": who}


def quoted_date(value: str) -> str:
    """A Date header as the user reads dates (their zone and clock, render.format), never a raw
    "+0000"; "" when it cannot be parsed."""
    try:
        return fulldate(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError):
        return ""


def forward_header(msg: EmailMessage) -> str:
    lines = ["-------- " + _("Forwarded Message") + " --------"]
    for name in ("Subject", "Date", "From", "To", "Cc"):
        value = header(msg, name)
        if name == "Date":
            value = quoted_date(value) or value
        if value:
            lines.append(f"{name}: {value}")
    return "\n".join(lines)
