"""The message rows of the list, search and conversation pages.

Fifty rows of a dozen values each were most of a page's rendering time in Django's template
language (about 6 ms of a 9 ms search page); the same markup in one Jinja2 template, compiled
to Python once, renders in under a millisecond. The rest of every page stays a Django template
and includes the rows with ``{% message_rows %}``. Autoescaping is on: header values from a
message are escaped like everywhere else in the UI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from markupsafe import Markup, escape

from mailview.imap.client import MessageSummary
from mailview.render.format import aware, full_date, list_date, page_words
from mailview.render.jinja import template

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
        html = template("mailview/rows.html").render(
            kind=kind,
            rows=rows,
            message_prefix=message_prefix,
            dates=RowDates(),
            recipients=recipients,
            t=row_words(),
        )
    return mark_safe(html)  # noqa: S308 -- Jinja2 autoescaped every value


@dataclass(frozen=True)
class RowWords:
    """The words every row repeats, escaped once (attributes: Jinja2 reads them fastest)."""

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
