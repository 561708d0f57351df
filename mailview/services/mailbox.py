"""What the views call. Each function takes the user's MailSession and returns
plain data; IMAP happens inside `mail.run`, on a pooled connection."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

from django.conf import settings
from django.utils.translation import get_language

from mailview.imap.cache import Timed
from mailview.imap.client import SORT_KEYS, IMAPConnection, MessageSummary, check_folder_name
from mailview.imap.errors import CommandFailed
from mailview.imap.namespace_commands import ALL_RIGHTS as ALL_RIGHTS
from mailview.services.folders import (
    FolderTree,
    QuotaGauge,
    build_tree,
    quota_gauge,
    shown_name,
)
from mailview.services.session import MailSession

DEFAULT_SORT = "date"


@dataclass(frozen=True)
class ListRequest:
    folder: str
    sort: str = DEFAULT_SORT
    reverse: bool = True
    page: int = 1
    page_size: int = 50

    @classmethod
    def from_query(
        cls, folder: str, sort: str | None, order: str | None, page: str | None, page_size: int
    ) -> ListRequest:
        sort = sort if sort in SORT_KEYS else DEFAULT_SORT
        try:
            page_number = max(1, int(page or 1))
        except ValueError:
            page_number = 1
        return cls(
            folder=check_folder_name(folder),
            sort=sort,
            reverse=(order or "desc") != "asc",
            page=page_number,
            page_size=page_size,
        )


@dataclass(frozen=True)
class ListPage:
    request: ListRequest
    rows: list[MessageSummary]
    total: int
    pages: int
    page: int
    server_sorted: bool
    uidvalidity: int
    uidnext: int = 0  # live mail (live.js) asks for what arrived after the page was made

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.request.page_size + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.rows) - 1 if self.rows else 0


def _page_rows(conn: IMAPConnection, req: ListRequest) -> ListPage:
    state, order, server_sorted = conn.sorted_uids(req.folder, req.sort)
    total = len(order)
    pages = max(1, math.ceil(total / req.page_size))
    page = min(req.page, pages)
    start = (page - 1) * req.page_size
    if req.reverse:
        stop = total - start
        window = [order[i] for i in range(stop - 1, max(stop - req.page_size, 0) - 1, -1)]
    else:
        window = list(order[start : start + req.page_size])
    rows = conn.fetch_summaries(window)
    if not server_sorted and req.sort != "arrival":
        rows = sort_rows(rows, req.sort, req.reverse)
    return ListPage(req, rows, total, pages, page, server_sorted, state.uidvalidity, state.uidnext)


def list_page(mail: MailSession, req: ListRequest) -> ListPage:
    """One page of a folder's message list without the folder tree (live mail redraws a page's
    rows with it); only that page's messages are fetched."""
    return mail.run(lambda conn: _page_rows(conn, req), folder=req.folder)


def sort_rows(rows: list[MessageSummary], key: str, reverse: bool) -> list[MessageSummary]:
    """Client-side sort of one page, for servers without SORT (RFC 5256)."""
    keys = {
        "date": lambda r: (r.date or r.received).timestamp() if (r.date or r.received) else 0,
        "from": lambda r: (str(r.sender) if r.sender else "").casefold(),
        "subject": lambda r: r.subject.casefold(),
        "size": lambda r: r.size,
    }
    return sorted(rows, key=keys.get(key, lambda r: r.uid), reverse=reverse)


def page_tree(conn: IMAPConnection) -> FolderTree:
    """The folder tree for a page, without asking the server for counts on the page's time.

    LIST-STATUS makes the server count every folder; a Dovecot whose mailbox list index does not
    include INBOX (its default) opens the INBOX for it: ~335 ms at 100k messages. So a page
    shows the tree this connection knows (its counts marked pending once older than
    WEBMAIL_FOLDER_TREE_TTL), or, on a connection that knows none, the folders from a plain LIST
    without counts; the page then asks for the counts (`counted_tree`, through
    GET /folder-counts/). The quota shown under the tree (GETQUOTAROOT) is asked and kept with
    it. Changes of our own (delete, move, import...) drop the cached tree, quota included.
    """
    made = conn.cache.tree
    later = settings.WEBMAIL_FOLDER_COUNTS_LATER
    if made is not None and made.value.language != get_language():
        made = None  # its folder names are in another language: built afresh below
    if made is not None:
        tree: FolderTree = made.value
        fresh = time.monotonic() - made.made < settings.WEBMAIL_FOLDER_TREE_TTL
        if fresh and not tree.counts_pending:
            return tree
        if later:
            return tree if tree.counts_pending else replace(tree, counts_pending=True)
    if not later:
        return counted_tree(conn)
    prefix, _delimiter = conn.namespace_prefix()
    tree = build_tree(
        conn.list_folders(subscribed_only=True, counts=False), prefix, conn.namespaces()
    )
    tree = replace(_with_rights(conn, tree), quota=_quota(conn), counts_pending=True)
    conn.cache.tree = Timed(time.monotonic(), tree)
    return tree


def counted_tree(conn: IMAPConnection) -> FolderTree:
    """The folder tree with every folder's counts (LIST-STATUS), kept on the connection."""
    prefix, _delimiter = conn.namespace_prefix()
    tree = build_tree(conn.list_folders(subscribed_only=True), prefix, conn.namespaces())
    tree = replace(_with_rights(conn, tree), quota=_quota(conn))
    conn.cache.tree = Timed(time.monotonic(), tree)
    return tree


def _with_rights(conn: IMAPConnection, tree: FolderTree) -> FolderTree:
    """The tree with the user's rights (MYRIGHTS) on every folder that is not their own (kept
    with the tree): a folder shared without the insert right is no target for Move or Copy."""
    for node in tree.nodes:
        if node.section != "personal" and node.selectable:
            try:
                node.rights = conn.my_rights(node.name)
            except CommandFailed:
                node.rights = ""
    return tree


def folder_counts(mail: MailSession) -> FolderTree:
    """The folder tree with fresh counts, for a page that showed it without them."""
    return mail.run(counted_tree)


def _quota(conn: IMAPConnection) -> QuotaGauge | None:
    """The INBOX's quota for the folder pane; none (nothing shown) if the server refuses."""
    try:
        return quota_gauge(conn.quota("INBOX"))
    except CommandFailed:
        return None


def folder_tree(mail: MailSession) -> FolderTree:
    return mail.run(page_tree)


def folder_rights(mail: MailSession, name: str) -> str:
    """What the user may do in folder ``name`` (MYRIGHTS, RFC 4314 letters): every right in
    their own folders, the server's answer in other users' and shared ones."""

    def read(conn: IMAPConnection) -> str:
        if conn.namespaces().section_of(name) == "personal":
            return ALL_RIGHTS
        try:
            return conn.my_rights(name)
        except CommandFailed:
            return ""

    return mail.run(read)


def page_rights(mail: MailSession, tree: FolderTree | None, name: str) -> str:
    """The rights a page of folder ``name`` shows its actions by: every right in one's own
    folders (no command), MYRIGHTS in another user's or a shared one, or one the tree does
    not show (not subscribed)."""
    node = tree.find(name) if tree is not None else None
    if node is not None and node.section == "personal":
        return ALL_RIGHTS
    return folder_rights(mail, name)


def display_name(mail: MailSession, name: str) -> str:
    """The name shown for folder ``name`` (see folders.shown_name); NAMESPACE is asked once per
    connection."""

    def read(conn: IMAPConnection) -> str:
        prefix, delimiter = conn.namespace_prefix()
        namespaces = conn.namespaces()
        if namespaces.section_of(name) != "personal":
            prefix = namespaces.prefix_of(name)
        return shown_name(name, prefix, delimiter)

    return mail.run(read)


def mailbox_page(mail: MailSession, req: ListRequest) -> tuple[FolderTree, ListPage]:
    """The folder tree and a page of the list, on one leased connection."""

    def read(conn: IMAPConnection) -> tuple[FolderTree, ListPage]:
        page = _page_rows(conn, req)
        return page_tree(conn), page

    return mail.run(read, folder=req.folder)
