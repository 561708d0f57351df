"""Downloads of parts, whole messages and zips of attachments, streamed.

Pieces of BODY.PEEK[section]<offset.length> are read by a worker thread on one leased
connection and handed to the response through a small queue (see `_pump`); a dropped
connection resumes at the byte where it stopped.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import re
import threading
import time
import zipfile
from collections.abc import AsyncGenerator, Callable, Generator
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from mailview.imap.client import STREAM_CHUNK, IMAPConnection, check_folder_name
from mailview.imap.errors import MessageNotFound
from mailview.mime.decode import IdentityDecoder, decoder_for
from mailview.mime.parse import (
    SECTION,
    parse_bodystructure,
    parse_headers,
    plan,
    safe_filename,
)
from mailview.services.message import part_not_found
from mailview.services.session import MailSession

# Bytes of a part per FETCH, pieces waiting for the response at most, and how long the reading
# thread waits for a response that takes nothing before it gives up.
CHUNK = STREAM_CHUNK
QUEUE_CHUNKS = 2
PUT_TIMEOUT = 120.0
ACTIVE_TYPES = re.compile(
    r"(html|xhtml|svg|xml|javascript|ecmascript|jscript|x-sh|vbscript|x-shockwave)", re.I
)
log = logging.getLogger(__name__)


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
        raise part_not_found(f"bad section {section!r}")

    def read(conn: IMAPConnection) -> Download:
        conn.select(folder)
        data = conn.fetch_message(uid, structure=True)
        if data is None:
            raise MessageNotFound(f"UID {uid} in {folder}")
        part = parse_bodystructure(data.structure).find(section)
        if part is None:
            raise part_not_found(f"no part {section}")
        name = part.filename or (part.description if part.is_message else None)
        encoding = part.encoding if part.encoding in ("base64", "quoted-printable") else "8bit"
        return Download(section, safe_filename(name, part), part.mimetype, encoding, part.size)

    return mail.run(read, folder=folder)


def attachments_of(mail: MailSession, folder: str, uid: int) -> tuple[str, list[Download]]:
    """The subject (for the zip's name) and every attachment of a message."""
    check_folder_name(folder)

    def read(conn: IMAPConnection) -> tuple[str, list[Download]]:
        conn.select(folder)
        data = conn.fetch_message(uid, structure=True, header_fields=["SUBJECT"])
        if data is None:
            raise MessageNotFound(f"UID {uid} in {folder}")
        root = parse_bodystructure(data.structure)
        subject = parse_headers(data.headers).subject
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
        data = conn.fetch_message(uid, size=True, header_fields=["SUBJECT"])
        if data is None:
            raise MessageNotFound(f"UID {uid} in {folder}")
        subject = parse_headers(data.headers).subject
        name = safe_filename((subject or "message")[:100] + ".eml")
        return Download("", name, "message/rfc822", "8bit", data.size)

    return mail.run(read, folder=folder)


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
        self.decoder = decoder_for(downloads[0].encoding) if downloads else IdentityDecoder()

    def __call__(self, conn: IMAPConnection) -> None:
        conn.select(self.folder)
        while self.index < len(self.downloads):
            download = self.downloads[self.index]
            # closing(): if on_data raises (the response went away), the FETCH asked for in
            # advance is read before the connection goes back to the pool.
            # iter_section is a generator (its annotation says Iterator: imap/ is fixed apart).
            pieces = cast(
                "Generator[bytes, None, None]",
                conn.iter_section(self.uid, download.section, self.position, CHUNK),
            )
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
                self.decoder = decoder_for(self.downloads[self.index].encoding)


class _Abandoned(Exception):
    """The consumer of a download went away (client gone, response dropped)."""


@dataclass(frozen=True)
class _Failure:
    error: BaseException


async def _pump(
    produce: Callable[[Callable[[bytes], None]], None],
) -> AsyncGenerator[bytes, None]:
    """Run `produce(put)` in a worker thread of its own; yield what it puts, as it comes.

    At most QUEUE_CHUNKS pieces wait between the thread and the response, so memory stays
    bounded whatever the size of the download; the thread holds one leased IMAP connection
    for the whole download instead of leasing one and hopping threads for every chunk. If
    the response is closed early, the thread stops at its next piece and returns the
    connection; a thread nobody takes anything from for PUT_TIMEOUT seconds gives up too."""
    loop = asyncio.get_running_loop()
    # Pieces, then None at the end, or a _Failure.
    queue: asyncio.Queue[bytes | _Failure | None] = asyncio.Queue(QUEUE_CHUNKS)
    abandoned = threading.Event()

    def put(item: bytes | _Failure | None) -> None:
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
            put(None)
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
            if item is None:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item
    finally:
        abandoned.set()


async def _primed(stream: AsyncGenerator[bytes, None]) -> AsyncGenerator[bytes, None]:
    """`stream` with its first piece already read: a message gone or a server down raises
    here, in the view, and becomes an error page instead of a broken download."""
    first = await anext(stream, None)

    async def rest() -> AsyncGenerator[bytes, None]:
        try:
            if first is not None:
                yield first
            async for data in stream:
                yield data
        finally:
            await stream.aclose()

    return rest()


async def stream_part(
    mail: MailSession, folder: str, uid: int, download: Download
) -> AsyncGenerator[bytes, None]:
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

    def close(self) -> None:
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
) -> AsyncGenerator[bytes, None]:
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

        zf = zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        mail.run(_PartReader(folder, uid, downloads, on_data, on_end), folder=folder)
        zf.close()  # the central directory; not reached (no broken zip) if reading failed
        flush()

    return await _primed(_pump(produce))
