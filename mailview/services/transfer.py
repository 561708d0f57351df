"""Export a folder as mbox (mboxrd) or one message as .eml; import .eml and .mbox files.

Exports are asynchronous iterators: under ASGI, Django reads a StreamingHttpResponse fed by a
synchronous iterator completely into memory before sending it. Each batch of messages is
fetched on a pooled connection in a worker thread (`sync_to_async`), so the event loop never
waits on IMAP and at most one batch is in memory.

Imports APPEND message by message, so one bad message does not stop the others; the report
says how many were imported and which failed and why. `import_progress` runs an import in a
worker thread and yields its progress (message N of M) as each message is settled, then the
report.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from asgiref.sync import sync_to_async
from django.utils.translation import gettext as _

from mailview.imap.client import IMAPConnection, check_folder_name
from mailview.imap.errors import CommandFailed, MailError, MessageNotFound
from mailview.mime.headers8bit import encode_8bit_headers
from mailview.services.mailbox import display_name
from mailview.services.session import MailSession

EXPORT_BATCH = 100
CHUNK = 1024 * 1024
MAX_MESSAGE = 64 * 1024 * 1024
FROM_LINE = re.compile(rb"^>*From ")
MBOX_SEPARATOR = re.compile(rb"^From \S+ +(.*?)\s*$")
_ASCTIME = "%a %b %d %H:%M:%S %Y"


def from_line(when: datetime | None) -> bytes:
    """The mbox separator line for a message that arrived at `when`."""
    when = when or datetime.now(UTC)
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return b"From MAILER-DAEMON " + when.strftime(_ASCTIME).encode("ascii") + b"\n"


def mbox_entry(data: bytes, when: datetime | None) -> bytes:
    """One message in mboxrd form: LF line ends, lines starting with >*From quoted once more."""
    lines = data.replace(b"\r\n", b"\n").split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    body = b"\n".join(b">" + line if FROM_LINE.match(line) else line for line in lines)
    return from_line(when) + body + b"\n\n"


def parse_from_date(line: bytes) -> datetime | None:
    match = MBOX_SEPARATOR.match(line.rstrip(b"\r\n"))
    if not match:
        return None
    text = match.group(1).decode("ascii", "replace").strip()
    for fmt in (_ASCTIME, "%a %b %d %H:%M:%S %Y %z", "%a %b %d %H:%M %Y"):
        try:
            parsed = datetime.strptime(re.sub(r"\s+", " ", text), fmt)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def split_mbox(lines: Iterable[bytes]) -> Iterator[tuple[bytes, datetime | None]]:
    """Messages of an mbox (mboxrd or mboxo) as CRLF bytes with their From-line date.

    A message starts at a "From " line at the start of the file or after an empty line;
    ">From " lines lose one ">" (mboxrd).
    """
    current: list[bytes] | None = None
    when: datetime | None = None
    for line, separator in _mbox_lines(lines):
        if separator:
            if current is not None:
                yield _finish(current), when
            current, when = [], parse_from_date(line)
            continue
        if current is None:
            continue  # text before the first separator is not a message
        if FROM_LINE.match(line) and line.startswith(b">"):
            line = line[1:]
        current.append(line)
    if current is not None:
        yield _finish(current), when


def _mbox_lines(lines: Iterable[bytes]) -> Iterator[tuple[bytes, bool]]:
    """Each line without its line end, and whether it starts a message (the rule of split_mbox)."""
    previous_blank = True
    for raw in lines:
        line = raw.rstrip(b"\r\n")
        separator = previous_blank and line.startswith(b"From ")
        previous_blank = not separator and line == b""
        yield line, separator


def _finish(lines: list[bytes]) -> bytes:
    while lines and lines[-1] == b"":
        lines.pop()  # the blank line that separates messages
    return b"\r\n".join(lines) + b"\r\n"


def flags_from_status(data: bytes) -> tuple[str, ...]:
    """\\Seen / \\Flagged / \\Answered from the Status and X-Status headers mbox tools write."""
    head = data.split(b"\r\n\r\n", 1)[0]
    flags: list[str] = []
    status = re.search(rb"(?im)^Status:[ \t]*([A-Z]*)", head)
    if status and b"R" in status.group(1):
        flags.append("\\Seen")
    xstatus = re.search(rb"(?im)^X-Status:[ \t]*([A-Z]*)", head)
    if xstatus and b"F" in xstatus.group(1):
        flags.append("\\Flagged")
    if xstatus and b"A" in xstatus.group(1):
        flags.append("\\Answered")
    return tuple(flags)


def looks_like_message(data: bytes) -> str | None:
    """Why `data` is not a message we should APPEND, or None if it looks like one."""
    if not data.strip():
        return _("empty")
    if len(data) > MAX_MESSAGE:
        return _("larger than %(mb)d MB") % {"mb": MAX_MESSAGE // (1024 * 1024)}
    head = data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    if not re.match(rb"^[!-9;-~]+:", head[0]):
        return _("no mail headers")
    if b"\0" in data:
        return _("contains NUL bytes")
    return None


# -- export --------------------------------------------------------------------------------


def folder_uids(mail: MailSession, folder: str) -> list[int]:
    check_folder_name(folder)
    return mail.run(lambda conn: list(conn.sorted_uids(folder, "arrival")[1]), folder=folder)


def _fetch_batch(mail: MailSession, folder: str, uids: list[int]) -> bytes:
    def read(conn: IMAPConnection) -> bytes:
        conn.select(folder)
        return b"".join(mbox_entry(m.data, m.internaldate) for m in conn.fetch_raw(uids))

    return mail.run(read, folder=folder)


async def mbox_stream(mail: MailSession, folder: str, uids: list[int]) -> AsyncIterator[bytes]:
    """The folder as mboxrd, EXPORT_BATCH messages per IMAP FETCH."""
    fetch = sync_to_async(_fetch_batch, thread_sensitive=False)
    for start in range(0, len(uids), EXPORT_BATCH):
        yield await fetch(mail, folder, uids[start : start + EXPORT_BATCH])


def _fetch_chunk(mail: MailSession, folder: str, uid: int, offset: int) -> bytes | None:
    def read(conn: IMAPConnection) -> bytes | None:
        conn.select(folder)
        data = conn.fetch_message(uid, sections=[""], piece=(offset, CHUNK))
        return None if data is None else data.sections.get("", b"")

    return mail.run(read, folder=folder)


def first_chunk(mail: MailSession, folder: str, uid: int) -> bytes:
    """The first chunk of a message (raises MessageNotFound if it is not there)."""
    check_folder_name(folder)
    chunk = _fetch_chunk(mail, folder, uid, 0)
    if chunk is None:
        raise MessageNotFound(f"UID {uid} in {folder}")
    return chunk


async def eml_stream(
    mail: MailSession, folder: str, uid: int, first: bytes
) -> AsyncIterator[bytes]:
    """The raw message, in CHUNK-sized partial fetches (BODY.PEEK[]<offset.length>)."""
    fetch = sync_to_async(_fetch_chunk, thread_sensitive=False)
    chunk, offset = first, 0
    while chunk:
        yield chunk
        if len(chunk) < CHUNK:
            return
        offset += len(chunk)
        chunk = await fetch(mail, folder, uid, offset) or b""


# -- import --------------------------------------------------------------------------------


class Upload(Protocol):
    """An uploaded file: Django's UploadedFile, or any binary file object."""

    def read(self, size: int = -1, /) -> bytes: ...
    def seek(self, offset: int, whence: int = 0, /) -> int: ...
    def __iter__(self) -> Iterator[bytes]: ...


@dataclass
class ImportReport:
    folder: str
    shown: str = ""  # the folder's display name (no namespace prefix)
    imported: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (which message, why)
    changed: list[tuple[str, str]] = field(default_factory=list)  # (which message, what)

    @property
    def done(self) -> int:
        """How many messages have been settled (imported or failed)."""
        return self.imported + len(self.failed)


@dataclass(frozen=True)
class ImportProgress:
    done: int
    total: int


def _is_mbox(name: str, first: bytes) -> bool:
    return first.startswith(b"From ") or name.lower().endswith((".mbox", ".mbx"))


def messages_of(
    name: str, lines: Iterable[bytes], first: bytes
) -> Iterator[tuple[str, bytes, datetime | None]]:
    """(label, CRLF bytes, date) for each message of one uploaded file (.mbox or .eml)."""
    if _is_mbox(name, first):
        for index, (data, when) in enumerate(split_mbox(lines), start=1):
            yield f"{name} #{index}", data, when
    else:
        data = b"".join(lines).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        yield name, data, None


def _first_bytes(upload: Upload) -> bytes:
    upload.seek(0)
    first = upload.read(5)
    upload.seek(0)
    return first


def upload_messages(
    uploads: Sequence[tuple[str, Upload]],
) -> Iterator[tuple[str, bytes, datetime | None]]:
    """Every message of the uploaded files (name, file), in order, as for messages_of."""
    for name, upload in uploads:
        yield from messages_of(name, upload, _first_bytes(upload))


def count_messages(uploads: Sequence[tuple[str, Upload]]) -> int:
    """How many messages upload_messages will give, without building them (one read of each)."""
    total = 0
    for name, upload in uploads:
        if _is_mbox(name, _first_bytes(upload)):
            total += sum(1 for _line, separator in _mbox_lines(upload) if separator)
            upload.seek(0)
        else:
            total += 1
    return total


def import_messages(
    mail: MailSession,
    folder: str,
    items: Iterable[tuple[str, bytes, datetime | None]],
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """APPEND each message to `folder`; bad ones are reported, not fatal.

    `progress(done)` is called after each message is imported or has failed. A message whose
    APPEND loses the connection is reported (it may or may not have reached the server: it is
    not sent twice) and the rest go on over a fresh connection.
    """
    check_folder_name(folder)
    report = ImportReport(folder, display_name(mail, folder))
    batch: deque[tuple[str, bytes, datetime | None]] = deque()

    def settle(label: str, why: str | None = None) -> None:
        if why is None:
            report.imported += 1
        else:
            report.failed.append((label, why))
        if progress is not None:
            progress(report.done)

    def append_batch(conn: IMAPConnection) -> bool:
        """APPEND the batch on one connection; True if the connection broke on the way."""
        while batch:
            label, data, when = batch.popleft()
            try:
                conn.append_message(folder, data, flags=flags_from_status(data), when=when)
            except CommandFailed as exc:
                settle(label, _server_reason(exc))
            except MailError:
                settle(
                    label, _("the connection to the mail server was lost before it was confirmed")
                )
                return True
            else:
                settle(label)
        return False

    def flush() -> None:
        while batch:
            try:
                broke = mail.run(append_batch, folder=folder, retry=False)
            except MailError as exc:  # no connection to be had: this batch fails, with why
                while batch:
                    settle(batch.popleft()[0], str(exc.user_message))
                return
            if broke:
                # The server dropped us: this login's other idle connections are likely dead too.
                mail.pool.discard_idle(mail.key)

    for label, data, when in items:
        problem = looks_like_message(data)
        if problem:
            settle(label, problem)
            continue
        data, fields = encode_8bit_headers(data)
        if fields:
            report.changed.append(
                (
                    label,
                    _("raw non-ASCII bytes in %(fields)s encoded (RFC 2047)")
                    % {"fields": ", ".join(fields)},
                )
            )
        batch.append((label, data, when))
        if len(batch) >= 50:
            flush()
    flush()
    return report


_FINISHED = object()


async def import_progress(
    mail: MailSession, folder: str, uploads: Sequence[tuple[str, Upload]]
) -> AsyncIterator[ImportProgress | ImportReport]:
    """Import the uploads in a worker thread: ImportProgress(0, total), one ImportProgress per
    message settled, then the ImportReport.

    If the consumer goes away (the browser left), the import still runs to its end, as a
    plain form POST would.
    """
    check_folder_name(folder)
    loop = asyncio.get_running_loop()
    events: asyncio.Queue[object] = asyncio.Queue()

    def put(event: object) -> None:
        try:
            loop.call_soon_threadsafe(events.put_nowait, event)
        except RuntimeError:
            pass  # the event loop is closed: nobody is listening any more

    def work() -> ImportReport:
        try:
            total = count_messages(uploads)
            put(ImportProgress(0, total))
            return import_messages(
                mail,
                folder,
                upload_messages(uploads),
                progress=lambda done: put(ImportProgress(done, total)),
            )
        finally:
            put(_FINISHED)

    worker = asyncio.ensure_future(sync_to_async(work, thread_sensitive=False)())
    while (event := await events.get()) is not _FINISHED:
        assert isinstance(event, ImportProgress)
        yield event
    yield await worker


def _server_reason(exc: MailError) -> str:
    text = exc.detail
    match = re.search(r"(?:NO|BAD)\s+(.*)$", text)
    reason = (match.group(1) if match else text).strip(" '\"]")
    return _("the mail server refused it: %(reason)s") % {"reason": reason[:200]}
