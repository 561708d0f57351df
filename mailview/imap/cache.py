"""What a connection remembers between requests, typed, with one rule for forgetting.

Everything computed from a folder's messages is kept in that folder's `FolderCache`, tagged with
the folder's state signature (UIDVALIDITY, UIDNEXT, EXISTS) it was computed at; `folder()` hands
out the entry for the current signature and drops its contents when the signature moved. The
sort dates are facts about single messages and live as long as UIDVALIDITY. `forget(folder)`
drops the folder's entry and the folder-wide lists (tree, special-use folders), which our own
changes make stale; the list rows of the selected folder are kept by the connection itself.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Any

MAX_ORDERS = 8  # sorted orders kept per connection, all folders together (4 bytes a message)
MAX_SEARCHES = 8
MAX_DATES = 50_000  # sort dates kept per connection (about 100 bytes each in a dict)

Signature = tuple[int, int, int]


@dataclass
class Timed:
    """A value made at a monotonic time (the services decide how long it stays good)."""

    made: float
    value: Any


@dataclass
class FolderCache:
    """What was computed from one folder at one state signature."""

    signature: Signature
    # sort key ("date", "arrival", ...) -> UIDs in ascending order
    orders: dict[str, array[int]] = field(default_factory=dict)
    # (sort key, criteria on the wire) -> matching UIDs in order
    searches: dict[tuple[str, bytes], list[int]] = field(default_factory=dict)
    # mailview.threads: (threads as UID lists, whether the server made them)
    threads: tuple[list[list[int]], bool] | None = None


@dataclass
class ConnectionCache:
    """Owned by one IMAPConnection; gone with it."""

    # The folder tree of the folder pane (a mailview.folders.FolderTree) and the special-use
    # folders (mailview.actions.find_role), each with the time it was made.
    tree: Timed | None = None
    special: Timed | None = None
    folders: dict[str, FolderCache] = field(default_factory=dict)
    # folder -> (UIDVALIDITY, {uid: sort date as a UTC timestamp})
    dates: dict[str, tuple[int, dict[int, int]]] = field(default_factory=dict)

    def folder(self, name: str, signature: Signature) -> FolderCache:
        """The entry of `name` at `signature`: emptied first if the folder moved on."""
        entry = self.folders.get(name)
        if entry is None or entry.signature != signature:
            entry = self.folders[name] = FolderCache(signature)
        return entry

    def peek(self, name: str, signature: Signature) -> FolderCache | None:
        """The entry of `name` if it was made at `signature` (nothing created or dropped)."""
        entry = self.folders.get(name)
        return entry if entry is not None and entry.signature == signature else None

    def keep_order(self, name: str, signature: Signature, key: str, order: array[int]) -> None:
        if sum(len(e.orders) for e in self.folders.values()) >= MAX_ORDERS:
            for entry in self.folders.values():
                if entry.orders:
                    entry.orders.pop(next(iter(entry.orders)))
                    break
        self.folder(name, signature).orders[key] = order

    def keep_search(
        self, name: str, signature: Signature, key: tuple[str, bytes], uids: list[int]
    ) -> None:
        entry = self.folder(name, signature)
        if len(entry.searches) >= MAX_SEARCHES:
            entry.searches.pop(next(iter(entry.searches)))
        entry.searches[key] = uids

    def known_dates(self, name: str, uidvalidity: int) -> dict[int, int]:
        made = self.dates.get(name)
        return made[1] if made is not None and made[0] == uidvalidity else {}

    def keep_dates(self, name: str, uidvalidity: int, dates: dict[int, int]) -> None:
        if len(dates) > MAX_DATES:
            dates = {}
        others = sum(len(d) for f, (_v, d) in self.dates.items() if f != name)
        if others + len(dates) > MAX_DATES:
            self.dates = {}
        self.dates[name] = (uidvalidity, dates)

    def forget(self, name: str) -> None:
        """After a change of ours to `name`: its entry and the folder-wide lists go."""
        self.folders.pop(name, None)
        self.dates.pop(name, None)
        self.tree = None
        self.special = None

    def forget_lists(self) -> None:
        """After a change of ours to the folder list or flags (the tree's counts): tree, roles."""
        self.tree = None
        self.special = None

    def clear(self) -> None:
        self.tree = None
        self.special = None
        self.folders.clear()
        self.dates.clear()
