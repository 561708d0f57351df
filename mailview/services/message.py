"""Reading one message: what the message view, its HTML frame and its downloads need.

A message view costs three IMAP commands on a warm connection: FETCH (FLAGS, BODYSTRUCTURE,
the displayed header fields), FETCH of the body parts shown (BODY.PEEK[section], never the
whole message), and STORE +FLAGS (\\Seen) when the message was unread. Downloads stream in
pieces of BODY.PEEK[section]<offset.length>, read by a worker thread on one leased connection
and handed to the response through a small queue (see `_pump`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from mailview.imap.client import Address, IMAPConnection, check_folder_name
from mailview.imap.errors import MessageNotFound
from mailview.mime.parse import (
    HEADER_FIELDS,
    MAX_TEXT_BYTES,
    PREVIEW_TYPES,
    SECTION,
    MimePart,
    decode_body,
    parse_bodystructure,
    parse_headers,
    plan,
    safe_filename,
)
from mailview.mime.sanitize import TOO_COMPLEX, SanitizedHTML, sanitize_html, text_to_html
from mailview.mime.text import text_lines
from mailview.services.folders import FolderTree
from mailview.services.session import MailSession

MAX_BODIES = 20
PartURL = Callable[[str], str]
log = logging.getLogger(__name__)


def part_not_found(detail: str) -> MessageNotFound:
    return MessageNotFound(detail, user_message=_("This part of the message does not exist."))


@dataclass(frozen=True)
class Attachment:
    section: str
    filename: str
    mimetype: str
    size: int
    is_message: bool

    @property
    def previewable(self) -> bool:
        return self.mimetype in PREVIEW_TYPES

    @property
    def icon(self) -> str:
        """A type for the icon: image, pdf, text, archive, audio, video, message or file."""
        maintype, _, subtype = self.mimetype.partition("/")
        if self.is_message:
            return "message"
        if maintype in ("image", "audio", "video", "text"):
            return maintype
        if subtype == "pdf":
            return "pdf"
        if any(word in subtype for word in ("zip", "compressed", "tar", "gzip", "7z", "rar")):
            return "archive"
        return "file"


@dataclass(frozen=True)
class Body:
    kind: str  # "text" or "html"
    section: str
    html: SafeString | None = None  # the rendered text; HTML is shown in its frame


@dataclass(frozen=True)
class MessageView:
    folder: str
    uid: int
    part: str  # "" for the message itself, else the section of an attached message
    subject: str
    sender: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    date: datetime | None
    flags: frozenset[str]
    size: int
    bodies: tuple[Body, ...]
    attachments: tuple[Attachment, ...]
    notices: tuple[str, ...] = ()
    remote_blocked: int = 0
    remote_allowed: bool = False
    alternative: bool = False
    showing_html: bool = False
    message_id: str = ""

    @property
    def sender_email(self) -> str:
        return self.sender[0].email if self.sender else ""


@dataclass(frozen=True)
class ViewRequest:
    folder: str
    uid: int
    part: str = ""
    prefer_html: bool = True
    allow_remote: bool = False
    mark_seen: bool = True

    def __post_init__(self) -> None:
        check_folder_name(self.folder)
        if self.part and not SECTION.match(self.part):
            raise part_not_found(f"bad section {self.part!r}")


def _message_root(structure: MimePart, part: str) -> MimePart:
    if not part:
        return structure
    found = next((p for p in structure.walk() if p.section == part and p.is_message), None)
    if found is None or found.message is None:
        raise part_not_found(f"no attached message at {part}")
    return found.message


def _html_charset(raw: bytes, charset: str | None) -> str | None:
    if charset:
        return charset
    match = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", raw[:4096], re.I)
    return match.group(1).decode("ascii") if match else None


def _text_body(part: MimePart, raw: bytes, notices: list[str]) -> Body:
    text, found = decode_body(raw, part.encoding, part.charset)
    notices.extend(found)
    flowed = part.params.get("format", "").lower() == "flowed"
    delsp = part.params.get("delsp", "").lower() == "yes"
    html = text_to_html(text_lines(text, flowed=flowed, delsp=delsp))
    return Body("text", part.section, html)


def _read(
    conn: IMAPConnection,
    req: ViewRequest,
    part_url: PartURL,
    trusts: Callable[[str], bool],
) -> MessageView:
    """The message as shown; one shown before on this connection is not fetched, parsed and
    sanitized again: only its flags are (a message's content never changes under one
    UIDVALIDITY), unless the remote-content decision changed since (a sender now trusted)."""
    state = conn.select(req.folder)
    key = (req.folder, state.uidvalidity, req.uid, req)
    kept: MessageView | None = conn.cache.message(key)
    if kept is not None:
        allow_remote = req.allow_remote or (bool(kept.sender_email) and trusts(kept.sender_email))
        if allow_remote == kept.remote_allowed:
            data = conn.fetch_message(req.uid, flags=True)
            if data is None:
                raise MessageNotFound(f"UID {req.uid} in {req.folder}")
            return replace(kept, flags=_mark_seen(conn, req, data.flags))
    view = _read_all(conn, req, part_url, trusts)
    conn.cache.keep_message(key, view)
    return view


def _mark_seen(conn: IMAPConnection, req: ViewRequest, flags: frozenset[str]) -> frozenset[str]:
    if not req.part and req.mark_seen and "\\Seen" not in flags:
        conn.store_flags([req.uid], ["\\Seen"], add=True)
        return flags | {"\\Seen"}
    return flags


def _read_all(
    conn: IMAPConnection,
    req: ViewRequest,
    part_url: PartURL,
    trusts: Callable[[str], bool],
) -> MessageView:
    data = conn.fetch_message(
        req.uid,
        flags=True,
        size=True,
        structure=True,
        header_fields=HEADER_FIELDS,
        header_of=req.part,
    )
    if data is None:
        raise MessageNotFound(f"UID {req.uid} in {req.folder}")
    structure = parse_bodystructure(data.structure)
    root = _message_root(structure, req.part)
    headers = parse_headers(data.headers)
    flags = data.flags
    notices = list(headers.notices)
    sender = headers.sender[0].email if headers.sender else ""
    allow_remote = req.allow_remote or (bool(sender) and trusts(sender))
    shown = plan(root, req.prefer_html)
    bodies_parts = shown.bodies[:MAX_BODIES]
    if len(shown.bodies) > MAX_BODIES:
        notices.append(_("This message has many text parts: only the first ones are shown."))
    fetched: dict[str, bytes] = {}
    if bodies_parts:
        texts = conn.fetch_message(
            req.uid, sections=[p.section for p in bodies_parts], piece=(0, MAX_TEXT_BYTES)
        )
        fetched = texts.sections if texts else {}
    bodies: list[Body] = []
    remote_blocked = 0

    def cid(content_id: str) -> str | None:
        section = shown.inline.get(content_id)
        return part_url(section) if section else None

    for part in bodies_parts:
        raw = fetched.get(part.section, b"")
        if part.size > MAX_TEXT_BYTES:
            notices.append(_("The text is long: only its beginning is shown."))
        if part.mimetype == "text/html":
            text, found = decode_body(raw, part.encoding, _html_charset(raw, part.charset))
            notices.extend(found)
            sanitized = sanitize_html(text, allow_remote=allow_remote, cid=cid)
            remote_blocked += sanitized.remote_blocked
            if sanitized.too_complex:
                notices.append(_(TOO_COMPLEX))
            bodies.append(Body("html", part.section))
        else:
            bodies.append(_text_body(part, raw, notices))
    flags = _mark_seen(conn, req, flags)
    attachments = tuple(
        Attachment(
            section=p.section,
            filename=safe_filename(p.filename or (p.description if p.is_message else None), p),
            mimetype=p.mimetype,
            size=p.decoded_size,
            is_message=p.is_message,
        )
        for p in shown.attachments
        if not p.is_multipart
    )
    return MessageView(
        folder=req.folder,
        uid=req.uid,
        part=req.part,
        subject=headers.subject,
        sender=headers.sender,
        to=headers.to,
        cc=headers.cc,
        reply_to=headers.reply_to,
        date=headers.date,
        flags=flags,
        size=data.size,
        bodies=tuple(bodies),
        attachments=attachments,
        notices=tuple(dict.fromkeys(notices)),
        remote_blocked=remote_blocked,
        remote_allowed=allow_remote,
        alternative=shown.alternative,
        showing_html=any(b.kind == "html" for b in bodies),
        message_id=headers.message_id,
    )


def message_view(
    mail: MailSession,
    req: ViewRequest,
    part_url: PartURL,
    trusts: Callable[[str], bool],
    tree: Callable[[IMAPConnection], FolderTree] | None = None,
) -> tuple[FolderTree | None, MessageView]:
    """One message as the view shows it (and the folder tree, on the same connection)."""

    def read(conn: IMAPConnection) -> tuple[FolderTree | None, MessageView]:
        view = _read(conn, req, part_url, trusts)
        return (tree(conn) if tree else None), view

    return mail.run(read, folder=req.folder)


def message_frame(
    mail: MailSession,
    folder: str,
    uid: int,
    section: str,
    part_url: PartURL,
    allow_remote: Callable[[str], bool],
) -> SanitizedHTML:
    """The sanitized HTML of one text/html part, for the message frame."""
    check_folder_name(folder)
    if not SECTION.match(section):
        raise part_not_found(f"bad section {section!r}")

    def read(conn: IMAPConnection) -> SanitizedHTML:
        conn.select(folder)
        data = conn.fetch_message(
            uid,
            structure=True,
            header_fields=["FROM"],
            sections=[section],
            piece=(0, MAX_TEXT_BYTES),
        )
        if data is None:
            raise MessageNotFound(f"UID {uid} in {folder}")
        structure = parse_bodystructure(data.structure)
        part = structure.find(section)
        if part is None or part.mimetype != "text/html":
            raise part_not_found(f"no text/html part {section}")
        inline = {
            p.content_id: p.section
            for p in structure.walk()
            if p.content_id and not p.is_multipart and not p.is_message
        }
        raw = data.sections.get(section, b"")
        text, _notices = decode_body(raw, part.encoding, _html_charset(raw, part.charset))
        headers = parse_headers(data.headers)
        sender = headers.sender[0].email if headers.sender else ""

        def cid(content_id: str) -> str | None:
            found = inline.get(content_id)
            return part_url(found) if found else None

        return sanitize_html(text, allow_remote=allow_remote(sender), cid=cid)

    return mail.run(read, folder=folder)
