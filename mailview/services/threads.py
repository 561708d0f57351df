"""Conversation view: messages grouped into threads, collapsed with counts.

The server threads the folder (THREAD=REFERENCES, RFC 5256) where it can; without the
extension the same algorithm runs here (`references_threads`): Message-ID, In-Reply-To and
References links, then roots merged by base subject, so both give the same threads. Threads
are kept per connection while the folder is unchanged, and ordered by their newest message in
the list's sort order.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from django.conf import settings

from mailview.imap.client import IMAPConnection, MessageSummary, decode_text
from mailview.services.mailbox import ListRequest
from mailview.services.session import MailSession

MESSAGE_ID = re.compile(rb"<[^<>\s]{0,500}@[^<>\s]{0,500}>")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_SHOWN_PER_THREAD = 200


@dataclass(frozen=True)
class ThreadRow:
    head: MessageSummary  # the newest message (in the sort order)
    others: list[MessageSummary]  # the rest, oldest first
    count: int
    expanded: bool

    @property
    def unread(self) -> bool:
        return not self.head.seen or any(not m.seen for m in self.others)


@dataclass(frozen=True)
class ThreadPage:
    request: ListRequest
    rows: list[ThreadRow]
    total: int  # threads
    messages: int
    pages: int
    page: int
    server_sorted: bool
    server_threaded: bool
    uidvalidity: int

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.request.page_size + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.rows) - 1 if self.rows else 0


@dataclass
class ThreadNode:
    """A node of an RFC 5256 thread tree: a message (uid) or a dummy (uid None)."""

    uid: int | None
    children: list[ThreadNode] = field(default_factory=list)

    def uids(self) -> list[int]:
        """Every message of the subtree, depth first."""
        out: list[int] = []
        stack = [self]
        while stack:
            node = stack.pop()
            if node.uid is not None:
                out.append(node.uid)
            stack.extend(reversed(node.children))
        return out


_BLOB = re.compile(r"\[[^\[\]]*\] ?")
_REFWD = re.compile(r"(?:RE|FWD?) ?(?:\[[^\[\]]*\] ?)?:")
_BLOBS = re.compile(r"(?:\[[^\[\]]*\] ?)*")


def base_subject(subject: str) -> tuple[str, bool]:
    """RFC 5256 section 2.1: the base subject of a decoded subject, and whether extracting it
    removed a reply or forward marker ("Re:", "Fwd:", "Fw:", a "(fwd)" trailer, "[fwd: ...]").

    The result is in i;unicode-casemap form (titlecase, then NFKD; RFC 5051), the form servers
    compare base subjects in, so two subjects thread together when their results are equal.
    """
    # (1) tabs, continuations and runs of spaces become one space.
    text = re.sub(r"[ \t\r\n]+", " ", _casemap(subject))
    marked = False
    while True:
        # (2) trailers: "(fwd)" and whitespace, repeatedly.
        while True:
            if text.endswith(" "):
                text = text[:-1]
            elif text.endswith("(FWD)"):
                text, marked = text[:-5], True
            else:
                break
        # (3) leaders (WSP, or blobs followed by Re/Fw/Fwd ":") and (4) a blob that leaves a
        # non-empty rest, (5) until neither matches.
        while True:
            found = False
            if text.startswith(" "):
                text, found = text[1:], True
            blob = _BLOBS.match(text)
            blobs = blob.end() if blob else 0
            refwd = _REFWD.match(text, blobs)
            if refwd:
                text, found, marked = text[refwd.end() :], True, True
            blob = _BLOB.match(text)
            if blob and blob.end() < len(text):
                text, found = text[blob.end() :], True
            if not found:
                break
        # (6) "[fwd: ...]" around the whole: unwrap and start again at (2).
        if text.startswith("[FWD:") and text.endswith("]"):
            text, marked = text[5:-1], True
            continue
        return text, marked


def _casemap(text: str) -> str:
    """i;unicode-casemap (RFC 5051): each character's simple titlecase mapping, then NFKD."""
    mapped = "".join(t if len(t := ch.title()) == 1 else ch for ch in text)
    return unicodedata.normalize("NFKD", mapped)


def references_threads(
    headers: Mapping[int, bytes], received: Mapping[int, datetime | None] | None = None
) -> list[ThreadNode]:
    """RFC 5256 REFERENCES threading of raw header blocks (Message-ID, In-Reply-To,
    References, Subject, Date) by UID; `received` (INTERNALDATE) dates messages without a
    usable Date header. Roots come oldest first, children oldest first."""
    received = received or {}
    fields = {uid: _fields(headers[uid]) for uid in sorted(headers)}
    dates = {uid: _sent_date(f.get(b"date"), received.get(uid)) for uid, f in fields.items()}
    parent: dict[bytes, bytes] = {}
    msg_of: dict[bytes, int] = {}
    nodes: dict[bytes, None] = {}  # every container (message or dummy), in the order seen

    def descends(node: bytes, ancestor: bytes) -> bool:
        while node != ancestor:
            if node not in parent:
                return False
            node = parent[node]
        return True

    # (1) Link the messages of each References (else the first In-Reply-To) into a chain,
    # and the message under the last reference.
    for uid, f in fields.items():
        ids = MESSAGE_ID.findall(f.get(b"message-id", b""))
        key = ids[0] if ids and ids[0] not in msg_of else b"\0uid-%d" % uid
        nodes.setdefault(key)
        msg_of[key] = uid
        refs = MESSAGE_ID.findall(f.get(b"references", b""))
        if not refs:
            refs = MESSAGE_ID.findall(f.get(b"in-reply-to", b""))[:1]
        for ref in refs:
            nodes.setdefault(ref)
        for above, below in zip(refs, refs[1:], strict=False):
            if below not in parent and not descends(above, below):
                parent[below] = above
        parent.pop(key, None)
        if refs and not descends(refs[-1], key):
            parent[key] = refs[-1]

    # (2) the roots, (3) dummies dropped: a message takes the place of its nearest dummy
    # ancestors; a dummy root keeps two or more such children, one child becomes the root.
    children: dict[bytes, list[bytes]] = {}
    for key in nodes:
        if key in msg_of and key in parent:
            above = parent[key]
            while above not in msg_of and above in parent:
                above = parent[above]
            children.setdefault(above, []).append(key)

    # Built without recursion: a long reply chain is as deep as it is long.
    made = {key: ThreadNode(msg_of.get(key)) for key in nodes}
    for key, kids in children.items():
        kids.sort(key=lambda k: (dates[msg_of[k]], msg_of[k]))
        made[key].children = [made[k] for k in kids]
    roots: list[ThreadNode] = []
    for key in nodes:
        if key in parent:
            continue
        root = made[key]
        if root.uid is None and len(root.children) == 1:
            root = root.children[0]
        if root.uid is not None or root.children:
            roots.append(root)

    def first(node: ThreadNode) -> int:
        """The message that stands for a thread: its root, or a dummy root's oldest child."""
        while node.uid is None:
            node = node.children[0]
        return node.uid

    def order(node: ThreadNode) -> tuple[datetime, int]:
        return dates[first(node)], first(node)

    # (4) roots by sent date; (5) roots gathered by base subject.
    roots.sort(key=order)
    subjects: dict[int, tuple[str, bool]] = {}
    for node in roots:
        raw = fields[first(node)].get(b"subject")
        if raw is not None:
            subjects[id(node)] = base_subject(decode_text(raw))
    table: dict[str, ThreadNode] = {}
    for node in roots:  # (5.B)
        subject, marked = subjects.get(id(node), ("", False))
        if not subject:
            continue
        held = table.get(subject)
        if held is None:
            table[subject] = node
        elif held.uid is not None and (node.uid is None or (subjects[id(held)][1] and not marked)):
            table[subject] = node
    merged: list[ThreadNode] = []
    gone: set[int] = set()
    for node in roots:  # (5.C)
        subject, marked = subjects.get(id(node), ("", False))
        held = table.get(subject) if subject else None
        if held is None or held is node:
            continue
        gone.add(id(node))
        if node.uid is None and held.uid is None:
            held.children.extend(node.children)
        elif held.uid is None or (marked and not subjects[id(held)][1]):
            held.children.append(node)
        else:
            dummy = ThreadNode(None, [held, node])
            subjects[id(dummy)] = subjects[id(held)]
            gone.add(id(held))
            merged.append(dummy)
            table[subject] = dummy
    out = [n for n in roots + merged if id(n) not in gone]
    for node in out:
        if node.uid is None:
            node.children.sort(key=order)
    out.sort(key=order)
    return out


def group_by_references(
    headers: Mapping[int, bytes], received: Mapping[int, datetime | None] | None = None
) -> list[list[int]]:
    """Threads as UID lists (RFC 5256 REFERENCES, see `references_threads`)."""
    return [node.uids() for node in references_threads(headers, received)]


def _sent_date(raw: bytes | None, received: datetime | None) -> datetime:
    """RFC 5256 section 2.2: the Date header, else INTERNALDATE, as an aware datetime."""
    try:
        date = parsedate_to_datetime(raw.decode("ascii", "replace")) if raw else None
    except (TypeError, ValueError, IndexError):
        date = None
    date = date or received
    if date is None:
        return _EPOCH
    return date if date.tzinfo else date.replace(tzinfo=UTC)


def _fields(block: bytes) -> dict[bytes, bytes]:
    """A header block's fields (unfolded, names lower-cased); the first of each name wins."""
    out: dict[bytes, bytes] = {}
    name = b""
    for line in block.splitlines():
        if line[:1] in (b" ", b"\t") and name:
            out[name] += b" " + line.strip()
        elif b":" in line:
            raw_name, _, value = line.partition(b":")
            name = raw_name.strip().lower()
            if name in out:
                name = b""
                continue
            out[name] = value.strip()
        else:
            name = b""
    return out


def folder_threads(conn: IMAPConnection, folder: str) -> tuple[list[list[int]], bool]:
    """Every thread of `folder` as UID lists, and whether the server made them."""
    state = conn.select(folder)
    kept = conn.cache.peek(folder, state.signature)
    if kept is not None and kept.threads is not None:
        return kept.threads
    use_server = getattr(settings, "WEBMAIL_SERVER_THREADS", True)
    threads = conn.thread_references(folder) if use_server else None
    server = threads is not None
    if threads is None:
        _state, order, _sorted = conn.sorted_uids(folder, "arrival")
        fetched = conn.fetch_thread_headers(list(order))
        threads = group_by_references(
            {uid: h.header for uid, h in fetched.items()},
            {uid: h.internaldate for uid, h in fetched.items()},
        )
    conn.cache.folder(folder, state.signature).threads = (threads, server)
    return threads, server


def thread_page(mail: MailSession, req: ListRequest, open_uid: int | None = None) -> ThreadPage:
    """One page of threads, newest first (by the list's sort key)."""

    def read(conn: IMAPConnection) -> ThreadPage:
        threads, server_threaded = folder_threads(conn, req.folder)
        state, order, server_sorted = conn.sorted_uids(req.folder, req.sort)
        rank = {uid: i for i, uid in enumerate(order)}
        keyed = []
        for members in threads:
            ranked = sorted((rank[u], u) for u in members if u in rank)
            if ranked:
                keyed.append((ranked[-1][0], [u for _r, u in ranked]))
        keyed.sort(key=lambda item: item[0], reverse=req.reverse)
        total = len(keyed)
        pages = max(1, math.ceil(total / req.page_size))
        page = min(req.page, pages)
        window = keyed[(page - 1) * req.page_size : page * req.page_size]
        wanted: list[int] = []
        for _key, members in window:
            wanted.append(members[-1])
            wanted.extend(members[-MAX_SHOWN_PER_THREAD:-1])
        rows_by_uid = {row.uid: row for row in conn.fetch_summaries(wanted)}
        rows = []
        for _key, members in window:
            head = rows_by_uid.get(members[-1])
            if head is None:
                continue
            others = [rows_by_uid[u] for u in members[:-1] if u in rows_by_uid]
            rows.append(ThreadRow(head, others, len(members), open_uid == head.uid))
        return ThreadPage(
            req,
            rows,
            total,
            len(order),
            pages,
            page,
            server_sorted,
            server_threaded,
            state.uidvalidity,
        )

    return mail.run(read, folder=req.folder)
