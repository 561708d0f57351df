"""The message rows of the list, search and conversation pages, drawn here and nowhere else:
the pages include them with ``{% message_rows %}``, the search page through render/search.py,
and the live events (mailview/live/present.py) draw a new or changed row with the same function.

Fifty rows of a dozen values each are most of a list or search page's drawing. In Django's
template language they took about 6 ms of a 9 ms search page; in a Jinja2 template about 1 ms;
written as Python here, about two thirds of that (docs/decisions.md, "Message rows in Python").
Every value from a message (subject, names, addresses, snippet, folder names) goes through
``escape``; the words, dates and sizes are ours but are escaped as well.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from markupsafe import Markup, escape

from mailview.imap.client import MessageSummary
from mailview.mime.snippet import snippet
from mailview.render.format import (
    aware,
    compactsize,
    exact_size,
    full_date,
    list_date,
    page_words,
)

RowKind = Literal["list", "search", "threads"]


#: Folders whose rows name the recipients ("To: …") instead of the sender: what you wrote.
RECIPIENT_ROLES = frozenset({"sent", "drafts"})


def render_rows(
    kind: RowKind, rows: Sequence[object], message_prefix: str, *, recipients: bool = False
) -> SafeString:
    """The ``<tr>`` elements of ``rows``: MessageSummary (list), SearchRow (search) or
    ThreadRow (threads). ``message_prefix`` is the URL of a message without its UID (list,
    threads) or without its folder and UID (search). ``recipients``: the From column shows
    "To: …" (Sent, Drafts)."""
    with page_words():
        page = _Page(row_words(), RowDates(), escape(message_prefix), recipients)
        if kind == "list":
            html = "".join([_list_row(page, row) for row in rows])  # type: ignore[arg-type]
            empty = gettext("This folder is empty.")
        elif kind == "search":
            html = "".join([_search_row(page, hit) for hit in rows])
            empty = gettext("No messages match.")
        else:
            html = "".join([_thread_rows(page, thread) for thread in rows])
            empty = gettext("This folder is empty.")
    if not rows:
        html = f'      <tr class="empty"><td colspan="7">{escape(empty)}</td></tr>\n'
    return mark_safe(html)  # noqa: S308 -- every value above is escaped


@dataclass(frozen=True)
class RowWords:
    """The words every row repeats, escaped once."""

    select: Markup
    unread: Markup
    flagged: Markup
    answered: Markup
    to: Markup
    no_recipient: Markup
    no_sender: Markup
    no_subject: Markup
    attachment: Markup
    conversation: Markup


_ROW_WORDS: dict[str, RowWords] = {}


def row_words() -> RowWords:
    """The row words in the active language, looked up once per language and process."""
    language = get_language() or ""
    words = _ROW_WORDS.get(language)
    if words is None:
        words = _ROW_WORDS[language] = RowWords(
            select=escape(gettext("Select")),
            unread=escape(gettext("Unread")),
            flagged=escape(gettext("Flagged")),
            answered=escape(gettext("Answered")),
            to=escape(gettext("To:")),
            no_recipient=escape(gettext("(no recipient)")),
            no_sender=escape(gettext("(no sender)")),
            no_subject=escape(gettext("(no subject)")),
            attachment=escape(gettext("Has attachment")),
            conversation=escape(gettext("Show the conversation")),
        )
    return words


class RowDates:
    """A row's two dates, with the user's time zone and the current time looked up once."""

    def __init__(self) -> None:
        self.now = timezone.localtime()
        self.zone = self.now.tzinfo

    def __call__(self, row: MessageSummary) -> tuple[str, str]:
        """(the list's short date: the Date header, else the arrival; the full Date header)."""
        shown = row.date or row.received
        short = list_date(aware(shown).astimezone(self.zone), self.now) if shown else ""
        full = full_date(aware(row.date).astimezone(self.zone)) if row.date else ""
        return short, full


@dataclass(frozen=True)
class _Page:
    """What every row of one page is drawn with."""

    t: RowWords
    dates: RowDates
    prefix: Markup  # the message URL's start, escaped
    recipients: bool


_SPECIAL = re.compile("[&<>\"']")


def _text(value: str) -> str:
    """``value`` escaped for HTML text and attribute values. Most values of a row (names,
    addresses, subjects, dates, sizes) have nothing to escape: returned as they are, they cost a
    quarter of markupsafe's `escape`, which makes a Markup of each."""
    return escape(value) if _SPECIAL.search(value) else value


# The pieces of a row. Each returns HTML; the rows below put them together in the columns'
# order (check, state, from, subject, attachment or folder, date, size).


def _dot(page: _Page) -> str:
    unread = page.t.unread
    return f'<span class="dot" title="{unread}"><span class="sr-only">{unread}</span></span>'


def _flag(page: _Page) -> str:
    flagged = page.t.flagged
    return f'<svg class="icon flag" aria-label="{flagged}" role="img"><use href="#i-flag"/></svg>'


def _clip(page: _Page) -> str:
    return (
        f'<svg class="icon" aria-label="{page.t.attachment}" role="img"><use href="#i-clip"/></svg>'
    )


def _answered(page: _Page) -> str:
    return (
        f'<svg class="icon answered" aria-label="{page.t.answered}" role="img">'
        '<use href="#i-answered"/></svg>'
    )


def _who(page: _Page, row: MessageSummary) -> str:
    """The From column: the sender, or "To: " and the recipients in Sent and Drafts."""
    if page.recipients:
        emails = ", ".join([_text(a.email) for a in row.to])
        names = ", ".join([_text(str(a)) for a in row.to]) or page.t.no_recipient
        return (
            f'<td class="c-from c-to" title="{emails}"><span class="to-label">{page.t.to} </span>'
            f"{names}</td>"
        )
    sender = row.sender
    if sender is None:
        return f'<td class="c-from" title="">{page.t.no_sender}</td>'
    return f'<td class="c-from" title="{_text(sender.email)}">{_text(str(sender))}</td>'


def _subject(row: MessageSummary, page: _Page) -> str:
    return _text(row.subject) if row.subject else page.t.no_subject


def _snippet(row: MessageSummary) -> str:
    text = snippet(row.preview, row.preview_source)
    return f'<span class="snippet">{_text(text)}</span>' if text else ""


def _date_and_size(page: _Page, row: MessageSummary, *, size_title: bool = True) -> str:
    shown, full = page.dates(row)
    size = f' title="{_text(exact_size(row.size))}"' if size_title else ""
    return (
        f'        <td class="c-date" title="{_text(full)}">{_text(shown)}</td>\n'
        f'        <td class="c-size"{size}>{_text(compactsize(row.size))}</td>\n'
    )


def _list_row(page: _Page, row: MessageSummary) -> str:
    uid = row.uid
    seen, flagged = row.seen, row.flagged
    state = (
        ("" if seen else _dot(page))
        + (_flag(page) if flagged else "")
        + (_answered(page) if row.answered else "")
    )
    return (
        f'      <tr class="row{"" if seen else " unread"}{" flagged" if flagged else ""}" '
        f'data-uid="{uid}" draggable="true">\n'
        f'        <td class="c-check"><input type="checkbox" name="uid" value="{uid}" '
        f'aria-label="{page.t.select}"></td>\n'
        f'        <td class="c-state">{state}</td>\n'
        f"        {_who(page, row)}"
        f'        <td class="c-subject" dir="auto"><a href="{page.prefix}{uid}/">'
        f"{_subject(row, page)}</a>{_snippet(row)}</td>\n"
        f'        <td class="c-att">{_clip(page) if row.has_attachment else ""}</td>\n'
        f"{_date_and_size(page, row)}"
        "      </tr>\n"
    )


def _search_row(page: _Page, hit: object) -> str:
    """A SearchRow (services/search.py): a message with its folder."""
    row: MessageSummary = hit.message  # type: ignore[attr-defined]
    folder = _text(hit.folder)  # type: ignore[attr-defined]
    path = _text(quote(hit.folder, safe="/"))  # type: ignore[attr-defined]
    uid = row.uid
    seen, flagged = row.seen, row.flagged
    state = (
        ("" if seen else _dot(page))
        + (_flag(page) if flagged else "")
        + (_clip(page) if row.has_attachment else "")
    )
    return (
        f'      <tr class="row{"" if seen else " unread"}{" flagged" if flagged else ""}" '
        f'data-uid="{uid}" data-folder="{folder}" draggable="true">\n'
        f'        <td class="c-check"><input type="checkbox" name="m" value="{folder}/{uid}" '
        f'aria-label="{page.t.select}"></td>\n'
        f'        <td class="c-state">{state}</td>\n'
        f"        {_who(page, row)}"
        f'        <td class="c-subject" dir="auto"><a href="{page.prefix}{path}/{uid}/">'
        f"{_subject(row, page)}</a>{_snippet(row)}</td>\n"
        f'        <td class="c-folder">{_text(hit.folder_label)}</td>\n'  # type: ignore[attr-defined]
        f"{_date_and_size(page, row)}"
        "      </tr>\n"
    )


def _thread_rows(page: _Page, thread: object) -> str:
    """A ThreadRow (services/threads.py): the conversation's newest message, then the others
    (hidden unless the conversation is open)."""
    row: MessageSummary = thread.head  # type: ignore[attr-defined]
    others: list[MessageSummary] = thread.others  # type: ignore[attr-defined]
    unread, expanded = thread.unread, thread.expanded  # type: ignore[attr-defined]
    count: int = thread.count  # type: ignore[attr-defined]
    uid = row.uid
    members = "".join(
        f'<input type="checkbox" name="uid" value="{child.uid}" class="thread-member" hidden>'
        for child in others
    )
    opener = (
        f'<a class="thread-count" href="?view=threads&amp;open={uid}" '
        f'aria-expanded="{"true" if expanded else "false"}" title="{page.t.conversation}">'
        f"{count}</a>"
        if count > 1
        else ""
    )
    head = (
        f'      <tr class="row thread{" unread" if unread else ""}'
        f'{" flagged" if row.flagged else ""}" data-uid="{uid}" data-thread="{uid}" '
        'draggable="true">\n'
        f'        <td class="c-check"><input type="checkbox" name="uid" value="{uid}" '
        f'aria-label="{page.t.select}">{members}</td>\n'
        f'        <td class="c-state">{_dot(page) if unread else ""}'
        f"{_flag(page) if row.flagged else ''}</td>\n"
        f"        {_who(page, row)}"
        f'        <td class="c-subject" dir="auto">{opener}<a href="{page.prefix}{uid}/">'
        f"{_subject(row, page)}</a>{_snippet(row)}</td>\n"
        f'        <td class="c-att">{_clip(page) if row.has_attachment else ""}</td>\n'
        f"{_date_and_size(page, row)}"
        "      </tr>\n"
    )
    hidden = "" if expanded else " hidden"
    children = [
        f'      <tr class="row thread-child{"" if child.seen else " unread"}" '
        f'data-uid="{child.uid}" data-parent="{uid}" draggable="true"{hidden}>\n'
        f'        <td class="c-check"><input type="checkbox" name="uid" value="{child.uid}" '
        f'aria-label="{page.t.select}" class="child-check"></td>\n'
        f'        <td class="c-state">{"" if child.seen else _dot(page)}'
        f"{_flag(page) if child.flagged else ''}</td>\n"
        f"        {_who(page, child)}"
        f'        <td class="c-subject" dir="auto"><a href="{page.prefix}{child.uid}/">'
        f"{_subject(child, page)}</a></td>\n"
        f'        <td class="c-att">{_clip(page) if child.has_attachment else ""}</td>\n'
        f"{_date_and_size(page, child, size_title=False)}"
        "      </tr>\n"
        for child in others
    ]
    return head + "".join(children)
