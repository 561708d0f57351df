"""A conversation as Gmail shows it: the messages of a thread stacked, oldest first, with your own
replies from Sent among them.

The thread is the folder's (threads.folder_threads: THREAD=REFERENCES or the same algorithm
here). Your replies live in Sent: they are found there by their links to the thread, the
Message-IDs of its messages (a reply's In-Reply-To or References) and the ids its messages
refer to (a message of yours that they answer): a few UID SEARCH commands of ORed HEADER
criteria, never one command per message, and at most MAX_IDS ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from mailview.imap.client import IMAPConnection, MessageSummary
from mailview.mime.snippet import snippet
from mailview.services.actions import find_role
from mailview.services.session import MailSession
from mailview.services.threads import MESSAGE_ID, _fields, folder_threads

#: The ids searched for in Sent (the thread's newest first): bounds the SEARCH commands.
MAX_IDS = 40
#: Messages shown stacked (the newest); a longer thread says how many are left out.
MAX_MESSAGES = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ConversationItem:
    folder: str
    row: MessageSummary
    own: bool  # found in Sent (not in the open folder)
    current: bool  # the message opened: shown expanded

    @property
    def snippet(self) -> str:
        return snippet(self.row.preview, self.row.preview_source)


@dataclass(frozen=True)
class Conversation:
    folder: str
    uid: int
    items: list[ConversationItem]  # oldest first
    left_out: int = 0

    @property
    def stacked(self) -> bool:
        """Worth showing as a stack: the open message and at least one other."""
        return len(self.items) > 1


def _ids(raw: bytes) -> list[str]:
    return [m.decode("ascii", "replace") for m in MESSAGE_ID.findall(raw)]


def _when(row: MessageSummary) -> datetime:
    date = row.date or row.received or _EPOCH
    return date if date.tzinfo else date.replace(tzinfo=UTC)


def conversation(mail: MailSession, folder: str, uid: int) -> Conversation:
    """The conversation of message ``uid`` of ``folder`` (just that message if it has none)."""

    def read(conn: IMAPConnection) -> Conversation:
        threads, _server = folder_threads(conn, folder)
        members = next((t for t in threads if uid in t), [uid])
        headers = conn.fetch_thread_headers(members)
        own_ids: list[str] = []  # Message-IDs of the thread's messages in this folder
        referred: list[str] = []  # the ids they answer (In-Reply-To, References)
        for member in members:
            fields = _fields(headers[member].header) if member in headers else {}
            own_ids += _ids(fields.get(b"message-id", b""))[:1]
            referred += _ids(
                fields.get(b"in-reply-to", b"") + b" " + fields.get(b"references", b"")
            )
        rows = conn.fetch_summaries(members)
        sent = find_role(conn, "\\Sent")
        sent_rows: list[MessageSummary] = []
        if sent and sent != folder and (own_ids or referred):
            pairs = _criteria(own_ids, referred)
            conn.select(sent)
            found = conn.search_any_header(pairs)
            known = set(own_ids)
            if found:
                sent_headers = conn.fetch_thread_headers(found[-MAX_MESSAGES:])
                # A copy of a message already in the folder (you wrote to yourself) shows once.
                fresh = [
                    u
                    for u, h in sent_headers.items()
                    if not set(_ids(_fields(h.header).get(b"message-id", b""))[:1]) & known
                ]
                sent_rows = conn.fetch_summaries(sorted(fresh))
        items = [ConversationItem(folder, r, False, r.uid == uid) for r in rows]
        items += [ConversationItem(sent or "", r, True, False) for r in sent_rows]
        items.sort(key=lambda item: (_when(item.row), item.own, item.row.uid))
        left_out = max(0, len(items) - MAX_MESSAGES)
        shown = items[left_out:]
        if not any(item.current for item in shown):
            shown = [item for item in items if item.current] + shown[1:]
        return Conversation(folder, uid, shown, left_out)

    return mail.run(read, folder=folder)


def _criteria(own_ids: list[str], referred: list[str]) -> list[tuple[str, str]]:
    """HEADER criteria for Sent: replies to the thread's messages, and messages they answer."""
    pairs: list[tuple[str, str]] = []
    answered = list(dict.fromkeys(reversed(own_ids)))[:MAX_IDS]
    for message_id in answered:
        pairs += [("In-Reply-To", message_id), ("References", message_id)]
    for message_id in list(dict.fromkeys(reversed(referred)))[: MAX_IDS - len(answered)]:
        pairs.append(("Message-ID", message_id))
    return pairs
