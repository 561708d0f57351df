"""The facade's message commands: FETCH of parts, raw messages and pieces; STORE, COPY, MOVE,
EXPUNGE, APPEND; SEARCH, SORT and THREAD of the selected folder."""

from __future__ import annotations

import os
import re
from array import array
from collections import deque
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from .blocking import Untagged
from .connection import ConnectionBase
from .criteria import SearchToken, criterion, folder_argument, imap_string
from .errors import CommandFailed, InvalidName, MessageNotFound
from .protocol.commands import Argument, FileLiteral, Literal, parenthesized, sequence_set
from .protocol.dates import internaldate
from .protocol.responses import (
    Data,
    ResponseCode,
    Status,
    esearch_all,
    fetch_dict,
    fetch_dicts,
    number_array,
    numbers,
    parse_sequence_set,
    thread_uids,
)
from .types import (
    SORT_KEYS,
    CopyResult,
    FetchedMessage,
    MailboxState,
    RawMessage,
    ThreadHeaders,
)
from .values import SORT_DATE_ARGUMENT, fetch_values, flag_names, sort_date

# Downloads: bytes of a part asked for per FETCH (see iter_section).
STREAM_CHUNK = 256 * 1024
_SECTION = re.compile(r"[1-9][0-9]{0,5}(\.[1-9][0-9]{0,5}){0,39}")
_HEADER_FIELD = re.compile(r"[!-9;-~]+")  # RFC 5322 field names: printable, no colon
_FLAG = re.compile(r"\\?[A-Za-z0-9$_.\-]+")
_FETCH = frozenset({"FETCH"})


def _flags(flags: Sequence[str]) -> bytes:
    for flag in flags:
        if not _FLAG.fullmatch(flag):
            raise ValueError(f"not a flag: {flag!r}")
    return parenthesized(flag.encode("ascii") for flag in flags)


def _code(status: Status, untagged: list[Untagged], name: str) -> ResponseCode | None:
    """The last response code `name` of a command (tagged or, for MOVE, untagged OK)."""
    found = status.code if status.code is not None and status.code.name == name else None
    if found is None:
        for response in untagged:
            if isinstance(response, Status) and response.code and response.code.name == name:
                found = response.code
    return found


class MessageCommands(ConnectionBase):
    def _uid_fetch(self, uids: Sequence[int], argument: bytes) -> list[dict[bytes, Any]]:
        """Every untagged FETCH answer (ours and any other that came with it) to
        ``UID FETCH uids argument``, as raw items (protocol.syntax values). Call inside
        `_exchange`."""
        _status, untagged = self._wire.command(b"UID", b"FETCH", sequence_set(uids), argument)
        self._absorb(untagged, _FETCH)
        return fetch_dicts([r for r in untagged if isinstance(r, Data) and r.kind == "FETCH"])

    def _fetch_by_uid(self, uids: Sequence[int], argument: bytes) -> dict[int, dict[bytes, Any]]:
        out: dict[int, dict[bytes, Any]] = {}
        for items in self._uid_fetch(uids, argument):
            uid = items.get(b"UID")
            if isinstance(uid, int):
                out.setdefault(uid, {}).update(fetch_values(items))
        return out

    def fetch_header_fields(self, uids: Sequence[int], names: Sequence[str]) -> dict[int, bytes]:
        """The header fields ``names`` of each of ``uids`` of the selected folder (one UID
        FETCH of BODY.PEEK[HEADER.FIELDS]); messages gone meanwhile are left out."""
        if not names or not all(_HEADER_FIELD.fullmatch(name) for name in names):
            raise ValueError("not a header field name")
        item = f"BODY.PEEK[HEADER.FIELDS ({' '.join(names)})]".encode("ascii")
        if not uids:
            return {}
        with self._exchange("FETCH"):
            data = self._fetch_by_uid(list(uids), item)
        out: dict[int, bytes] = {}
        for uid, values in data.items():
            for key, value in values.items():
                if key.startswith(b"BODY[") and b"HEADER" in key.upper():
                    out[uid] = value or b""
        return out

    def fetch_message(
        self,
        uid: int,
        *,
        flags: bool = False,
        size: bool = False,
        structure: bool = False,
        header_fields: Sequence[str] = (),
        header_of: str = "",
        sections: Sequence[str] = (),
        piece: tuple[int, int] | None = None,
    ) -> FetchedMessage | None:
        """What the caller asks for of one message of the selected folder, in one FETCH; None if
        the message is gone. ``header_fields`` of the message, or of the attached message at
        section ``header_of``; ``sections`` ("1", "2.1", "" for the whole message) whole, or the
        ``piece`` (offset, length) of each. Nothing is marked \\Seen (BODY.PEEK)."""
        items: list[bytes] = []
        if flags:
            items.append(b"FLAGS")
        if size:
            items.append(b"RFC822.SIZE")
        if structure:
            items.append(b"BODYSTRUCTURE")
        for section in (header_of, *sections):
            if section and not _SECTION.fullmatch(section):
                raise ValueError(f"not a body section: {section!r}")
        if header_fields:
            if not all(_HEADER_FIELD.fullmatch(name) for name in header_fields):
                raise ValueError("not a header field name")
            prefix = f"{header_of}." if header_of else ""
            names = " ".join(header_fields)
            items.append(f"BODY.PEEK[{prefix}HEADER.FIELDS ({names})]".encode("ascii"))
        partial = f"<{piece[0]}.{piece[1]}>" if piece else ""
        items += [f"BODY.PEEK[{section}]{partial}".encode("ascii") for section in sections]
        with self._exchange("FETCH BODY" if sections else "FETCH"):
            data = self._fetch_by_uid([uid], parenthesized(items)).get(uid)
        if data is None:
            return None
        headers = b""
        bodies: dict[str, bytes] = {}
        for key, value in data.items():
            if not key.startswith(b"BODY["):
                continue
            inner = key[5 : key.index(b"]")].decode("ascii", "replace")
            if "HEADER" in inner.upper():
                headers = value or b""
            else:
                bodies[inner] = value or b""
        return FetchedMessage(
            uid=uid,
            flags=flag_names(data.get(b"FLAGS", ())),
            size=int(data.get(b"RFC822.SIZE") or 0),
            structure=data.get(b"BODYSTRUCTURE"),
            headers=headers,
            sections=bodies,
        )

    def fetch_raw(self, uids: Sequence[int]) -> list[RawMessage]:
        """Whole messages (BODY.PEEK[]), with INTERNALDATE and FLAGS, in the order given."""
        if not uids:
            return []
        with self._exchange("FETCH"):
            data = self._fetch_by_uid(uids, b"(BODY.PEEK[] INTERNALDATE FLAGS)")
        return [
            RawMessage(
                uid=uid,
                data=data[uid].get(b"BODY[]") or b"",
                internaldate=data[uid].get(b"INTERNALDATE"),
                flags=tuple(sorted(flag_names(data[uid].get(b"FLAGS", ())))),
            )
            for uid in uids
            if uid in data
        ]

    def fetch_thread_headers(self, uids: Sequence[int]) -> dict[int, ThreadHeaders]:
        """What RFC 5256 REFERENCES threads by, for `uids`: the raw Message-ID, In-Reply-To,
        References, Subject and Date header block, and INTERNALDATE (the date used when the
        Date header is missing or unparsable)."""
        out: dict[int, ThreadHeaders] = {}
        argument = (
            b"(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID IN-REPLY-TO REFERENCES SUBJECT DATE)]"
            b" INTERNALDATE)"
        )
        for start in range(0, len(uids), 5000):
            with self._exchange("FETCH"):
                data = self._fetch_by_uid(uids[start : start + 5000], argument)
            for uid, values in data.items():
                block = next((v for k, v in values.items() if k.startswith(b"BODY[HEADER")), b"")
                out[uid] = ThreadHeaders(block or b"", values.get(b"INTERNALDATE"))
        return out

    def search_header(self, name: str, value: str) -> list[int]:
        """UIDs of the selected folder whose header ``name`` contains ``value``."""
        if any(ord(ch) < 32 for ch in name + value):
            raise InvalidName("control character in a search")
        with self._exchange("SEARCH") as imap:
            _status, untagged = imap.command(
                b"UID", b"SEARCH", b"HEADER", imap_string(name), imap_string(value)
            )
            self._absorb(untagged, frozenset({"SEARCH"}))
        found = [
            n for r in untagged if isinstance(r, Data) and r.kind == "SEARCH" for n in numbers(r)
        ]
        return sorted(found)

    def search_any_header(
        self, pairs: Sequence[tuple[str, str]], per_command: int = 20
    ) -> list[int]:
        """UIDs of the selected folder where any (header, value) of ``pairs`` matches (HEADER
        contains): one UID SEARCH of ORed criteria per ``per_command`` pairs."""
        found: set[int] = set()
        for start in range(0, len(pairs), per_command):
            chunk = pairs[start : start + per_command]
            words: list[Any] = [b"OR"] * (len(chunk) - 1)
            for name, value in chunk:
                if any(ord(ch) < 32 for ch in name + value):
                    raise InvalidName("control character in a search")
                words += [b"HEADER", imap_string(name), imap_string(value)]
            with self._exchange("SEARCH") as imap:
                _status, untagged = imap.command(b"UID", b"SEARCH", *words)
                self._absorb(untagged, frozenset({"SEARCH"}))
            found.update(
                n
                for r in untagged
                if isinstance(r, Data) and r.kind == "SEARCH"
                for n in numbers(r)
            )
        return sorted(found)

    # -- changing messages --------------------------------------------------

    def store_flags(self, uids: Sequence[int], flags: Sequence[str], add: bool) -> None:
        """+FLAGS or -FLAGS on messages of the selected folder (silently)."""
        if not uids:
            return
        with self._exchange("STORE") as imap:
            _status, untagged = imap.command(
                b"UID",
                b"STORE",
                sequence_set(uids),
                b"+FLAGS.SILENT" if add else b"-FLAGS.SILENT",
                _flags(flags),
            )
            self._absorb(untagged)
        self.cache.tree = None

    def copy_messages(self, uids: Sequence[int], target: str) -> CopyResult:
        """UID COPY to `target`; the new UIDs where the server says them (UIDPLUS)."""
        argument = folder_argument(target)
        if not uids:
            return CopyResult(target, None, {})
        with self._exchange("COPY") as imap:
            status, untagged = imap.command(b"UID", b"COPY", sequence_set(uids), argument)
            self._absorb(untagged)
        self.forget(target)
        return self._copyuid(target, _code(status, untagged, "COPYUID"))

    def move_messages(self, uids: Sequence[int], target: str) -> CopyResult:
        """UID MOVE (RFC 6851), or COPY + \\Deleted + UID EXPUNGE without it."""
        argument = folder_argument(target)
        if not uids or self.selected is None:
            return CopyResult(target, None, {})
        source = self.selected.name
        if not self.has("MOVE"):
            result = self.copy_messages(uids, target)
            self.expunge_messages(uids, source)
            return result
        with self._exchange("MOVE") as imap:
            status, untagged = imap.command(b"UID", b"MOVE", sequence_set(uids), argument)
            self._absorb(untagged)
        self.forget(source)
        self.forget(target)
        return self._copyuid(target, _code(status, untagged, "COPYUID"))

    @staticmethod
    def _copyuid(target: str, code: ResponseCode | None) -> CopyResult:
        """The mapping from a COPYUID response code: old UID -> new UID."""
        parts = code.args.decode("ascii", "replace").split() if code is not None else []
        if len(parts) >= 3 and parts[0].isdigit():
            try:
                old, new = parse_sequence_set(parts[1]), parse_sequence_set(parts[2])
            except ValueError:
                return CopyResult(target, None, {})
            if len(old) == len(new):
                return CopyResult(target, int(parts[0]), dict(zip(old, new, strict=True)))
        return CopyResult(target, None, {})

    def expunge_messages(self, uids: Sequence[int], folder: str | None = None) -> None:
        """Delete messages of the selected folder for good: \\Deleted, then UID EXPUNGE.

        Without UIDPLUS a plain EXPUNGE also removes other messages already marked \\Deleted.
        """
        if not uids or self.selected is None:
            return
        folder = folder or self.selected.name
        uid_set = sequence_set(uids)
        with self._exchange("EXPUNGE") as imap:
            _s, untagged = imap.command(b"UID", b"STORE", uid_set, b"+FLAGS.SILENT", b"(\\Deleted)")
            if self.has("UIDPLUS"):
                _s, more = imap.command(b"UID", b"EXPUNGE", uid_set)
            else:
                _s, more = imap.command(b"EXPUNGE")
            self._absorb(untagged + more)
        self.forget(folder)

    def expunge_all(self, folder: str) -> int:
        """Delete every message of `folder` (emptying Trash or Junk); how many there were."""
        state = self.select(folder)
        if state.exists:
            with self._exchange("EXPUNGE") as imap:
                _s, untagged = imap.command(b"STORE", b"1:*", b"+FLAGS.SILENT", b"(\\Deleted)")
                _s, more = imap.command(b"EXPUNGE")
                self._absorb(untagged + more)
        self.forget(folder)
        return state.exists

    def append_message(
        self, folder: str, data: bytes, flags: Sequence[str] = (), when: datetime | None = None
    ) -> int | None:
        """APPEND one message; its new UID where the server says it (APPENDUID)."""
        return self._append(folder, Literal(data), flags, when)

    def append_file(
        self, folder: str, path: str, flags: Sequence[str] = (), when: datetime | None = None
    ) -> int | None:
        """APPEND the message in file ``path``, read and sent in pieces (never all in memory);
        a large one as a synchronizing literal, so the server can refuse it before it travels
        (`protocol.commands.SYNC_FILE_LITERAL_ABOVE`). Its new UID where the server says it."""
        return self._append(folder, FileLiteral(path, os.path.getsize(path)), flags, when)

    def _append(
        self,
        folder: str,
        message: Literal | FileLiteral,
        flags: Sequence[str],
        when: datetime | None,
    ) -> int | None:
        words: list[Argument | FileLiteral] = [b"APPEND", folder_argument(folder), _flags(flags)]
        if when is not None:
            words.append(internaldate(when))
        words.append(message)
        with self._exchange("APPEND") as imap:
            status, untagged = imap.command_streamed(*words)
            self._absorb(untagged)
        self.forget(folder)
        code = _code(status, untagged, "APPENDUID")
        found = code.numbers() if code is not None else []
        return found[1] if len(found) >= 2 else None

    # -- searching, sorting, threading --------------------------------------

    def search_sorted(
        self, folder: str, criteria: Sequence[SearchToken], key: str = "date"
    ) -> tuple[MailboxState, array[int], bool]:
        """UIDs matching `criteria` in ascending `key` order (SORT), else in arrival order.

        Without SORT: ESEARCH (RETURN (ALL)) where offered, else SEARCH. Results are kept per
        connection while the folder's (UIDVALIDITY, UIDNEXT, EXISTS) is unchanged, so the
        pages of one search cost one SORT; 4 bytes a hit, within the process's budget for
        orders (imap/cache.py).
        """
        state = self.select(folder)
        args = [criterion(token) for token in criteria] or [b"ALL"]
        server_sorts = self.has("SORT")
        wire = b" ".join(a if isinstance(a, bytes) else b"{%r}" % a.data for a in args)
        cache_key = (key if server_sorts else "", wire)
        kept = self.cache.search(folder, state.signature, cache_key)
        if kept is not None:
            return state, kept, server_sorts
        uids = array("I")  # 4 bytes a hit (UIDs are 32-bit)
        with self._exchange("SEARCH") as imap:
            if server_sorts:
                order = self._sort_criterion(key)
                _status, untagged = imap.command(b"UID", b"SORT", order, b"UTF-8", *args)
                for response in _data(untagged, "SORT"):
                    uids.extend(number_array(response))
            elif self.has("ESEARCH"):
                _status, untagged = imap.command(
                    b"UID", b"SEARCH", b"RETURN", b"(ALL)", b"CHARSET", b"UTF-8", *args
                )
                for response in _data(untagged, "ESEARCH"):
                    uids.extend(esearch_all(response))
            else:
                _status, untagged = imap.command(b"UID", b"SEARCH", b"CHARSET", b"UTF-8", *args)
                found = [n for r in _data(untagged, "SEARCH") for n in numbers(r)]
                uids.extend(sorted(found))
            changed = self._absorb(untagged, frozenset({"SORT", "SEARCH", "ESEARCH"}))
        if not changed:
            self.cache.keep_search(folder, state.signature, cache_key, uids)
        return state, uids, server_sorts

    def _sort_criterion(self, key: str) -> bytes:
        name = SORT_KEYS.get(key, "DATE")
        if name == "FROM" and self.has("SORT=DISPLAY"):
            name = "DISPLAYFROM"
        return b"(" + name.encode() + b")"

    def sort_dates(self, uids: Sequence[int]) -> dict[int, int]:
        """{uid: the date SORT (DATE) orders it by, as a UTC timestamp} for `uids` of the
        selected folder; UIDs that vanished are left out.

        RFC 5256's sent date: the Date header, else (none, or unparsable) INTERNALDATE, to the
        second. A message never changes, so the dates are kept per folder while its UIDVALIDITY
        holds (new mail does not make them stale) and only the UIDs not seen before are
        fetched, in one UID FETCH.
        """
        if self.selected is None:
            raise CommandFailed("sort_dates: no folder selected")
        folder, uidvalidity = self.selected.name, self.selected.uidvalidity
        known = dict(self.cache.known_dates(folder, uidvalidity))
        missing = [uid for uid in uids if uid not in known]
        if not missing:
            return {uid: known[uid] for uid in uids if uid in known}
        with self._exchange("FETCH"):
            wanted = set(missing)
            for items in self._uid_fetch(missing, SORT_DATE_ARGUMENT):
                uid = items.get(b"UID")
                if uid in wanted and b"INTERNALDATE" in items:
                    known[uid] = sort_date(items)
                else:
                    self._rows.clear()  # another session's flag change came with ours
        self.cache.keep_dates(folder, uidvalidity, known)
        return {uid: known[uid] for uid in uids if uid in known}

    def thread_references(self, folder: str) -> list[list[int]] | None:
        """THREAD=REFERENCES of the whole folder as lists of UIDs (None without it)."""
        if not self.has("THREAD=REFERENCES"):
            return None
        self.select(folder)
        with self._exchange("THREAD") as imap:
            _status, untagged = imap.command(b"UID", b"THREAD", b"REFERENCES", b"UTF-8", b"ALL")
            self._absorb(untagged, frozenset({"THREAD"}))
        return [thread for r in _data(untagged, "THREAD") for thread in thread_uids(r)]

    # -- downloads ----------------------------------------------------------

    def iter_section(
        self, uid: int, section: str, start: int = 0, chunk: int = STREAM_CHUNK
    ) -> Iterator[bytes]:
        """BODY.PEEK[section] of one message of the selected folder from byte `start` on, as
        pieces of `chunk` bytes (the last one shorter), one `UID FETCH ... <offset.chunk>` each.

        The FETCH of the next piece is sent before the current one is read, so the server
        streams on while the caller works on a piece. `section` "" is the whole message.
        Raises MessageNotFound if the message is gone. The pieces must be consumed on the
        thread that leased this connection; when the caller stops early, the piece asked for
        in advance is read and dropped (or the connection closed).
        """
        if section and not _SECTION.fullmatch(section):
            raise InvalidName(f"bad section {section!r}")
        imap = self._wire
        uid_arg = b"%d" % int(uid)
        pending: deque[tuple[bytes, int]] = deque()
        # Pieces by offset. The server may run the two FETCH commands in parallel (RFC 9051
        # 5.5), so the answer read for one command can carry the other one's piece too.
        arrived: dict[int, bytes] = {}
        prefix = b"BODY[" + section.encode() + b"]<"

        def ask(offset: int) -> None:
            item = b"(BODY.PEEK[%s]<%d.%d>)" % (section.encode(), offset, chunk)
            pending.append((imap.send((b"UID", b"FETCH", uid_arg, item)), offset))

        def answer() -> int:
            tag, offset = pending.popleft()
            _status, untagged = imap.finish(tag, "FETCH")
            self._absorb(untagged, _FETCH)
            for response in _data(untagged, "FETCH"):
                for name, value in fetch_dict(response).items():
                    if name.startswith(prefix) and name.endswith(b">"):
                        arrived[int(name[len(prefix) : -1])] = value or b""
            return offset

        try:
            with self._exchange("FETCH"):
                ask(start)
            while True:
                with self._exchange("FETCH"):
                    ask(pending[-1][1] + chunk)
                    offset = answer()
                data = arrived.pop(offset, None)
                if data is None:
                    raise MessageNotFound(f"UID {uid}: no BODY[{section}]<{offset}>")
                yield data
                if len(data) < chunk:
                    return
        finally:
            if pending and not self.broken:
                with self._exchange("FETCH"):
                    while pending:
                        answer()


def _data(untagged: list[Untagged], kind: str) -> list[Data]:
    return [r for r in untagged if isinstance(r, Data) and r.kind == kind]
