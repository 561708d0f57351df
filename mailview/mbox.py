"""Export a folder as mbox (mboxrd) or one message as .eml; import .eml and .mbox files.

Exports are asynchronous iterators: under ASGI, Django reads a StreamingHttpResponse fed by a
synchronous iterator completely into memory before sending it. Each batch of messages is
fetched on a pooled connection in a worker thread (`sync_to_async`), so the event loop never
waits on IMAP and at most one batch is in memory.

Imports APPEND message by message, so one bad message does not stop the others; the report
says how many were imported and which failed and why.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from asgiref.sync import sync_to_async
from django.utils.translation import gettext as _

from .imap.client import IMAPConnection, check_folder_name
from .imap.errors import CommandFailed, MailError, MessageNotFound
from .imap.session import MailSession

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
    previous_blank = True
    for raw in lines:
        line = raw.rstrip(b"\r\n")
        if line.startswith(b"From ") and previous_blank:
            if current is not None:
                yield _finish(current), when
            current, when = [], parse_from_date(line)
            previous_blank = False
            continue
        previous_blank = line == b""
        if current is None:
            continue  # text before the first separator is not a message
        if FROM_LINE.match(line) and line.startswith(b">"):
            line = line[1:]
        current.append(line)
    if current is not None:
        yield _finish(current), when


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
        data = conn.fetch_parts(uid, [f"BODY.PEEK[]<{offset}.{CHUNK}>"])
        if not data:
            return None
        return next((v for k, v in data.items() if k.startswith(b"BODY[]")), b"") or b""

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


@dataclass
class ImportReport:
    folder: str
    imported: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (which message, why)


def messages_of(
    name: str, lines: Iterable[bytes], first: bytes
) -> Iterator[tuple[str, bytes, datetime | None]]:
    """(label, CRLF bytes, date) for each message of one uploaded file (.mbox or .eml)."""
    if first.startswith(b"From ") or name.lower().endswith((".mbox", ".mbx")):
        for index, (data, when) in enumerate(split_mbox(lines), start=1):
            yield f"{name} #{index}", data, when
    else:
        data = b"".join(lines).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        yield name, data, None


def import_messages(
    mail: MailSession, folder: str, items: Iterable[tuple[str, bytes, datetime | None]]
) -> ImportReport:
    """APPEND each message to `folder`; bad ones are reported, not fatal."""
    check_folder_name(folder)
    report = ImportReport(folder)
    batch: list[tuple[str, bytes, datetime | None]] = []

    def flush() -> None:
        def run(conn: IMAPConnection) -> None:
            for label, data, when in batch:
                try:
                    conn.append_message(folder, data, flags=flags_from_status(data), when=when)
                except CommandFailed as exc:
                    report.failed.append((label, _server_reason(exc)))
                else:
                    report.imported += 1

        if batch:
            mail.run(run, folder=folder, retry=False)
            batch.clear()

    for label, data, when in items:
        problem = looks_like_message(data)
        if problem:
            report.failed.append((label, problem))
            continue
        batch.append((label, data, when))
        if len(batch) >= 50:
            flush()
    flush()
    return report


def _server_reason(exc: MailError) -> str:
    text = exc.detail
    match = re.search(r"(?:NO|BAD)\s+(.*)$", text)
    reason = (match.group(1) if match else text).strip(" '\"]")
    return _("the mail server refused it: %(reason)s") % {"reason": reason[:200]}
