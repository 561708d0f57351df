"""Untagged responses -> changes of a watched folder: the pure half of an IDLE watcher.

`parse_untagged` keeps what a watcher cares about in one typed response (EXISTS, EXPUNGE,
VANISHED, FETCH with FLAGS, the state codes of an untagged OK, BYE); `apply_untagged` folds them
into a `FolderState` and says what changed for the browser. No I/O: tested without a server.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .protocol.responses import (
    Continuation,
    Data,
    Response,
    Status,
    fetch_dict,
    parse_sequence_set,
)
from .protocol.syntax import ResponseSyntaxError
from .values import flag_names

#: A VANISHED range wider than this is not expanded (the browser reloads the folder instead).
MAX_UIDS = 100_000


@dataclass(frozen=True)
class Exists:
    count: int


@dataclass(frozen=True)
class Expunge:
    seq: int


@dataclass(frozen=True)
class Vanished:
    uids: tuple[int, ...]
    earlier: bool


@dataclass(frozen=True)
class FetchFlags:
    seq: int
    uid: int | None
    flags: frozenset[str] | None
    modseq: int | None


@dataclass(frozen=True)
class Code:
    """A response code of an untagged OK: UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ."""

    name: str
    value: int


@dataclass(frozen=True)
class Bye:
    text: str


Change = Exists | Expunge | Vanished | FetchFlags | Code | Bye

_VANISHED = re.compile(rb"^(\(EARLIER\) )?([0-9:,]+)\s*$", re.IGNORECASE)
_STATE_CODES = frozenset({"UIDVALIDITY", "UIDNEXT", "HIGHESTMODSEQ"})


def parse_untagged(response: Response) -> Change | None:
    """What a watcher cares about in one untagged response; None for everything else."""
    if isinstance(response, Continuation) or (
        isinstance(response, Status) and response.tag != b"*"
    ):
        return None
    if isinstance(response, Status):
        code = response.code
        if response.status == "BYE":
            return Bye(response.text)
        if response.status == "OK" and code is not None and code.name in _STATE_CODES:
            found = code.numbers()
            return Code(code.name, found[0]) if found else None
        return None
    kind, number = response.kind, response.number
    if number is not None:
        if kind == "EXISTS":
            return Exists(number)
        if kind == "EXPUNGE":
            return Expunge(number)
        if kind != "FETCH":
            return None
        try:
            data = fetch_dict(response)
        except ResponseSyntaxError:
            return None
        flags = data.get(b"FLAGS")
        modseq = data.get(b"MODSEQ")
        uid = data.get(b"UID")
        return FetchFlags(
            seq=number,
            uid=uid if isinstance(uid, int) else None,
            flags=flag_names(flags) if flags is not None else None,
            modseq=modseq[0] if isinstance(modseq, tuple) and modseq else None,
        )
    if kind == "VANISHED":
        match = _VANISHED.match(response.line)
        if match is None:
            return None
        try:
            uids = tuple(parse_sequence_set(match.group(2).decode("ascii"), MAX_UIDS))
        except ValueError:
            return Vanished((), bool(match.group(1)))
        return Vanished(uids, bool(match.group(1)))
    return None


@dataclass
class FolderState:
    """What a watcher knows of its selected folder."""

    uidvalidity: int = 0
    uidnext: int = 0
    exists: int = 0
    highestmodseq: int = 0
    #: Sequence number -> UID, only without QRESYNC (with it, the server names UIDs itself).
    uids: array[int] | None = None


@dataclass
class Changes:
    expunged: list[int] = field(default_factory=list)
    flags: dict[int, frozenset[str]] = field(default_factory=dict)
    new: bool = False  # EXISTS grew: fetch from uidnext
    reset: bool = False  # too much vanished to name: reload

    def __bool__(self) -> bool:
        return bool(self.expunged or self.flags or self.new or self.reset)


def apply_untagged(state: FolderState, responses: Iterable[Change | None]) -> Changes:
    """Fold untagged responses into `state` and say what changed for the browser."""
    changes = Changes()
    for item in responses:
        if isinstance(item, Exists):
            if item.count > state.exists:
                changes.new = True
            state.exists = item.count
        elif isinstance(item, Expunge):
            state.exists = max(0, state.exists - 1)
            if state.uids is not None and 0 < item.seq <= len(state.uids):
                gone = state.uids.pop(item.seq - 1)
                changes.expunged.append(gone)
                changes.flags.pop(gone, None)
        elif isinstance(item, Vanished):
            if not item.uids:
                changes.reset = True
                continue
            if not item.earlier:
                state.exists = max(0, state.exists - len(item.uids))
            changes.expunged.extend(item.uids)
            for vanished in item.uids:
                changes.flags.pop(vanished, None)
        elif isinstance(item, FetchFlags):
            if item.modseq is not None:
                state.highestmodseq = max(state.highestmodseq, item.modseq)
            uid = item.uid
            if uid is None and state.uids is not None and 0 < item.seq <= len(state.uids):
                uid = state.uids[item.seq - 1]
            if uid is not None and item.flags is not None and uid < state.uidnext:
                changes.flags[uid] = item.flags
        elif isinstance(item, Code):
            if item.name == "HIGHESTMODSEQ":
                state.highestmodseq = max(state.highestmodseq, item.value)
    return changes


def stray_changes(answers: Iterable[Response]) -> Iterator[Change]:
    """The folder's changes among the answers to a watcher's own commands.

    RFC 3501 (7): the server may send EXISTS, EXPUNGE or a FETCH of new flags with the answer
    to any command, and does not send them again. The watcher's own row FETCH (its answers carry
    the ENVELOPE that only rows ask for) is not a change.
    """
    for response in answers:
        change = parse_untagged(response)
        if isinstance(change, FetchFlags) and _is_row(response):
            continue
        if isinstance(change, Exists | Expunge | Vanished | FetchFlags):
            yield change


def _is_row(response: Response) -> bool:
    try:
        return isinstance(response, Data) and b"ENVELOPE" in fetch_dict(response)
    except ResponseSyntaxError:
        return False
