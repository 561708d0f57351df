"""Conversation view: messages grouped into threads, collapsed with counts.

The server threads the folder (THREAD=REFERENCES, RFC 5256) where it can; without the
extension the grouping is done here from Message-ID, In-Reply-To and References (no subject
merging, which RFC 5256 adds for messages without references). Threads are kept per
connection while the folder is unchanged, and ordered by their newest message in the list's
sort order.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from django.conf import settings

from .imap.client import IMAPConnection, MessageSummary
from .imap.session import MailSession
from .services import ListRequest

MESSAGE_ID = re.compile(rb"<[^<>\s]{1,500}>")
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


def group_by_references(headers: dict[int, bytes]) -> list[list[int]]:
    """Threads from raw Message-ID / In-Reply-To / References header blocks (union-find)."""
    parent: dict[bytes, bytes] = {}

    def find(x: bytes) -> bytes:
        root = x
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(a: bytes, b: bytes) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra

    own: dict[int, bytes] = {}
    for uid, block in headers.items():
        fields = _fields(block)
        ids = MESSAGE_ID.findall(fields.get(b"message-id", b""))
        key = ids[0].lower() if ids else f"<uid-{uid}>".encode()
        own[uid] = key
        find(key)
        for ref in MESSAGE_ID.findall(
            fields.get(b"references", b"") + b" " + fields.get(b"in-reply-to", b"")
        ):
            union(key, ref.lower())
    groups: dict[bytes, list[int]] = {}
    for uid in sorted(own):
        groups.setdefault(find(own[uid]), []).append(uid)
    return list(groups.values())


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
    memo_key = f"{folder}\0threads"
    made = conn.memo.get(memo_key)
    if made is not None and made[1][0] == state.signature:
        return made[1][1], made[1][2]
    use_server = getattr(settings, "WEBMAIL_SERVER_THREADS", True)
    threads = conn.thread_references(folder) if use_server else None
    server = threads is not None
    if threads is None:
        _state, order, _sorted = conn.sorted_uids(folder, "arrival")
        threads = group_by_references(conn.fetch_thread_headers(list(order)))
    conn.memo[memo_key] = (0.0, (state.signature, threads, server))
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
