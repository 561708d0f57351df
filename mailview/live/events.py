"""Live-mail events: what changed in a mailbox, as typed dataclasses, and `publish()`.

`publish()` is the only place that calls the channel layer's group_send. Every event goes to
the group of the user it concerns (`user_group(login)`), so it reaches each websocket of that
user whichever process holds it (in-memory layer in one process; Redis across processes).
Events describe state, not deltas to count ("UID 7 is gone", "UID 7 is now read", "INBOX has
3 unread"), so receiving one twice (a watcher in each of two processes) changes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from channels.layers import get_channel_layer

from mailview.imap.client import Address, MessageSummary
from mailview.mime.snippet import snippet


def user_group(login: str) -> str:
    """The channel-layer group of a login (group names allow only ASCII letters, digits, -_.)."""
    return "live-" + hashlib.sha256(login.encode()).hexdigest()[:40]


@dataclass(frozen=True)
class Row:
    """A message-list row as plain data (what the list page shows of a message).

    Plain data because events cross processes through the channel layer; the receiving end
    turns it back into a MessageSummary (`summary`) for the one rows template."""

    uid: int
    subject: str
    sender: tuple[str, str] | None  # (name, email)
    date: str | None  # ISO 8601, the Date header
    received: str | None  # ISO 8601, INTERNALDATE
    size: int
    seen: bool
    flagged: bool
    answered: bool
    attachment: bool
    to: tuple[tuple[str, str], ...] = ()  # (name, email) each: Sent and Drafts show them
    preview: str = ""  # the list's snippet (mailview.mime.snippet), as text

    @classmethod
    def from_summary(cls, row: MessageSummary) -> Row:
        return cls(
            uid=row.uid,
            subject=row.subject,
            sender=(row.sender.name, row.sender.email) if row.sender else None,
            date=row.date.isoformat() if row.date else None,
            received=row.received.isoformat() if row.received else None,
            size=row.size,
            seen=row.seen,
            flagged=row.flagged,
            answered=row.answered,
            attachment=row.has_attachment,
            to=tuple((a.name, a.email) for a in row.to),
            preview=snippet(row.preview, row.preview_source),
        )


def summary(row: dict[str, Any]) -> MessageSummary:
    """A row's payload (as it came through the channel layer) as the rows template's value."""
    flags = {"\\Seen": row["seen"], "\\Flagged": row["flagged"], "\\Answered": row["answered"]}
    sender = row.get("sender")
    return MessageSummary(
        uid=row["uid"],
        subject=row["subject"],
        sender=Address(sender[0], sender[1]) if sender else None,
        to=tuple(Address(name, email) for name, email in row.get("to") or ()),
        date=_parse(row.get("date")),
        received=_parse(row.get("received")),
        size=row["size"],
        flags=frozenset(name for name, on in flags.items() if on),
        has_attachment=row["attachment"],
        preview=row.get("preview") or "",
    )


@dataclass(frozen=True)
class FlagState:
    uid: int
    seen: bool
    flagged: bool
    answered: bool

    @classmethod
    def from_flags(cls, uid: int, flags: frozenset[str]) -> FlagState:
        lowered = {f.lower() for f in flags}
        return cls(uid, "\\seen" in lowered, "\\flagged" in lowered, "\\answered" in lowered)


@dataclass(frozen=True)
class Event:
    login: str
    folder: str
    kind: str = field(init=False, default="")

    def payload(self) -> dict[str, Any]:
        """The event as JSON-able data (without the login: the group already says whose)."""
        data = asdict(self)
        del data["login"]
        return data


@dataclass(frozen=True)
class NewMessages(Event):
    """Messages arrived in `folder`; the rows are what the list shows of them."""

    uidvalidity: int = 0
    rows: tuple[Row, ...] = ()
    kind: str = field(init=False, default="new")


@dataclass(frozen=True)
class Expunged(Event):
    """Messages left `folder` (deleted, moved): their rows disappear."""

    uids: tuple[int, ...] = ()
    kind: str = field(init=False, default="expunge")


@dataclass(frozen=True)
class FlagsChanged(Event):
    """Read, flagged or answered state of messages changed; `rows` are the changed messages'
    rows as they are now (the page re-renders them)."""

    changes: tuple[FlagState, ...] = ()
    rows: tuple[Row, ...] = ()
    kind: str = field(init=False, default="flags")


@dataclass(frozen=True)
class FolderCounts(Event):
    """The unread and total counts of `folder` (for the folder tree and the tab title)."""

    unseen: int = 0
    messages: int = 0
    kind: str = field(init=False, default="counts")


@dataclass(frozen=True)
class FolderReset(Event):
    """The folder's UIDs are no longer valid (UIDVALIDITY changed): the list must be reloaded."""

    kind: str = field(init=False, default="reset")


@dataclass(frozen=True)
class FolderGone(Event):
    """`folder` is no longer there for this user (deleted or renamed by another client, or its
    owner stopped sharing it): it leaves the folder tree; a page showing it says so."""

    kind: str = field(init=False, default="gone")


@dataclass(frozen=True)
class SessionEnded:
    """The login's mail sessions ended (logout, admin action): websockets and watchers close."""

    login: str


async def publish(event: Event | SessionEnded) -> None:
    """Send `event` to every websocket of its user, in every process."""
    layer = get_channel_layer()
    if layer is None:
        return
    if isinstance(event, SessionEnded):
        message: dict[str, Any] = {"type": "live.ended"}
    else:
        message = {"type": "live.event", "event": event.payload()}
    await layer.group_send(user_group(event.login), message)


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
