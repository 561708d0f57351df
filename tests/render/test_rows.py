"""The message rows (mailview/render/rows.py): what each kind of row shows, in the user's
language and time zone, with every value from a message or a folder name escaped."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import replace
from datetime import UTC, datetime

from django.utils import timezone, translation

from mailview.imap.client import Address, MessageSummary
from mailview.render.rows import render_rows
from mailview.services.search import SearchRow
from mailview.services.threads import ThreadRow

HOSTILE = "<script>alert(\"x\")</script> & 'quoted'"

MESSAGE = MessageSummary(
    uid=7,
    subject="Quarterly report",
    sender=Address("Alice Silva", "alice@example.org"),
    to=(Address("Bob", "bob@example.org"), Address("", "carol@example.org")),
    date=datetime(2020, 1, 1, 23, 30, tzinfo=UTC),
    received=None,
    size=2048,
    flags=frozenset({"\\Seen"}),
    has_attachment=False,
    preview="The figures are in",
)


def rows_of(html: str) -> list[str]:
    return re.findall(r"<tr .*?</tr>", html, re.S)


def test_a_list_row_links_the_message_and_shows_sender_subject_snippet_date_and_size():
    (row,) = rows_of(render_rows("list", [MESSAGE], "/message/INBOX/"))
    assert 'class="row"' in row and 'data-uid="7"' in row
    assert '<input type="checkbox" name="uid" value="7" aria-label="Select">' in row
    assert '<td class="c-from" title="alice@example.org">Alice Silva</td>' in row
    assert '<a href="/message/INBOX/7/">Quarterly report</a>' in row
    assert '<span class="snippet">The figures are in</span>' in row
    assert '<td class="c-date" title="Wed, 1 Jan 2020 23:30">2020-01-01</td>' in row
    assert '<td class="c-size" title="2048 bytes">2.0 KB</td>' in row


def test_the_state_column_marks_unread_flagged_answered_and_attachments():
    unread = replace(MESSAGE, flags=frozenset({"\\Flagged", "\\Answered"}), has_attachment=True)
    (row,) = rows_of(render_rows("list", [unread], "/message/INBOX/"))
    assert 'class="row unread flagged"' in row
    assert '<span class="sr-only">Unread</span>' in row
    assert 'aria-label="Flagged"' in row and 'aria-label="Answered"' in row
    assert 'aria-label="Has attachment"' in row
    (plain,) = rows_of(render_rows("list", [MESSAGE], "/message/INBOX/"))
    assert "Unread" not in plain and "Flagged" not in plain and "Has attachment" not in plain


def test_every_value_from_a_message_is_escaped():
    hostile = replace(
        MESSAGE,
        subject=HOSTILE,
        sender=Address(HOSTILE, '"><img src=x onerror=alert(1)>@example.org'),
        to=(Address(HOSTILE, "<b>@example.org"),),
        preview=HOSTILE,
    )
    for recipients in (False, True):
        html = str(render_rows("list", [hostile], "/message/INBOX/", recipients=recipients))
        assert "<script>" not in html and "<img" not in html and "<b>" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;quoted&#39;" in html
    search = str(render_rows("search", [SearchRow(HOSTILE, HOSTILE, hostile)], "/message/"))
    assert "<script>" not in search and "<img" not in search
    assert 'data-folder="&lt;script&gt;alert(&#34;x&#34;)' in search


def test_sent_and_drafts_rows_name_the_recipients():
    (row,) = rows_of(render_rows("list", [MESSAGE], "/message/Sent/", recipients=True))
    assert 'title="bob@example.org, carol@example.org"' in row
    assert '<span class="to-label">To: </span>Bob, carol@example.org</td>' in row
    nobody = replace(MESSAGE, to=())
    (empty,) = rows_of(render_rows("list", [nobody], "/message/Sent/", recipients=True))
    assert "(no recipient)" in empty


def test_a_message_without_sender_or_subject_says_so():
    anonymous = replace(MESSAGE, sender=None, subject="", preview=None)
    (row,) = rows_of(render_rows("list", [anonymous], "/message/INBOX/"))
    assert '<td class="c-from" title="">(no sender)</td>' in row
    assert ">(no subject)</a></td>" in row  # no snippet either


def test_a_search_row_names_its_folder_and_links_into_it():
    hit = SearchRow("Archive/2026 & old", "Archive › 2026 & old", MESSAGE)
    (row,) = rows_of(render_rows("search", [hit], "/message/"))
    assert 'data-folder="Archive/2026 &amp; old"' in row
    assert 'name="m" value="Archive/2026 &amp; old/7"' in row
    assert '<a href="/message/Archive/2026%20%26%20old/7/">' in row
    assert '<td class="c-folder">Archive › 2026 &amp; old</td>' in row


def test_a_conversation_shows_its_newest_message_and_hides_the_others_until_opened():
    older = replace(MESSAGE, uid=5, flags=frozenset())
    closed = ThreadRow(MESSAGE, [older], 2, False)
    head, child = rows_of(render_rows("threads", [closed], "/message/INBOX/"))
    assert 'class="row thread unread"' in head  # an unread message inside: the thread is unread
    assert 'data-thread="7"' in head
    assert 'href="?view=threads&amp;open=7" aria-expanded="false"' in head
    assert '<input type="checkbox" name="uid" value="5" class="thread-member" hidden>' in head
    assert 'class="row thread-child unread" data-uid="5" data-parent="7"' in child
    assert 'draggable="true" hidden>' in child
    opened = ThreadRow(MESSAGE, [older], 2, True)
    head, child = rows_of(render_rows("threads", [opened], "/message/INBOX/"))
    assert 'aria-expanded="true"' in head and " hidden>" not in child
    (alone,) = rows_of(render_rows("threads", [ThreadRow(MESSAGE, [], 1, False)], "/m/"))
    assert "thread-count" not in alone


def test_an_empty_page_says_so_in_the_users_language():
    assert "This folder is empty." in render_rows("list", [], "/message/INBOX/")
    assert "No messages match." in render_rows("search", [], "/message/")
    with translation.override("de"):
        assert "Dieser Ordner ist leer." in render_rows("threads", [], "/message/INBOX/")
        (row,) = rows_of(render_rows("list", [MESSAGE], "/message/INBOX/"))
        assert 'aria-label="Auswählen"' in row and 'title="2048 Byte">2,0 KB<' in row


def test_dates_are_shown_in_the_users_time_zone():
    with timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo")):
        (row,) = rows_of(render_rows("list", [MESSAGE], "/message/INBOX/"))
    assert '<td class="c-date" title="Thu, 2 Jan 2020 08:30">2020-01-02</td>' in row
