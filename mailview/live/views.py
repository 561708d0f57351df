"""The polling fallback of live mail, for browsers whose websocket cannot connect.

`GET /updates/<folder>/?since=<uidnext>&uidvalidity=<n>&uids=<shown UIDs>` answers with the same
events the websocket would have sent since the page (or the last poll) saw the folder, rendered
for the page that asks (`view`, `sort`, `order`, `page`, as in its own URL; see
mailview/live/present.py).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from accounts.requests import AuthenticatedRequest
from mailview.imap.client import IMAPConnection, check_folder_name
from mailview.live import events, present
from mailview.services.mailbox import folder_counts
from mailview.services.session import MailSession

#: At most this many new rows in one answer (the newest); more than that, the page reloads.
MAX_NEW = 200
#: At most this many shown UIDs are checked (the largest page size).
MAX_SHOWN = 200


def _int(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


def _uids(value: str | None) -> list[int]:
    out = []
    for part in (value or "").split(",")[:MAX_SHOWN]:
        if part.isdigit() and 0 < int(part) < 2**32:
            out.append(int(part))
    return out


def poll_updates(
    mail: MailSession, folder: str, since: int, uidvalidity: int, shown: list[int]
) -> tuple[list[events.Event], int, int]:
    """Events for `folder` since UID `since`, with the rows `shown` checked for removal or flags.

    Returns the events, the folder's UIDNEXT and UIDVALIDITY.
    """
    check_folder_name(folder)
    login = mail.login

    def read(conn: IMAPConnection) -> tuple[list[events.Event], int, int]:
        state = conn.select(folder)
        found: list[events.Event] = []
        if uidvalidity and uidvalidity != state.uidvalidity:
            found.append(events.FolderReset(login, folder))
            return found, state.uidnext, state.uidvalidity
        new_uids = list(range(max(since, state.uidnext - MAX_NEW), state.uidnext)) if since else []
        rows = conn.fetch_summaries(sorted(set(shown) | set(new_uids)))
        by_uid = {row.uid: row for row in rows}
        gone = tuple(uid for uid in shown if uid not in by_uid)
        if gone:
            found.append(events.Expunged(login, folder, uids=gone))
        still = [by_uid[uid] for uid in shown if uid in by_uid]
        if still:
            found.append(
                events.FlagsChanged(
                    login,
                    folder,
                    changes=tuple(events.FlagState.from_flags(r.uid, r.flags) for r in still),
                    rows=tuple(events.Row.from_summary(r) for r in still),
                )
            )
        new = tuple(events.Row.from_summary(by_uid[uid]) for uid in new_uids if uid in by_uid)
        if new:
            found.append(events.NewMessages(login, folder, uidvalidity=state.uidvalidity, rows=new))
        for name in dict.fromkeys([folder, "INBOX"]):
            status = conn.folder_status(name)
            found.append(
                events.FolderCounts(
                    login, name, unseen=status.get("UNSEEN", 0), messages=status.get("MESSAGES", 0)
                )
            )
        return found, state.uidnext, state.uidvalidity

    return mail.run(read, folder=folder)


@login_required
@require_GET
def updates(request: AuthenticatedRequest, folder: str) -> JsonResponse:
    mail = MailSession.for_request(request)
    found, uidnext, uidvalidity = poll_updates(
        mail,
        folder,
        since=_int(request.GET.get("since")),
        uidvalidity=_int(request.GET.get("uidvalidity")),
        shown=_uids(request.GET.get("uids")),
    )
    page = present.PageView.parse(
        {**request.GET.dict(), "folder": folder}, request.preferences.page_size
    )
    shown = [present.for_browser(event.payload(), page) for event in found]
    changed = [event for event in shown if page is not None and page.needs_page(event)]
    if page is not None and changed:
        changed[0].update(present.page_rows(mail, page))  # one fresh render, on the first
    return JsonResponse(
        {
            "events": shown,
            "uidnext": uidnext,
            "uidvalidity": uidvalidity,
        }
    )


@login_required
@require_GET
def counts(request: AuthenticatedRequest) -> JsonResponse:
    """GET /folders/counts/: every folder's unread and total counts, as "counts" events.

    Asked by a page whose folder tree came without fresh counts (FolderTree.counts_pending), so
    that counting the folders (LIST-STATUS) is never on a page's time.
    """
    mail = MailSession.for_request(request)
    tree = folder_counts(mail)
    found = [
        events.FolderCounts(mail.login, node.name, unseen=node.unseen, messages=node.messages)
        for node in tree.nodes
        if node.selectable
    ]
    return JsonResponse({"events": [present.for_browser(e.payload(), None) for e in found]})
