"""What a connection remembers between requests, typed, with one rule for forgetting.

Everything computed from a folder's messages is kept in that folder's `FolderCache`, tagged with
the folder's state signature (UIDVALIDITY, UIDNEXT, EXISTS) it was computed at; `folder()` hands
out the entry for the current signature and drops its contents when the signature moved. The
sort dates are facts about single messages and live as long as UIDVALIDITY. `forget(folder)`
drops the folder's entry and the folder-wide lists (tree, special-use folders), which our own
changes make stale; the list rows of the selected folder are kept by the connection itself.
The folder-wide lists are also dropped when another connection of the same login made a change
of ours (`SharedLists`, handed out by the pool): a page served by another pooled connection
never shows counts from before the user's own move.
"""

from __future__ import annotations

import sys
import threading
import weakref
from array import array
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, Literal

MAX_ORDERS = 8  # sorted orders kept per connection, all folders together (4 bytes a message)
#: Bytes of sorted orders kept by all the connections of this process together (see
#: OrderBudget; the app sets it from WEBMAIL_SORT_CACHE_BYTES at start-up).
DEFAULT_ORDER_BUDGET = 256 * 1024 * 1024
MAX_SEARCHES = 8  # search results kept per folder of a connection (4 bytes a hit, budgeted)
MAX_DATES = 50_000  # sort dates kept per connection (about 100 bytes each in a dict)
MAX_MESSAGES = 8  # messages as last shown, kept per connection (see ConnectionCache.message)

Signature = tuple[int, int, int]
_Token = tuple[int, str, Hashable]  # (id of a FolderCache, its kind of arrays, the key)


@dataclass
class Timed:
    """A value made at a monotonic time (the services decide how long it stays good)."""

    made: float
    value: Any


# What the budget holds of a FolderCache: its "orders" or its "searches", by their key.
Kind = Literal["orders", "searches"]


class OrderBudget:
    """Bounds the memory of the sorted orders and search results of every connection of the
    process together.

    An order is an array('I') of UIDs, 4 bytes a message (1,000,000 messages: 4 MB); a search
    result the same, 4 bytes a hit. Each connection keeps at most MAX_ORDERS orders and
    MAX_SEARCHES results a folder, but 400 pooled connections on folders of a million would hold
    12 GB: so every order and result kept is registered here, least recently used first, and
    when their bytes pass the limit the oldest are dropped from whichever connection holds them
    (that connection sorts or searches again when it needs one). Thread-safe: connections are
    leased by many request threads; a thread already holding an evicted array keeps using it.
    """

    def __init__(self, limit: int = DEFAULT_ORDER_BUDGET) -> None:
        self.limit = limit
        self.used = 0
        self.evicted = 0
        self._lock = threading.Lock()
        # (id of the FolderCache, kind, key) -> (weak ref to the FolderCache, bytes)
        self._kept: OrderedDict[_Token, tuple[weakref.ref[FolderCache], int]] = OrderedDict()

    def set_limit(self, limit: int) -> None:
        with self._lock:
            self.limit = max(0, limit)
            self._evict()

    def kept(
        self, entry: FolderCache, key: Hashable, uids: array[int], kind: Kind = "orders"
    ) -> None:
        size = uids.itemsize * len(uids)
        token = (id(entry), kind, key)
        with self._lock:
            self._drop(token)
            self._kept[token] = (weakref.ref(entry, self._gone), size)
            self.used += size
            self._evict()

    def used_order(self, entry: FolderCache, key: Hashable, kind: Kind = "orders") -> None:
        """``entry``'s order (or search result) ``key`` was used: it is the last to be evicted."""
        with self._lock:
            if (id(entry), kind, key) in self._kept:
                self._kept.move_to_end((id(entry), kind, key))

    def forgot(self, entry: FolderCache, key: Hashable, kind: Kind) -> None:
        """``entry`` dropped one order or search result of its own (its per-folder limit)."""
        with self._lock:
            self._drop((id(entry), kind, key))

    def dropped(self, entry: FolderCache) -> None:
        """``entry`` lost its orders and results (the folder moved on, or was forgotten)."""
        with self._lock:
            for key in list(entry.orders):
                self._drop((id(entry), "orders", key))
            for search in list(entry.searches):
                self._drop((id(entry), "searches", search))

    def _drop(self, token: _Token) -> None:
        found = self._kept.pop(token, None)
        if found is not None:
            self.used -= found[1]

    def _gone(self, ref: weakref.ref[FolderCache]) -> None:
        with self._lock:
            for token, (kept_ref, _size) in list(self._kept.items()):
                if kept_ref is ref:
                    self._drop(token)

    def _evict(self) -> None:
        while self.used > self.limit and self._kept:
            (_id, kind, key), (ref, size) = self._kept.popitem(last=False)
            self.used -= size
            self.evicted += 1
            entry = ref()
            if entry is not None:
                kept: dict[Any, array[int]] = getattr(entry, kind)
                kept.pop(key, None)


def _trimmed(uids: array[int]) -> array[int]:
    """``uids`` without the room an array grows with while it is read: 4 bytes a UID."""
    if sys.getsizeof(uids) > sys.getsizeof(array(uids.typecode)) + uids.itemsize * len(uids):
        return uids[:]
    return uids


#: The process's budget (one per Daphne worker).
order_budget = OrderBudget()


def set_order_budget(limit: int) -> None:
    """The bytes of sorted orders all connections of this process may keep together."""
    order_budget.set_limit(limit)


@dataclass(eq=False)
class FolderCache:
    """What was computed from one folder at one state signature."""

    signature: Signature
    # sort key ("date", "arrival", ...) -> UIDs in ascending order
    orders: dict[str, array[int]] = field(default_factory=dict)
    # (sort key, criteria on the wire) -> matching UIDs in order, oldest kept first
    searches: dict[tuple[str, bytes], array[int]] = field(default_factory=dict)
    # mailview.threads: (threads as UID lists, whether the server made them)
    threads: tuple[list[list[int]], bool] | None = None


class SharedLists:
    """What the pooled connections of one login share: the version of their folder-wide lists.

    A change of ours on any of them (a move, a flag, a new folder) bumps it, and every
    connection's tree and special-use folders made before it are stale."""

    __slots__ = ("version",)

    def __init__(self) -> None:
        self.version = 0

    def bump(self) -> None:
        self.version += 1  # one bytecode-level add under the GIL; a lost bump only re-lists


@dataclass
class ConnectionCache:
    """Owned by one IMAPConnection; gone with it."""

    # The folder tree of the folder pane (a mailview.folders.FolderTree) and the special-use
    # folders (mailview.actions.find_role), each with the time it was made and the version of
    # the login's lists it was made at (see SharedLists).
    shared: SharedLists = field(default_factory=SharedLists)
    _tree: tuple[int, Timed] | None = None
    _special: tuple[int, Timed] | None = None

    @property
    def tree(self) -> Timed | None:
        return self._current(self._tree)

    @tree.setter
    def tree(self, value: Timed | None) -> None:
        self._tree = self._stamp(value)

    @property
    def special(self) -> Timed | None:
        return self._current(self._special)

    @special.setter
    def special(self, value: Timed | None) -> None:
        self._special = self._stamp(value)

    def _current(self, kept: tuple[int, Timed] | None) -> Timed | None:
        if kept is None or kept[0] != self.shared.version:
            return None
        return kept[1]

    def _stamp(self, value: Timed | None) -> tuple[int, Timed] | None:
        """A value made now; None is a change of ours, which every connection of the login sees."""
        if value is None:
            self.shared.bump()
            return None
        return (self.shared.version, value)

    folders: dict[str, FolderCache] = field(default_factory=dict)
    # folder -> (UIDVALIDITY, {uid: sort date as a UTC timestamp})
    dates: dict[str, tuple[int, dict[int, int]]] = field(default_factory=dict)
    # What the services made of a message, by a key starting (folder, UIDVALIDITY, UID): a
    # message's content never changes under one UIDVALIDITY (RFC 3501 2.3.1.1), only its flags,
    # which the caller fetches again. The most recent MAX_MESSAGES.
    messages: OrderedDict[tuple[Any, ...], Any] = field(default_factory=OrderedDict)

    def message(self, key: tuple[Any, ...]) -> Any:
        found = self.messages.get(key)
        if found is not None:
            self.messages.move_to_end(key)
        return found

    def keep_message(self, key: tuple[Any, ...], value: Any) -> None:
        self.messages[key] = value
        self.messages.move_to_end(key)
        while len(self.messages) > MAX_MESSAGES:
            self.messages.popitem(last=False)

    def folder(self, name: str, signature: Signature) -> FolderCache:
        """The entry of `name` at `signature`: emptied first if the folder moved on."""
        entry = self.folders.get(name)
        if entry is None or entry.signature != signature:
            if entry is not None:
                order_budget.dropped(entry)
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
                    oldest = next(iter(entry.orders))
                    order_budget.forgot(entry, oldest, "orders")
                    entry.orders.pop(oldest)
                    break
        order = _trimmed(order)
        entry = self.folder(name, signature)
        entry.orders[key] = order
        order_budget.kept(entry, key, order)

    def order(self, name: str, signature: Signature, key: str) -> array[int] | None:
        """The kept order ``key`` of ``name`` at ``signature`` (marked as recently used)."""
        entry = self.peek(name, signature)
        found = entry.orders.get(key) if entry is not None else None
        if found is not None and entry is not None:
            order_budget.used_order(entry, key)
        return found

    def keep_search(
        self, name: str, signature: Signature, key: tuple[str, bytes], uids: array[int]
    ) -> None:
        """Keep a search's hits (4 bytes each, counted in the process's budget)."""
        entry = self.folder(name, signature)
        entry.searches.pop(key, None)
        if len(entry.searches) >= MAX_SEARCHES:
            oldest = next(iter(entry.searches))
            order_budget.forgot(entry, oldest, "searches")
            entry.searches.pop(oldest)
        uids = _trimmed(uids)
        entry.searches[key] = uids
        order_budget.kept(entry, key, uids, "searches")

    def search(self, name: str, signature: Signature, key: tuple[str, bytes]) -> array[int] | None:
        """The kept hits of search ``key`` in ``name`` at ``signature`` (marked as used)."""
        entry = self.peek(name, signature)
        found = entry.searches.get(key) if entry is not None else None
        if found is not None and entry is not None:
            order_budget.used_order(entry, key, "searches")
        return found

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
        entry = self.folders.pop(name, None)
        if entry is not None:
            order_budget.dropped(entry)
        self.dates.pop(name, None)
        self.tree = None
        self.special = None

    def forget_lists(self) -> None:
        """After a change of ours to the folder list or flags (the tree's counts): tree, roles."""
        self.tree = None
        self.special = None

    def clear(self) -> None:
        """Drop all this connection keeps (not a change of ours: the others keep theirs)."""
        self._tree = None
        self._special = None
        for entry in self.folders.values():
            order_budget.dropped(entry)
        self.folders.clear()
        self.dates.clear()
        self.messages.clear()
