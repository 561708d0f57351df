"""Events as the browser gets them: with the HTML of what changed, drawn by the page's own
templates for the page that receives them.

A list row is drawn in one place, the rows template (mailview/render/rows.py); a folder's unread
badge in one place, mailview.render.format.unseen_badge. Events cross the channel layer as plain
data (mailview/live/events.py) and are rendered where the receiving page is known: in the
websocket consumer for its socket (the user's time zone, list or conversation view, the page's
sort), and in the polling view for its request. docs/decisions.md: "Live rows are rendered by the
server, per receiving page".

What the browser gets, by kind (all HTML autoescaped by the templates):
- new: `rows` (uid, seen, sender, subject: for notifications, inserted with textContent) and
  `html`, the new rows' <tr> elements, newest first (list view);
- flags: `changes` and `html`, the changed rows re-rendered (list view);
- expunge: `uids` and `empty`, the row an empty list shows;
- counts: `unseen`, `messages` and `badge`, the folder's unread badge (or "");
- gone: the folder left the tree; for the page showing it, `notice`
  (templates/mailview/live/_folder_gone.html);
- any of them may carry `tbody`: the page's rows rendered afresh (conversation view, whose rows
  depend on threading; and a reset, whose UIDs no longer mean anything), with `count` (the
  list's "1–50 of 120" line, mailview.render.format.count_line) and `uidvalidity`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse

from mailview.imap.client import SORT_KEYS, check_folder_name
from mailview.imap.errors import InvalidName
from mailview.live import events
from mailview.render.format import count_line, unseen_badge
from mailview.render.rows import render_rows
from mailview.services import mailbox as mailbox_service
from mailview.services import threads as threads_service
from mailview.services.session import MailSession

#: Events about the rows of a folder (as opposed to its counts).
ROW_KINDS = frozenset({"new", "flags", "expunge", "reset"})


@dataclass(frozen=True)
class PageView:
    """Which list a page shows: enough to render its rows the way a fresh load would."""

    folder: str
    threads: bool = False
    sort: str = mailbox_service.DEFAULT_SORT
    reverse: bool = True
    page: int = 1
    page_size: int = 50
    recipients: bool = False  # Sent, Drafts: rows name the recipients ("show": "to")

    @classmethod
    def parse(cls, data: dict[str, Any], page_size: int) -> PageView | None:
        """From the browser's subscribe message or the poll's query (None if not a list page)."""
        folder = data.get("folder")
        if not isinstance(folder, str):
            return None
        try:
            check_folder_name(folder)
        except InvalidName:
            return None
        sort = data.get("sort")
        try:
            page = max(1, int(data.get("page") or 1))
        except (TypeError, ValueError):
            page = 1
        return cls(
            folder=folder,
            threads=data.get("view") == "threads",
            sort=sort if isinstance(sort, str) and sort in SORT_KEYS else "date",
            reverse=data.get("order") != "asc",
            page=page,
            page_size=page_size,
            recipients=data.get("show") == "to",
        )

    def request(self) -> mailbox_service.ListRequest:
        return mailbox_service.ListRequest(
            self.folder, self.sort, self.reverse, self.page, self.page_size
        )

    def needs_page(self, payload: dict[str, Any]) -> bool:
        """Whether `payload` changes this page's rows in a way only a fresh render can show."""
        if payload.get("folder") != self.folder or payload.get("kind") not in ROW_KINDS:
            return False
        return self.threads or payload["kind"] == "reset"


def message_prefix(folder: str) -> str:
    """A message's URL without its UID, as the list view passes it to the rows template."""
    return reverse("mailview:message", args=[folder, 0])[: -len("0/")]


def for_browser(payload: dict[str, Any], page: PageView | None) -> dict[str, Any]:
    """`payload` with its rendered HTML for `page` (in the active time zone: the caller's)."""
    kind = payload.get("kind")
    folder = payload.get("folder", "")
    list_view = page is not None and not page.threads and page.folder == folder
    if kind == "new":
        rows = payload["rows"]
        brief = [
            {
                "uid": row["uid"],
                "seen": row["seen"],
                "subject": row["subject"] or "(no subject)",
                "sender": str(events.summary(row).sender or "") or "(no sender)",
            }
            for row in rows
        ]
        out = {**payload, "rows": brief}
        if list_view:
            newest_first = sorted(rows, key=lambda row: row["uid"], reverse=True)
            out["html"] = _rows_html(newest_first, folder, page)
        return out
    if kind == "flags":
        out = {key: value for key, value in payload.items() if key != "rows"}
        if list_view:
            out["html"] = _rows_html(payload.get("rows", ()), folder, page)
        return out
    if kind == "expunge":
        return {**payload, "empty": _rows_html((), folder, page)} if list_view else payload
    if kind == "counts":
        return {**payload, "badge": str(unseen_badge(payload["unseen"]))}
    if kind == "gone" and page is not None and page.folder == folder:
        return {**payload, "notice": folder_gone_notice(folder)}
    return payload


def folder_gone_notice(folder: str) -> str:
    """What a page showing ``folder`` says when the folder is gone (with a way to INBOX)."""
    label = folder.removeprefix("INBOX.").rsplit("/", 1)[-1]  # Cyrus' default namespace
    return render_to_string("mailview/live/_folder_gone.html", {"label": label})


def _rows_html(rows: Any, folder: str, page: PageView | None) -> str:
    summaries = [events.summary(row) for row in rows]
    recipients = page is not None and page.recipients
    return str(render_rows("list", summaries, message_prefix(folder), recipients=recipients))


def page_rows(mail: MailSession, page: PageView) -> dict[str, Any]:
    """The page's rows rendered afresh (IMAP; in the caller's active time zone), as the
    `tbody` and `uidvalidity` of an event."""
    prefix = message_prefix(page.folder)
    if page.threads:
        threads = threads_service.thread_page(mail, page.request())
        return {
            "tbody": str(render_rows("threads", threads.rows, prefix, recipients=page.recipients)),
            "count": count_line(threads.first_index, threads.last_index, threads.total),
            "uidvalidity": threads.uidvalidity,
        }
    listed = mailbox_service.list_page(mail, page.request())
    return {
        "tbody": str(render_rows("list", listed.rows, prefix, recipients=page.recipients)),
        "count": count_line(listed.first_index, listed.last_index, listed.total),
        "uidvalidity": listed.uidvalidity,
        "uidnext": listed.uidnext,
    }
