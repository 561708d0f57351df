"""Events rendered for the page that receives them (mailview/live/present.py), without a server:
the rows template draws live rows exactly as it draws a page's rows."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

from django.utils import timezone

from mailview.imap.client import Address, MessageSummary
from mailview.live import events, present
from mailview.render.rows import render_rows

SUMMARY = MessageSummary(
    uid=7,
    subject='Tea <script>alert("x")</script>',
    sender=Address("Zoë <Z>", "zoe@example.org"),
    to=(),
    date=datetime(2020, 1, 1, 23, 30, tzinfo=UTC),
    received=None,
    size=2048,
    flags=frozenset({"\\Flagged"}),
    has_attachment=True,
)
LIST = present.PageView("Projects/2026")
THREADS = present.PageView("Projects/2026", threads=True)


def new_payload() -> dict:
    row = events.Row.from_summary(SUMMARY)
    return events.NewMessages("alice", "Projects/2026", uidvalidity=1, rows=(row,)).payload()


def test_a_new_row_is_the_rows_templates_own_drawing_in_the_users_time_zone():
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    with timezone.override(tokyo):
        sent = present.for_browser(new_payload(), LIST)
        page = render_rows("list", [SUMMARY], "/message/Projects/2026/")
    assert sent["html"] == str(page)
    assert ">2020-01-02<" in sent["html"]  # 23:30 UTC is the next day in Tokyo
    assert sent["rows"] == [
        {"uid": 7, "seen": False, "subject": SUMMARY.subject, "sender": "Zoë <Z>"}
    ]


def test_header_values_in_live_rows_are_escaped():
    html = present.for_browser(new_payload(), LIST)["html"]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Zoë &lt;Z&gt;" in html


def test_a_flag_change_carries_the_changed_row_redrawn():
    row = events.Row.from_summary(SUMMARY)
    state = events.FlagState.from_flags(7, SUMMARY.flags)
    payload = events.FlagsChanged("alice", "Projects/2026", changes=(state,), rows=(row,)).payload()
    sent = present.for_browser(payload, LIST)
    assert sent["html"] == str(render_rows("list", [SUMMARY], "/message/Projects/2026/"))
    assert "rows" not in sent  # the data went into the drawing


def test_conversation_view_and_other_folders_get_no_row_drawing():
    assert "html" not in present.for_browser(new_payload(), THREADS)
    assert "html" not in present.for_browser(new_payload(), present.PageView("INBOX"))
    assert THREADS.needs_page(new_payload()) and not LIST.needs_page(new_payload())
    reset = events.FolderReset("alice", "Projects/2026").payload()
    assert LIST.needs_page(reset)


def test_counts_carry_the_folder_trees_badge():
    counts = events.FolderCounts("alice", "INBOX", unseen=3, messages=9).payload()
    assert present.for_browser(counts, LIST)["badge"] == (
        '<span class="unseen" title="3 unread">3</span>'
    )
    none = events.FolderCounts("alice", "INBOX", unseen=0, messages=9).payload()
    assert present.for_browser(none, LIST)["badge"] == ""


def test_page_view_from_a_hostile_subscribe_message_falls_back_to_defaults():
    view = present.PageView.parse(
        {"folder": "INBOX", "view": "x", "sort": "evil", "page": "-3", "order": 1}, 25
    )
    assert view == present.PageView("INBOX", page=1, page_size=25)
    assert present.PageView.parse({"folder": "bad\tname"}, 25) is None
    assert present.PageView.parse({"folder": 7}, 25) is None


def test_a_gone_folder_tells_only_the_page_that_shows_it_with_its_name_escaped():
    payload = events.FolderGone("alice", "Projects/Tea & <i>cakes").payload()
    shown = present.for_browser(payload, present.PageView("Projects/Tea & <i>cakes"))
    assert "“Tea &amp; &lt;i&gt;cakes” is no longer there" in shown["notice"]
    assert 'href="/mail/INBOX/"' in shown["notice"]
    assert "notice" not in present.for_browser(payload, LIST)
    assert "notice" not in present.for_browser(payload, None)  # the folder-counts answer
    cyrus = present.for_browser(
        events.FolderGone("alice", "INBOX.Team").payload(), present.PageView("INBOX.Team")
    )
    assert "“Team”" in cyrus["notice"]
