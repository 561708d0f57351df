"""The folder tree's counts and names, followed on one connection: NOTIFY (RFC 5465) where the
server offers it, else LIST-STATUS (RFC 5819) or LSUB and STATUS now and then. No I/O here.

- `NOTIFY_SET`: the command words that ask for the selected folder's usual responses and, for
  every subscribed folder, STATUS on new, expunged and flag-changed messages and LIST on
  folders created, deleted or renamed (a scan, below, gives the starting counts).
- `scan_command` / `parse_scan`: one periodic look at the subscribed folders and their counts.
- `parse_notification`: an untagged ``STATUS`` or ``LIST`` as a `MailboxStatus` or
  `MailboxListed`.
- `TreeState`: what the tree's follower knows (folder -> counts); folds a scan or a notification
  in and says what changed (`TreeChanges`): counts to publish and folders that are gone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .criteria import decode_folder_name
from .protocol.commands import Argument
from .protocol.responses import Data, Response, list_entry, status_items
from .protocol.syntax import ResponseSyntaxError

#: Folders and events asked for by `NOTIFY SET` (RFC 5465 section 6). The selected folder keeps
#: the responses an IDLE watcher already handles (EXISTS, EXPUNGE, FETCH FLAGS).
NOTIFY_SET: tuple[bytes, ...] = (
    b"NOTIFY",
    b"SET",
    b"(selected (MessageNew MessageExpunge FlagChange))"
    b" (subscribed (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange))",
)

#: A LIST flag saying that the name is no folder one can open (any more).
_NOT_THERE = frozenset({"\\nonexistent", "\\noselect"})


@dataclass(frozen=True)
class MailboxStatus:
    """An untagged STATUS: some counts of one folder (a notification may carry only some)."""

    name: str
    items: dict[str, int]


@dataclass(frozen=True)
class MailboxListed:
    """An untagged LIST: a folder as it is now; ``old`` its former name after a rename."""

    name: str
    flags: frozenset[str]
    old: str | None = None

    @property
    def selectable(self) -> bool:
        return not ({f.lower() for f in self.flags} & _NOT_THERE)

    @property
    def subscribed(self) -> bool:
        return "\\subscribed" in {f.lower() for f in self.flags}


Notification = MailboxStatus | MailboxListed


def parse_notification(response: Response) -> Notification | None:
    """An untagged STATUS or LIST as typed data; None for anything else (or nonsense)."""
    if not isinstance(response, Data) or response.number is not None:
        return None
    try:
        if response.kind == "STATUS":
            raw, items = status_items(response)
            return MailboxStatus(decode_folder_name(raw), items)
        if response.kind == "LIST":
            flags, _delimiter, raw = list_entry(response)
            return MailboxListed(
                decode_folder_name(raw),
                frozenset(f.decode("ascii", "replace") for f in flags),
                _old_name(response),
            )
    except (ResponseSyntaxError, UnicodeError, ValueError):
        return None
    return None


def _old_name(response: Data) -> str | None:
    """The OLDNAME extended data item of a LIST (RFC 5465 section 5.4), if any."""
    values = response.values()
    extended = values[3] if len(values) > 3 else None
    if not isinstance(extended, tuple):
        return None
    for key, value in zip(extended[::2], extended[1::2], strict=False):
        if isinstance(key, bytes) and key.upper() == b"OLDNAME" and isinstance(value, tuple):
            if value and isinstance(value[0], bytes):
                return decode_folder_name(value[0])
    return None


def scan_command(capabilities: frozenset[str], counts: bool = True) -> tuple[Argument, ...] | None:
    """The one command listing the subscribed folders with their counts (LIST-EXTENDED with
    LIST-STATUS), or None: then LSUB and a STATUS per folder (`parse_scan` reads both).
    ``counts=False``: the names only (LIST (SUBSCRIBED), else LSUB; no folder is opened)."""
    if "LIST-EXTENDED" not in capabilities:
        return None if counts else (b"LSUB", b'""', b'"*"')
    if not counts:
        return (b"LIST", b"(SUBSCRIBED)", b'""', b'"*"')
    if "LIST-STATUS" in capabilities:
        return (b"LIST", b"(SUBSCRIBED)", b'""', b'"*"', b"RETURN (STATUS (MESSAGES UNSEEN))")
    return None


#: The counts asked of a folder by STATUS (also for a notification that left one out).
STATUS_ITEMS = b"(MESSAGES UNSEEN)"


@dataclass
class Scan:
    """The subscribed folders one can open, with their (unseen, messages) where known."""

    counts: dict[str, tuple[int, int] | None] = field(default_factory=dict)


def parse_scan(responses: Iterable[Response]) -> Scan:
    """The LIST (or LSUB) and STATUS responses of a scan as a `Scan`."""
    scan = Scan()
    found: dict[str, dict[str, int]] = {}
    for response in responses:
        item = _scan_item(response)
        if isinstance(item, MailboxStatus):
            found.setdefault(item.name, {}).update(item.items)
        elif item is not None and item.selectable:
            scan.counts[item.name] = None
    for name in scan.counts:
        scan.counts[name] = _pair(found.get(name, {}))
    return scan


def _scan_item(response: Response) -> Notification | None:
    if isinstance(response, Data) and response.kind == "LSUB" and response.number is None:
        try:
            flags, _delimiter, raw = list_entry(response)
        except ResponseSyntaxError:
            return None
        return MailboxListed(
            decode_folder_name(raw), frozenset(f.decode("ascii", "replace") for f in flags)
        )
    return parse_notification(response)


def _pair(items: dict[str, int]) -> tuple[int, int] | None:
    if "UNSEEN" in items and "MESSAGES" in items:
        return items["UNSEEN"], items["MESSAGES"]
    return None


@dataclass
class TreeChanges:
    """What the browser must hear: new counts (folder -> (unseen, messages)), folders gone."""

    counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    gone: list[str] = field(default_factory=list)
    #: Folders a notification named without both counts: ask STATUS for them.
    ask: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.counts or self.gone or self.ask)


@dataclass
class TreeState:
    """The subscribed folders a follower knows, with their last (unseen, messages)."""

    counts: dict[str, tuple[int, int] | None] = field(default_factory=dict)
    seeded: bool = False

    def apply_scan(self, scan: Scan) -> TreeChanges:
        """Fold a scan in. The first one only seeds (the page asked its counts itself)."""
        changes = TreeChanges()
        if self.seeded:
            changes.gone = [name for name in self.counts if name not in scan.counts]
            for name, pair in scan.counts.items():
                if pair is not None and self.counts.get(name) != pair:
                    changes.counts[name] = pair
        # A scan of names only (or a count the server left out) keeps the counts known.
        self.counts = {
            n: p if p is not None else self.counts.get(n) for n, p in scan.counts.items()
        }
        self.seeded = True
        return changes

    def apply(self, items: Iterable[object]) -> TreeChanges:
        """Fold notifications in (anything else in ``items`` is ignored)."""
        changes = TreeChanges()
        for item in items:
            if isinstance(item, MailboxStatus):
                known = self.counts.get(item.name)
                merged = {"UNSEEN": known[0], "MESSAGES": known[1]} if known else {}
                merged.update(item.items)
                pair = _pair(merged)
                if pair is None:
                    changes.ask.append(item.name)
                    continue
                if known != pair and (self.seeded or item.name in self.counts):
                    changes.counts[item.name] = pair
                self.counts[item.name] = pair
            elif isinstance(item, MailboxListed):
                if item.old is not None and item.old in self.counts:
                    del self.counts[item.old]
                    changes.gone.append(item.old)
                if not item.selectable:
                    if item.name in self.counts:
                        del self.counts[item.name]
                        changes.gone.append(item.name)
                elif item.name not in self.counts and item.subscribed:
                    self.counts[item.name] = None
                    changes.ask.append(item.name)
        changes.counts = {n: p for n, p in changes.counts.items() if n not in changes.gone}
        changes.ask = [n for n in dict.fromkeys(changes.ask) if n not in changes.gone]
        return changes
