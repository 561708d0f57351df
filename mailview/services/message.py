"""Reading one message: what the message view, its HTML frame and its downloads need.

A message view costs three IMAP commands on a warm connection: FETCH (FLAGS, BODYSTRUCTURE,
the displayed header fields), FETCH of the body parts shown (BODY.PEEK[section], never the
whole message), and STORE +FLAGS (\\Seen) when the message was unread. Downloads stream in
pieces of BODY.PEEK[section]<offset.length>, read by a worker thread on one leased connection
and handed to the response through a small queue (see `_pump`).
"""

from __future__ import annotations

import asyncio
import binascii
import concurrent.futures
import logging
import re
import threading
import time
import zipfile
from collections.abc import AsyncIterator, Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from mailview.imap.client import STREAM_CHUNK, Address, IMAPConnection, check_folder_name
from mailview.imap.errors import MessageNotFound
from mailview.mime.parse import (
    HEADER_FIELDS,
    INLINE_IMAGE_TYPES,
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
from mailview.mime.sanitize import SanitizedHTML, sanitize_html, text_to_html
from mailview.mime.text import text_lines
from mailview.services.folders import FolderTree
from mailview.services.session import MailSession

# Downloads: bytes of a part per FETCH, pieces waiting for the response at most, and how long
# the reading thread waits for a response that takes nothing before it gives up.
CHUNK = STREAM_CHUNK
QUEUE_CHUNKS = 2
PUT_TIMEOUT = 120.0
MAX_BODIES = 20
ACTIVE_TYPES = re.compile(
    r"(html|xhtml|svg|xml|javascript|ecmascript|jscript|x-sh|vbscript|x-shockwave)", re.I
)
PartURL = Callable[[str], str]
log = logging.getLogger(__name__)


def _part_not_found(detail: str) -> MessageNotFound:
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
    def is_image(self) -> bool:
        return self.mimetype in INLINE_IMAGE_TYPES

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
    inline_images: tuple[str, ...] = field(default=())

    @property
    def sender_email(self) -> str:
        return self.sender[0].email if self.sender else ""

    @property
    def has_html(self) -> bool:
        return any(b.kind == "html" for b in self.bodies)


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
            raise _part_not_found(f"bad section {self.part!r}")


def _value(data: dict[bytes, Any], prefix: bytes) -> bytes:
    return next((v for k, v in data.items() if k.startswith(prefix)), b"") or b""


def _message_root(structure: MimePart, part: str) -> MimePart:
    if not part:
        return structure
    found = next((p for p in structure.walk() if p.section == part and p.is_message), None)
    if found is None or found.message is None:
        raise _part_not_found(f"no attached message at {part}")
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
    conn.select(req.folder)
    prefix = f"{req.part}." if req.part else ""
    data = conn.fetch_parts(
        req.uid,
        [
            "FLAGS",
            "RFC822.SIZE",
            "BODYSTRUCTURE",
            f"BODY.PEEK[{prefix}HEADER.FIELDS ({HEADER_FIELDS})]",
        ],
    )
    if not data:
        raise MessageNotFound(f"UID {req.uid} in {req.folder}")
    structure = parse_bodystructure(data.get(b"BODYSTRUCTURE"))
    root = _message_root(structure, req.part)
    headers = parse_headers(_value(data, f"BODY[{prefix}HEADER".encode()))
    flags = frozenset(f.decode("ascii", "replace") for f in data.get(b"FLAGS", ()))
    notices = list(headers.notices)
    sender = headers.sender[0].email if headers.sender else ""
    allow_remote = req.allow_remote or (bool(sender) and trusts(sender))
    shown = plan(root, req.prefer_html)
    bodies_parts = shown.bodies[:MAX_BODIES]
    if len(shown.bodies) > MAX_BODIES:
        notices.append(_("This message has many text parts: only the first ones are shown."))
    fetched: dict[bytes, Any] = {}
    if bodies_parts:
        items = [f"BODY.PEEK[{p.section}]<0.{MAX_TEXT_BYTES}>" for p in bodies_parts]
        fetched = conn.fetch_parts(req.uid, items)
    bodies: list[Body] = []
    remote_blocked = 0

    def cid(content_id: str) -> str | None:
        section = shown.inline.get(content_id)
        return part_url(section) if section else None

    for part in bodies_parts:
        raw = fetched.get(f"BODY[{part.section}]<0>".encode())
        if raw is None:
            raw = _value(fetched, f"BODY[{part.section}]".encode())
        if part.size > MAX_TEXT_BYTES:
            notices.append(_("The text is long: only its beginning is shown."))
        if part.mimetype == "text/html":
            text, found = decode_body(raw, part.encoding, _html_charset(raw, part.charset))
            notices.extend(found)
            remote_blocked += sanitize_html(text, allow_remote=allow_remote, cid=cid).remote_blocked
            bodies.append(Body("html", part.section))
        else:
            bodies.append(_text_body(part, raw, notices))
    if not req.part and req.mark_seen and "\\Seen" not in flags:
        conn.store_flags([req.uid], ["\\Seen"], add=True)
        flags = flags | {"\\Seen"}
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
        size=int(data.get(b"RFC822.SIZE") or 0),
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
        raise _part_not_found(f"bad section {section!r}")

    def read(conn: IMAPConnection) -> SanitizedHTML:
        conn.select(folder)
        data = conn.fetch_parts(
            uid,
            [
                "BODYSTRUCTURE",
                "BODY.PEEK[HEADER.FIELDS (FROM)]",
                f"BODY.PEEK[{section}]<0.{MAX_TEXT_BYTES}>",
            ],
        )
        if not data:
            raise MessageNotFound(f"UID {uid} in {folder}")
        structure = parse_bodystructure(data.get(b"BODYSTRUCTURE"))
        part = structure.find(section)
        if part is None or part.mimetype != "text/html":
            raise _part_not_found(f"no text/html part {section}")
        inline = {
            p.content_id: p.section
            for p in structure.walk()
            if p.content_id and not p.is_multipart and not p.is_message
        }
        raw = _value(data, f"BODY[{section}]".encode())
        text, _notices = decode_body(raw, part.encoding, _html_charset(raw, part.charset))
        headers = parse_headers(_value(data, b"BODY[HEADER"))
        sender = headers.sender[0].email if headers.sender else ""

        def cid(content_id: str) -> str | None:
            found = inline.get(content_id)
            return part_url(found) if found else None

        return sanitize_html(text, allow_remote=allow_remote(sender), cid=cid)

    return mail.run(read, folder=folder)


# -- parts and downloads -----------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    """What a download needs before its first byte: the part, its name and its type."""

    section: str  # "" for the whole message
    filename: str
    mimetype: str
    encoding: str
    size: int


def content_type_for(mimetype: str, *, inline: bool) -> str:
    """The Content-Type to send: active types only ever as opaque bytes."""
    if not re.fullmatch(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+", mimetype):
        return "application/octet-stream"
    if ACTIVE_TYPES.search(mimetype):
        return "application/octet-stream"
    if mimetype.startswith("text/"):
        return "text/plain; charset=utf-8" if inline else mimetype
    return mimetype


def part_download(mail: MailSession, folder: str, uid: int, section: str) -> Download:
    check_folder_name(folder)
    if not SECTION.match(section):
        raise _part_not_found(f"bad section {section!r}")

    def read(conn: IMAPConnection) -> Download:
        conn.select(folder)
        data = conn.fetch_parts(uid, ["BODYSTRUCTURE"])
        if not data:
            raise MessageNotFound(f"UID {uid} in {folder}")
        part = parse_bodystructure(data.get(b"BODYSTRUCTURE")).find(section)
        if part is None:
            raise _part_not_found(f"no part {section}")
        name = part.filename or (part.description if part.is_message else None)
        encoding = part.encoding if part.encoding in ("base64", "quoted-printable") else "8bit"
        return Download(section, safe_filename(name, part), part.mimetype, encoding, part.size)

    return mail.run(read, folder=folder)


def attachments_of(mail: MailSession, folder: str, uid: int) -> tuple[str, list[Download]]:
    """The subject (for the zip's name) and every attachment of a message."""
    check_folder_name(folder)

    def read(conn: IMAPConnection) -> tuple[str, list[Download]]:
        conn.select(folder)
        data = conn.fetch_parts(uid, ["BODYSTRUCTURE", "BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])
        if not data:
            raise MessageNotFound(f"UID {uid} in {folder}")
        root = parse_bodystructure(data.get(b"BODYSTRUCTURE"))
        subject = parse_headers(_value(data, b"BODY[HEADER")).subject
        out = []
        for part in plan(root).attachments:
            if part.is_multipart:
                continue
            enc = part.encoding if part.encoding in ("base64", "quoted-printable") else "8bit"
            name = safe_filename(
                part.filename or (part.description if part.is_message else None), part
            )
            out.append(Download(part.section, name, part.mimetype, enc, part.size))
        return subject, out

    return mail.run(read, folder=folder)


def raw_message(mail: MailSession, folder: str, uid: int) -> Download:
    """The whole message (for "Show source" and "Download .eml")."""
    check_folder_name(folder)

    def read(conn: IMAPConnection) -> Download:
        conn.select(folder)
        data = conn.fetch_parts(uid, ["RFC822.SIZE", "BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])
        if not data:
            raise MessageNotFound(f"UID {uid} in {folder}")
        subject = parse_headers(_value(data, b"BODY[HEADER")).subject
        name = safe_filename((subject or "message")[:100] + ".eml")
        return Download("", name, "message/rfc822", "8bit", int(data.get(b"RFC822.SIZE") or 0))

    return mail.run(read, folder=folder)


class _Base64:
    """Incremental base64 decoder: whole lines now, the last partial line with the next piece.

    Whole lines of whole quanta, as every encoder writes them, are decoded in one
    `binascii.a2b_base64` call on a view of the piece; anything else (lines that split a
    quantum, one endless line, padding in the middle) goes the slow way."""

    _junk = bytes(b for b in range(256) if not chr(b).isalnum() and chr(b) not in "+/")

    def __init__(self) -> None:
        self.rest = b""

    def feed(self, data: bytes) -> bytes:
        if self.rest:
            data, self.rest = self.rest + data, b""
        cut = data.rfind(b"\n") + 1
        if cut and data.find(b"=", 0, max(cut - 80, 0)) < 0:
            try:
                out = binascii.a2b_base64(memoryview(data)[:cut])
            except binascii.Error:
                pass  # the lines split a quantum: the slow way below
            else:
                self.rest = data[cut:]
                return out
        data = data.translate(None, self._junk)
        cut = len(data) - len(data) % 4
        self.rest = data[cut:]
        try:
            return binascii.a2b_base64(data[:cut])
        except binascii.Error:
            return b""

    def flush(self) -> bytes:
        rest = self.rest.translate(None, self._junk)
        self.rest = b""
        if len(rest) % 4 == 1:
            rest = rest[:-1]
        if not rest:
            return b""
        try:
            return binascii.a2b_base64(rest + b"=" * (-len(rest) % 4))
        except binascii.Error:
            return b""


class _QuotedPrintable:
    """Incremental quoted-printable decoder: whole lines now, the last partial line later."""

    def __init__(self) -> None:
        self.rest = b""

    def feed(self, data: bytes) -> bytes:
        if self.rest:
            data = self.rest + data
        cut = data.rfind(b"\n") + 1
        self.rest = data[cut:]
        return binascii.a2b_qp(data[:cut])

    def flush(self) -> bytes:
        rest, self.rest = self.rest, b""
        return binascii.a2b_qp(rest)


class _Identity:
    def feed(self, data: bytes) -> bytes:
        return data

    def flush(self) -> bytes:
        return b""


def _decoder(encoding: str) -> _Base64 | _QuotedPrintable | _Identity:
    if encoding == "base64":
        return _Base64()
    if encoding == "quoted-printable":
        return _QuotedPrintable()
    return _Identity()


class _PartReader:
    """Reads the decoded bytes of parts, one after the other, on one leased connection.

    `MailSession.run` calls it with a connection; if the connection drops, `run` calls it again
    with a fresh one and it carries on from the byte where it stopped (pieces are only counted
    once they arrived whole). `on_data(i, bytes)` gets the decoded bytes of part i,
    `on_end(i)` is called when part i is complete."""

    def __init__(
        self,
        folder: str,
        uid: int,
        downloads: list[Download],
        on_data: Callable[[int, bytes], None],
        on_end: Callable[[int], None] = lambda _i: None,
    ) -> None:
        self.folder = folder
        self.uid = uid
        self.downloads = downloads
        self.on_data = on_data
        self.on_end = on_end
        self.index = 0
        self.position = 0
        self.decoder = _decoder(downloads[0].encoding) if downloads else _Identity()

    def __call__(self, conn: IMAPConnection) -> None:
        conn.select(self.folder)
        while self.index < len(self.downloads):
            download = self.downloads[self.index]
            # closing(): if on_data raises (the response went away), the FETCH asked for in
            # advance is read before the connection goes back to the pool.
            pieces = conn.iter_section(self.uid, download.section, self.position, CHUNK)
            with closing(pieces):
                for raw in pieces:
                    self.position += len(raw)
                    out = self.decoder.feed(raw)
                    if out:
                        self.on_data(self.index, out)
            tail = self.decoder.flush()
            if tail:
                self.on_data(self.index, tail)
            self.on_end(self.index)
            self.index += 1
            self.position = 0
            if self.index < len(self.downloads):
                self.decoder = _decoder(self.downloads[self.index].encoding)


class _Abandoned(Exception):
    """The consumer of a download went away (client gone, response dropped)."""


@dataclass(frozen=True)
class _Failure:
    error: BaseException


_END = object()


async def _pump(produce: Callable[[Callable[[bytes], None]], None]) -> AsyncIterator[bytes]:
    """Run `produce(put)` in a worker thread of its own; yield what it puts, as it comes.

    At most QUEUE_CHUNKS pieces wait between the thread and the response, so memory stays
    bounded whatever the size of the download; the thread holds one leased IMAP connection
    for the whole download instead of leasing one and hopping threads for every chunk. If
    the response is closed early, the thread stops at its next piece and returns the
    connection; a thread nobody takes anything from for PUT_TIMEOUT seconds gives up too."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[object] = asyncio.Queue(QUEUE_CHUNKS)
    abandoned = threading.Event()

    def put(item: object) -> None:
        if abandoned.is_set():
            raise _Abandoned
        waiting = queue.put(item)
        try:
            future = asyncio.run_coroutine_threadsafe(waiting, loop)
        except RuntimeError:  # the event loop is closed: nobody will take anything
            waiting.close()
            raise _Abandoned from None
        deadline = time.monotonic() + PUT_TIMEOUT
        while True:
            try:
                future.result(timeout=0.5)
                return
            except concurrent.futures.TimeoutError:
                if abandoned.is_set() or loop.is_closed() or time.monotonic() > deadline:
                    future.cancel()
                    raise _Abandoned from None
            except concurrent.futures.CancelledError:
                raise _Abandoned from None

    def work() -> None:
        try:
            produce(put)
            put(_END)
        except _Abandoned:
            pass
        except BaseException as exc:  # handed to the response, which raises it
            try:
                put(_Failure(exc))
            except _Abandoned:
                log.info("download abandoned after an error: %s", exc)

    threading.Thread(target=work, name="webmail-download", daemon=True).start()
    try:
        while True:
            item = await queue.get()
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        abandoned.set()


async def _primed(stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """`stream` with its first piece already read: a message gone or a server down raises
    here, in the view, and becomes an error page instead of a broken download."""
    first = await anext(stream, None)

    async def rest() -> AsyncIterator[bytes]:
        try:
            if first is not None:
                yield first
            async for data in stream:
                yield data
        finally:
            await stream.aclose()  # type: ignore[attr-defined]

    return rest()


async def stream_part(
    mail: MailSession, folder: str, uid: int, download: Download
) -> AsyncIterator[bytes]:
    """The decoded bytes of a part (or the raw message), streamed from IMAP."""

    def produce(put: Callable[[bytes], None]) -> None:
        mail.run(_PartReader(folder, uid, [download], lambda _i, data: put(data)), folder=folder)

    return await _primed(_pump(produce))


class _Sink:
    """A write-only file for zipfile that hands out what was written so far."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def seek(self, *_args: object) -> int:
        raise OSError("not seekable")

    def flush(self) -> None:
        return None

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def zip_names(downloads: list[Download]) -> list[str]:
    """Unique entry names: "a.txt", "a (2).txt", ..."""
    seen: set[str] = set()
    names = []
    for d in downloads:
        stem, dot, ext = d.filename.rpartition(".")
        if not stem:
            stem, dot, ext = d.filename, "", ""
        name, n = d.filename, 1
        while name.lower() in seen:
            n += 1
            name = f"{stem} ({n}){dot}{ext}"
        seen.add(name.lower())
        names.append(name)
    return names


async def stream_zip(
    mail: MailSession, folder: str, uid: int, downloads: list[Download], when: datetime
) -> AsyncIterator[bytes]:
    """A zip of the attachments, written (and compressed, in the worker thread) as their
    chunks arrive, on one leased connection; nothing is held whole."""
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    names = zip_names(downloads)

    def produce(put: Callable[[bytes], None]) -> None:
        sink = _Sink()
        entries: dict[int, Any] = {}

        def flush() -> None:
            out = sink.take()
            if out:
                put(out)

        def entry(index: int) -> Any:
            if index not in entries:
                info = zipfile.ZipInfo(names[index], date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                entries[index] = zf.open(info, mode="w", force_zip64=True)
            return entries[index]

        def on_data(index: int, data: bytes) -> None:
            entry(index).write(data)
            flush()

        def on_end(index: int) -> None:
            entry(index).close()
            flush()

        zf = zipfile.ZipFile(  # type: ignore[arg-type]
            sink, mode="w", compression=zipfile.ZIP_DEFLATED, compresslevel=1
        )
        mail.run(_PartReader(folder, uid, downloads, on_data, on_end), folder=folder)
        zf.close()  # the central directory; not reached (no broken zip) if reading failed
        flush()

    return await _primed(_pump(produce))
