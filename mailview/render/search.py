"""The search page's parts drawn for every search: the form (with the note under the quick box),
the summary (errors, count, pager) and the rows; the same summary and rows answer search as you
type (`live_parts`).

The page around them is kept between searches (mailview/views/kept.py); these parts were most
of what a search page drew, and in Django's template language they cost a millisecond more
than in Jinja2 (templates/jinja2/mailview/search_*.html, render/jinja.py). Text with
numbers or names in it is translated here, with the catalogue's messages of the former Django
templates: the translation is escaped, then the values escaped into it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django import forms
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext
from markupsafe import Markup, escape

from mailview.render.jinja import template
from mailview.render.rows import render_rows


@dataclass(frozen=True)
class SearchNote:
    """What the note under the quick box says about this server and folder."""

    indexed: bool  # the server searches through a full-text index: no note
    slow_text: bool  # searching the folder's text without an index reads every message
    folder_label: str
    folder_messages: int

    @property
    def warning(self) -> Markup | None:
        if not self.slow_text:
            return None
        text = gettext(
            "%(label)s holds %(folder_messages)s messages: searching their text reads every "
            "one of them and can take a long time."
        )
        return escape(text) % {
            "label": self.folder_label,
            "folder_messages": intcomma(self.folder_messages),
        }


@dataclass(frozen=True)
class SearchSummary:
    """The numbers of a page of results."""

    total: int
    first: int  # the first and last hit on this page, counted from 1 (0 with none)
    last: int
    page: int
    pages: int
    folders_searched: int | None  # all folders were searched: how many; else None
    text_read_in: int | None  # the text was searched without an index in so many messages

    @property
    def slow_note(self) -> Markup | None:
        if self.text_read_in is None:
            return None
        text = gettext(
            "The server has no full-text index: this search read every message of "
            "%(messages_searched)s."
        )
        return escape(text) % {"messages_searched": intcomma(self.text_read_in)}

    @property
    def count(self) -> Markup:
        if self.total:
            count = escape(gettext("%(first_index)s–%(last_index)s of %(total)s")) % {
                "first_index": intcomma(self.first),
                "last_index": intcomma(self.last),
                "total": intcomma(self.total),
            }
        else:
            count = escape(gettext("No messages found"))
        if self.folders_searched is not None:
            n = self.folders_searched
            where = ngettext("in %(count)s folder", "in %(count)s folders", n)
            count += " " + escape(where) % {"count": n}
        return count

    @property
    def page_of(self) -> Markup:
        text = gettext("Page %(page)s of %(pages)s")
        return escape(text) % {"page": self.page, "pages": self.pages}


@dataclass(frozen=True)
class SearchParts:
    form: SafeString
    summary: SafeString
    rows: SafeString


def search_parts(
    form: forms.Form,
    *,
    action: str,
    within: str,
    advanced: bool,
    note: SearchNote,
    summary: SearchSummary | None,
    rows: Sequence[object] | None,
    page_base: str,
    message_root: str,
) -> SearchParts:
    """The parts of a search page. ``form``: mailview.services.search.SearchForm, bound to
    the query (or not, before a search); ``within``: what the quick box looked in (shown when the
    query left it to the server's default); ``summary`` and ``rows`` None: nothing searched yet;
    ``page_base``: the query string of this search without its page, for the pager."""
    return SearchParts(
        form=_draw(
            "mailview/search_form.html",
            form=form,
            action=action,
            within=within,
            advanced=advanced,
            note=note,
        ),
        summary=_draw(
            "mailview/search_summary.html",
            errors=[error for errors in form.errors.values() for error in errors],
            summary=summary,
            page_base=page_base,
        ),
        rows=render_rows("search", rows, message_root) if rows is not None else SafeString(""),
    )


def live_parts(parts: SearchParts) -> SafeString:
    """The answer to search as you type (X-Search-Live: 1): the summary and the rows, with the
    ids that static/webmail/search.js puts in place of the page's."""
    return SafeString(
        f'<div id="search-summary">{parts.summary}</div>\n'
        f'<table><tbody id="search-rows">{parts.rows}</tbody></table>\n'
    )


def _draw(name: str, **context: object) -> SafeString:
    return mark_safe(template(name).render(**context))  # noqa: S308 -- Jinja2 autoescaped
