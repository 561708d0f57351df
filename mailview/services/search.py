"""Search: the quick box (subject, from, to, body) and the advanced form, in one folder or all.

The server searches (SORT with the search criteria where it has SORT, else ESEARCH or SEARCH).
User text becomes IMAP strings in the facade (`imap_string`: quoted, or a literal), never part
of a command line; everything else in the criteria is made here from validated values.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from mailview.imap.client import (
    IMAP_MONTHS,
    Atom,
    IMAPConnection,
    MessageSummary,
    SearchToken,
    check_folder_name,
)
from mailview.render.search import SearchSummary
from mailview.render.widgets import widget_renderer
from mailview.services.folders import FolderTree
from mailview.services.mailbox import page_tree
from mailview.services.session import MailSession

MAX_TEXT = 500

#: What the quick box looks in. Without a full-text index on the server the default is
#: "sender" (subject and from, as Roundcube's default): "all" makes the server read every
#: message of the folder. With an index the default is "all".
WITHIN_CHOICES = [
    ("subject", _("Subject")),
    ("sender", _("Subject and sender")),
    ("headers", _("Subject, sender and recipients")),
    ("all", _("Subject, sender, recipients and message text")),
]
WITHIN_KEYS = {
    "subject": ["SUBJECT"],
    "sender": ["SUBJECT", "FROM"],
    "headers": ["SUBJECT", "FROM", "TO"],
    "all": ["SUBJECT", "FROM", "TO", "BODY"],
}


def default_within(indexed: bool) -> str:
    return "all" if indexed else "sender"


def has_full_text_index(conn: IMAPConnection) -> bool:
    """Does this server answer text searches from a full-text index?

    WEBMAIL_SEARCH_INDEX "yes"/"no" decides; "auto" (the default) trusts the capability
    SEARCH=FUZZY (RFC 6203), which Dovecot advertises when its FTS backend is in use and says so
    (docs/decisions.md: "Is there a full-text index?"). Capabilities come with the login: no
    command is sent.
    """
    configured = str(getattr(settings, "WEBMAIL_SEARCH_INDEX", "auto")).strip().lower()
    if configured in ("yes", "true", "1", "on"):
        return True
    if configured in ("no", "false", "0", "off"):
        return False
    return conn.has("SEARCH=FUZZY")


class SearchForm(forms.Form):
    default_renderer = widget_renderer  # a millisecond less on every search page

    q = forms.CharField(label=_("Search"), required=False, max_length=MAX_TEXT, strip=True)
    # Blank = the default for this server (default_within), decided once the server is known.
    within = forms.ChoiceField(label=_("Look in"), choices=WITHIN_CHOICES, required=False)
    folder = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)
    scope = forms.ChoiceField(
        label=_("Where"),
        choices=[("folder", _("This folder")), ("all", _("All folders"))],
        required=False,
        initial="folder",
        widget=forms.RadioSelect,
    )
    since = forms.DateField(
        label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    unread = forms.BooleanField(label=_("Unread only"), required=False)
    flagged = forms.BooleanField(label=_("Flagged only"), required=False)
    attachment = forms.BooleanField(label=_("Has attachment"), required=False)
    larger = forms.IntegerField(label=_("Larger than (KB)"), required=False, min_value=0)
    smaller = forms.IntegerField(label=_("Smaller than (KB)"), required=False, min_value=1)

    def clean_folder(self) -> str:
        return check_folder_name(self.cleaned_data.get("folder") or "INBOX")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


@dataclass(frozen=True)
class SearchQuery:
    folder: str
    all_folders: bool = False
    text: str = ""
    within: str = ""  # a WITHIN_CHOICES key; "" = this server's default (see resolved)
    since: date | None = None
    until: date | None = None
    unread: bool = False
    flagged: bool = False
    attachment: bool = False
    larger_kb: int | None = None
    smaller_kb: int | None = None

    @classmethod
    def from_form(cls, data: dict[str, Any]) -> SearchQuery:
        return cls(
            folder=data["folder"],
            all_folders=data.get("scope") == "all",
            text=data.get("q") or "",
            within=data.get("within") or "",
            since=data.get("since"),
            until=data.get("until"),
            unread=bool(data.get("unread")),
            flagged=bool(data.get("flagged")),
            attachment=bool(data.get("attachment")),
            larger_kb=data.get("larger"),
            smaller_kb=data.get("smaller"),
        )

    @property
    def empty(self) -> bool:
        return self.criteria() == []

    @property
    def body(self) -> bool:
        """Does the search read the message text (slow without a full-text index)?"""
        return bool(self.text.strip()) and self.within == "all"

    def resolved(self, indexed: bool) -> SearchQuery:
        """This query with a blank ``within`` replaced by the server's default."""
        if self.within in WITHIN_KEYS:
            return self
        return replace(self, within=default_within(indexed))

    def criteria(self) -> list[SearchToken]:
        """IMAP SEARCH keys: Atoms made here, user text as plain str (quoted later)."""
        keys: list[SearchToken] = []
        t = "".join(" " if ord(ch) < 32 or ord(ch) == 127 else ch for ch in self.text).strip()
        if t:
            fields = WITHIN_KEYS.get(self.within) or WITHIN_KEYS[default_within(False)]
            keys += [Atom("OR")] * (len(fields) - 1)
            for field in fields:
                keys += [Atom(field), t]
        if self.since:
            keys += [Atom("SINCE"), Atom(imap_date(self.since))]
        if self.until:
            keys += [Atom("BEFORE"), Atom(imap_date(self.until + timedelta(days=1)))]
        if self.unread:
            keys.append(Atom("UNSEEN"))
        if self.flagged:
            keys.append(Atom("FLAGGED"))
        if self.attachment:
            # The same heuristic as the list's paper clip: a multipart/mixed message.
            keys += [Atom("HEADER"), Atom("Content-Type"), "multipart/mixed"]
        if self.larger_kb is not None:
            keys += [Atom("LARGER"), Atom(str(int(self.larger_kb) * 1024))]
        if self.smaller_kb is not None:
            keys += [Atom("SMALLER"), Atom(str(int(self.smaller_kb) * 1024))]
        return keys


def imap_date(value: date) -> str:
    """RFC 3501 date (1-Feb-2026), independent of the locale."""
    return f"{value.day}-{IMAP_MONTHS[value.month - 1]}-{value.year}"


@dataclass(frozen=True)
class SearchRow:
    folder: str
    folder_label: str
    message: MessageSummary


@dataclass(frozen=True)
class SearchPage:
    query: SearchQuery
    rows: list[SearchRow]
    total: int
    pages: int
    page: int
    page_size: int
    folders_searched: int
    indexed: bool = False  # the server searches through a full-text index
    messages_searched: int = 0  # messages in the folders searched (from the folder tree)

    @property
    def slow_text(self) -> bool:
        """Searching the text here reads every message: no index and a large folder."""
        return not self.indexed and self.messages_searched >= settings.WEBMAIL_SEARCH_LARGE_FOLDER

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.rows) - 1 if self.rows else 0

    def summary(self) -> SearchSummary:
        """What the page's summary says of these results."""
        return SearchSummary(
            total=self.total,
            first=self.first_index,
            last=self.last_index,
            page=self.page,
            pages=self.pages,
            folders_searched=self.folders_searched if self.query.all_folders else None,
            text_read_in=self.messages_searched if self.query.body and self.slow_text else None,
        )


def run_search(
    conn: IMAPConnection, query: SearchQuery, tree: FolderTree, page: int, page_size: int
) -> SearchPage:
    """Search, then fetch only the rows of the page asked for."""
    indexed = has_full_text_index(conn)
    query = query.resolved(indexed)
    criteria = query.criteria()
    if query.all_folders:
        folders = [node for node in tree.nodes if node.selectable]
    else:
        node = tree.find(query.folder)
        folders = [node] if node is not None else []
        if node is None:
            check_folder_name(query.folder)
    labels = {node.name: node.path or node.label for node in folders}
    names = [node.name for node in folders] or [query.folder]
    # An all-folder page p is made of each folder's newest p * page_size hits at most: their
    # sort dates are fetched right after the folder's SORT, while it is selected.
    needed = max(1, page) * page_size
    found: list[tuple[str, Sequence[int]]] = []
    dated: list[list[tuple[int, int]]] = []
    messages = 0  # EXISTS of the folders searched (the tree's counts may be pending)
    for name in names:
        state, uids, _sorted = conn.search_sorted(name, criteria, "date")
        messages += state.exists
        found.append((name, uids))
        if len(names) > 1 and uids:
            newest = uids[-needed:][::-1]  # SORT answers oldest first
            dates = conn.sort_dates(newest)
            dated.append([(dates[uid], uid) for uid in newest if uid in dates])
    total = sum(len(uids) for _name, uids in found)
    pages = max(1, math.ceil(total / page_size))
    page = min(max(1, page), pages)
    start = (page - 1) * page_size
    with_hits = [name for name, uids in found if uids]
    if len(with_hits) > 1:
        merged = merge_newest_first(dated, start, page_size)
        window = [(with_hits[index], uid) for index, uid in merged]
    else:  # one folder searched, or only one with hits
        window = [
            (name, uid) for name, uids in found for uid in newest_slice(uids, start, page_size)
        ]
    rows: list[SearchRow] = []
    by_folder: dict[str, list[int]] = {}
    for name, uid in window:
        by_folder.setdefault(name, []).append(uid)
    fetched: dict[tuple[str, int], MessageSummary] = {}
    for name, page_uids in by_folder.items():
        if conn.selected is None or conn.selected.name != name:
            conn.select(name)  # one folder: still selected from its SORT, no second NOOP
        for summary in conn.fetch_summaries(page_uids):
            fetched[(name, summary.uid)] = summary
    for name, uid in window:
        summary_of = fetched.get((name, uid))
        if summary_of is not None:
            rows.append(SearchRow(name, labels.get(name, name), summary_of))
    return SearchPage(query, rows, total, pages, page, page_size, len(names), indexed, messages)


def merge_newest_first(
    folders: Sequence[Sequence[tuple[int, int]]], start: int, count: int
) -> list[tuple[int, int]]:
    """Hits ``start`` to ``start + count`` of several folders' results merged newest first.

    ``folders[i]`` is folder i's hits, newest first, as (sort date, uid): the reverse of its
    SORT (DATE). The answer is (folder index, uid) pairs. Equal dates keep a deterministic
    order: the earlier folder first, and within a folder its own order (the higher UID first).
    Only the first ``start + count`` hits of each folder are ever looked at.
    """
    streams = [_newest_first(index, hits) for index, hits in enumerate(folders)]
    merged = heapq.merge(*streams)  # ascending (-date, folder index): newest first
    return [(index, uid) for _when, index, uid in itertools.islice(merged, start, start + count)]


def _newest_first(index: int, hits: Sequence[tuple[int, int]]) -> Iterator[tuple[int, int, int]]:
    for when, uid in hits:
        yield -when, index, uid


def newest_slice(uids: Sequence[int], start: int, count: int) -> list[int]:
    """Hits ``start`` to ``start + count`` of one folder's result (SORT's order, oldest first),
    newest first, without reversing every hit (a common word matches thousands)."""
    end = max(0, len(uids) - start)
    return list(reversed(uids[max(0, end - count) : end]))


def search_page(
    mail: MailSession, query: SearchQuery, page: int, page_size: int
) -> tuple[FolderTree, SearchPage]:
    """The folder tree and one page of results, on one leased connection."""

    def read(conn: IMAPConnection) -> tuple[FolderTree, SearchPage]:
        tree = page_tree(conn)
        return tree, run_search(conn, query, tree, page, page_size)

    return mail.run(read, folder=query.folder)


@dataclass(frozen=True)
class SearchOptions:
    """What the search form offers before anything is searched."""

    indexed: bool
    within: str  # the default of the quick box on this server
    messages: int  # messages in the folder the box searches
    large: bool  # searching its text without an index will be slow


def search_form(mail: MailSession, folder: str) -> tuple[FolderTree, SearchOptions]:
    """The folder tree and the search options for ``folder`` (no search sent)."""

    def read(conn: IMAPConnection) -> tuple[FolderTree, SearchOptions]:
        tree = page_tree(conn)
        indexed = has_full_text_index(conn)
        node = tree.find(folder)
        messages = node.messages if node is not None else 0
        if node is not None and node.selectable and tree.counts_pending:
            messages = conn.select(folder).exists  # cheap, unlike STATUS of a large INBOX
        large = not indexed and messages >= settings.WEBMAIL_SEARCH_LARGE_FOLDER
        return tree, SearchOptions(indexed, default_within(indexed), messages, large)

    return mail.run(read)
