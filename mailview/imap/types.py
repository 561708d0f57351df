"""The values the IMAP facade speaks in: folders, mailbox states, list rows, quotas, results."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SORT_KEYS = {
    "date": "DATE",
    "arrival": "ARRIVAL",
    "from": "FROM",
    "subject": "SUBJECT",
    "size": "SIZE",
}
SPECIAL_USE_FLAGS = ("\\Drafts", "\\Sent", "\\Junk", "\\Trash", "\\Archive", "\\All", "\\Flagged")


@dataclass(frozen=True)
class Address:
    name: str
    email: str

    def __str__(self) -> str:
        return self.name or self.email


@dataclass(frozen=True)
class Namespace:
    """One namespace of NAMESPACE (RFC 2342): its prefix ("" or "INBOX." or "Other Users/")."""

    prefix: str
    delimiter: str | None


@dataclass(frozen=True)
class Namespaces:
    """Personal, other users' and shared namespaces (the latter two often empty)."""

    personal: tuple[Namespace, ...]
    other: tuple[Namespace, ...] = ()
    shared: tuple[Namespace, ...] = ()

    def section_of(self, name: str) -> str:
        """ "personal", "other" or "shared": the namespace with the longest matching prefix."""
        best, best_len = "personal", -1
        for section, spaces in (
            ("personal", self.personal),
            ("other", self.other),
            ("shared", self.shared),
        ):
            for space in spaces:
                prefix = space.prefix
                matches = name.startswith(prefix) or name + (space.delimiter or "") == prefix
                if matches and len(prefix) > best_len:
                    best, best_len = section, len(prefix)
        if name.upper() == "INBOX":
            return "personal"
        return best

    def is_root(self, name: str) -> bool:
        """True for the parent of another namespace itself ("Other Users" of "Other Users/")."""
        return any(name + (s.delimiter or "") == s.prefix for s in (*self.other, *self.shared))

    def prefix_of(self, name: str) -> str:
        """The prefix of the namespace ``name`` is in."""
        section = self.section_of(name)
        spaces = {"personal": self.personal, "other": self.other, "shared": self.shared}[section]
        return max((s.prefix for s in spaces if name.startswith(s.prefix)), key=len, default="")


@dataclass(frozen=True)
class FolderInfo:
    """One entry of LIST, with its STATUS counts where known."""

    name: str
    delimiter: str | None
    flags: frozenset[str]
    subscribed: bool = True
    messages: int | None = None
    unseen: int | None = None

    @property
    def selectable(self) -> bool:
        return not ({"\\noselect", "\\nonexistent"} & {f.lower() for f in self.flags})

    @property
    def special_use(self) -> str | None:
        # Cyrus sends special-use flags in lower case (\sent): compared without case.
        lowered = {f.lower() for f in self.flags}
        for flag in SPECIAL_USE_FLAGS:
            if flag.lower() in lowered:
                return flag
        return None


@dataclass(frozen=True)
class MailboxState:
    """What SELECT says about a folder: enough to tell whether a cached order is stale."""

    name: str
    uidvalidity: int
    uidnext: int
    exists: int
    highestmodseq: int | None = None

    @property
    def signature(self) -> tuple[int, int, int]:
        # Flag changes do not change any sort order we offer, so HIGHESTMODSEQ is not part of it:
        # a message added moves UIDNEXT, one removed (without one added) lowers EXISTS.
        return (self.uidvalidity, self.uidnext, self.exists)


@dataclass(frozen=True)
class MessageSummary:
    """A row of the message list."""

    uid: int
    subject: str
    sender: Address | None
    to: tuple[Address, ...]
    date: datetime | None
    received: datetime | None
    size: int
    flags: frozenset[str]
    has_attachment: bool
    # The start of the body for the list's snippet: the server's PREVIEW (RFC 8970) text, else
    # the raw material for mailview.mime.snippet (the Content-Type/-Transfer-Encoding header
    # lines and the first PARTIAL_TEXT_BYTES of the body).
    preview: str | None = None
    preview_source: bytes = b""

    @property
    def seen(self) -> bool:
        return "\\Seen" in self.flags

    @property
    def flagged(self) -> bool:
        return "\\Flagged" in self.flags

    @property
    def answered(self) -> bool:
        return "\\Answered" in self.flags


@dataclass(frozen=True)
class CopyResult:
    """Where COPY or MOVE put messages: the target's UIDVALIDITY and old UID -> new UID."""

    target: str
    uidvalidity: int | None
    uids: dict[int, int]


@dataclass(frozen=True)
class ThreadHeaders:
    header: bytes  # raw block: Message-ID, In-Reply-To, References, Subject, Date
    internaldate: datetime | None


@dataclass(frozen=True)
class RawMessage:
    uid: int
    data: bytes
    internaldate: datetime | None
    flags: tuple[str, ...]


@dataclass(frozen=True)
class FetchedMessage:
    """One message's items from `fetch_message`; what was not asked for is empty.

    ``structure`` is BODYSTRUCTURE as nested tuples, for `mailview.mime.parse`; ``headers`` the
    header fields asked for (raw bytes); ``sections`` the bytes of each body section asked for
    ("" is the whole message), or of the piece of it that was asked for."""

    uid: int
    flags: frozenset[str] = frozenset()
    size: int = 0
    structure: Any = None
    headers: bytes = b""
    sections: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class QuotaUsage:
    root: str
    resource: str  # STORAGE (in KiB) or MESSAGE
    usage: int
    limit: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.usage / self.limit)) if self.limit else 0
