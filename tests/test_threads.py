"""Conversation view: THREAD=REFERENCES on Dovecot, and the client-side fallback."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from mailview.imap.session import MailSession
from mailview.services import ListRequest
from mailview.threads import group_by_references, thread_page
from tests.browser.helpers import fill
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def seed(user) -> None:
    """Two conversations (3 and 2 messages) and one lone message, interleaved in time."""
    a1 = "<a1@example.org>"
    a2 = "<a2@example.org>"
    b1 = "<b1@example.org>"
    items = [
        (make_message(subject="Plan", message_id=a1, date=T0), ("\\Seen",), T0),
        (make_message(subject="Dinner", message_id=b1, date=T0 + timedelta(hours=1)), (), None),
        (
            make_message(
                subject="Re: Plan",
                message_id=a2,
                in_reply_to=a1,
                references=[a1],
                date=T0 + timedelta(hours=2),
            ),
            ("\\Seen",),
            None,
        ),
        (make_message(subject="Alone", date=T0 + timedelta(hours=3)), ("\\Seen",), None),
        (
            make_message(
                subject="Re: Dinner",
                in_reply_to=b1,
                references=[b1],
                date=T0 + timedelta(hours=4),
            ),
            ("\\Seen",),
            None,
        ),
        (
            make_message(
                subject="Re: Re: Plan",
                in_reply_to=a2,
                references=[a1, a2],
                date=T0 + timedelta(hours=5),
            ),
            ("\\Seen",),
            None,
        ),
    ]
    fill(user, "INBOX", [(m, f, w or T0) for m, f, w in items])


def shape(page) -> list[tuple[str, int, list[str]]]:
    return [(t.head.subject, t.count, [m.subject for m in t.others]) for t in page.rows]


EXPECTED = [
    ("Re: Re: Plan", 3, ["Plan", "Re: Plan"]),
    ("Re: Dinner", 2, ["Dinner"]),
    ("Alone", 1, []),
]


def test_server_threads_are_collapsed_with_counts_newest_first(alice, mail_server):
    seed(alice)
    mail = MailSession(alice.username, mail_server, lambda: alice.password)
    page = thread_page(mail, ListRequest(folder="INBOX"))
    assert page.server_threaded
    assert shape(page) == EXPECTED
    assert page.total == 3 and page.messages == 6
    assert [t.unread for t in page.rows] == [False, True, False]


def test_client_side_fallback_groups_the_same_way(alice, mail_server, settings):
    settings.WEBMAIL_SERVER_THREADS = False
    seed(alice)
    mail = MailSession(alice.username, mail_server, lambda: alice.password)
    page = thread_page(mail, ListRequest(folder="INBOX"))
    assert not page.server_threaded
    assert shape(page) == EXPECTED


def test_group_by_references_handles_missing_and_broken_headers():
    headers = {
        1: b"Message-ID: <x@y>\r\n",
        2: b"Message-ID: <z@y>\r\nIn-Reply-To: <x@y>\r\n",
        3: b"References: <x@y>\r\n\t<z@y>\r\nMessage-ID: <w@y>\r\n",
        4: b"",  # no Message-ID at all: a thread of its own
        5: b"Message-ID: garbage\r\nReferences: <<<>>>\r\n",
        6: b"Message-ID: <child@y>\r\nIn-Reply-To: <never-seen@y>\r\n",
        7: b"Message-ID: <other@y>\r\nReferences: <never-seen@y>\r\n",
    }
    groups = sorted(group_by_references(headers))
    assert groups == [[1, 2, 3], [4], [5], [6, 7]]


def test_conversation_toggle_in_the_list(alice, login):
    seed(alice)
    client = login(alice)
    html = client.get("/mail/INBOX/?view=threads").content.decode()
    assert html.count('class="thread-count"') == 2
    assert re.search(r'class="thread-count"[^>]*>3</a>', html)
    assert "Re: Re: Plan" in html and "List view" in html
    # Children are in the page but hidden until the thread is opened.
    assert len(re.findall(r'class="row thread-child[^"]*"[^>]*hidden', html)) == 3
    head = re.search(r'data-thread="(\d+)"', html).group(1)
    opened = client.get(f"/mail/INBOX/?view=threads&open={head}").content.decode()
    assert len(re.findall(r'class="row thread-child[^"]*"[^>]*hidden', opened)) == 1
    # The choice sticks for the session, and "list" turns it off again.
    assert 'class="thread-count"' in client.get("/mail/INBOX/?page=1").content.decode()
    flat = client.get("/mail/INBOX/?view=list").content.decode()
    assert 'class="thread-count"' not in flat and "Conversations" in flat


def test_conversation_view_setting_is_the_default(alice, login):
    from accounts.models import Preferences

    seed(alice)
    client = login(alice)
    prefs = Preferences.objects.get(user__username=alice.username)
    prefs.conversation_view = True
    prefs.save()
    assert 'class="thread-count"' in client.get("/mail/INBOX/").content.decode()


def test_bob_sees_his_own_threads_only(alice, bob, login):
    seed(alice)
    html = login(bob).get("/mail/INBOX/?view=threads").content.decode()
    assert "Plan" not in html and "This folder is empty." in html
