"""Conversation view: THREAD=REFERENCES on Dovecot, and the client-side fallback."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from mailview.services.mailbox import ListRequest
from mailview.services.session import MailSession
from mailview.services.threads import (
    base_subject,
    group_by_references,
    references_threads,
    thread_page,
)
from tests.support.browser import fill
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


@pytest.mark.parametrize(
    "subject, base, reply_or_forward",
    [
        ("Plan", "PLAN", False),
        ("Re: Plan", "PLAN", True),
        ("Re: Re: RE: re:Plan", "PLAN", True),
        ("Fwd: Plan", "PLAN", True),
        ("Fw: Plan", "PLAN", True),
        ("[list] Re: Plan", "PLAN", True),
        ("Re: [list] Plan", "PLAN", True),
        ("[list] Plan", "PLAN", False),  # a blob is not a reply marker
        ("Re[2]: Plan", "PLAN", True),
        ("Re [2] : Plan", "PLAN", True),
        ("Plan (fwd)", "PLAN", True),
        ("Plan (fwd)  (FWD) ", "PLAN", True),
        ("[Fwd: Re: Plan]", "PLAN", True),
        ("  Plan \t  for\r\n  May  ", "PLAN FOR MAY", False),
        ("Report: figures", "REPORT: FIGURES", False),  # "Re" must be followed by ":"
        ("[list]", "[LIST]", False),  # a blob stays when nothing would be left
        ("Re:", "", True),
        ("", "", False),
        ("Re: über", "ÜBER", True),  # compared as i;unicode-casemap: titlecase, NFKD
    ],
)
def test_base_subject_follows_rfc_5256(subject, base, reply_or_forward):
    import unicodedata

    assert base_subject(subject) == (unicodedata.normalize("NFKD", base), reply_or_forward)


def test_encoded_subjects_are_decoded_before_the_base_subject_is_taken():
    headers = {
        1: b"Message-ID: <1@y>\r\nSubject: =?utf-8?q?=C3=9Cber_den_Plan?=\r\n",
        2: (
            b"Message-ID: <2@y>\r\n"
            b"Subject: =?iso-8859-1?q?Re=3A_=FCber?=\r\n =?utf-8?q?_den_Plan?=\r\n"
        ),
        3: b"Message-ID: <3@y>\r\nSubject: Re: Uber den Plan\r\n",
    }
    assert sorted(group_by_references(headers)) == [[1, 2], [3]]


def tree(nodes) -> list:
    return [(n.uid, tree(n.children)) if n.children else n.uid for n in nodes]


def dated(n: int) -> bytes:
    return f"Date: Wed, {n} Apr 2026 09:00:00 +0000\r\n".encode()


def test_subject_merging_picks_the_parent_as_rfc_5256_says():
    headers = {
        # A reply whose client dropped In-Reply-To and References goes under the original.
        1: b"Message-ID: <1@y>\r\nSubject: Plan\r\n" + dated(1),
        2: b"Message-ID: <2@y>\r\nSubject: Re: Plan\r\n" + dated(2),
        # Even when the reply is older, the non-reply is the parent.
        3: b"Message-ID: <3@y>\r\nSubject: Re: Budget\r\n" + dated(3),
        4: b"Message-ID: <4@y>\r\nSubject: Budget\r\n" + dated(4),
        # Two non-replies with one subject: both under a dummy.
        5: b"Message-ID: <5@y>\r\nSubject: Lunch\r\n" + dated(5),
        6: b"Message-ID: <6@y>\r\nSubject: lunch\r\n" + dated(6),
        # A thread whose root is missing (a dummy) takes in a message of its subject.
        7: b"Message-ID: <7@y>\r\nIn-Reply-To: <gone@y>\r\nSubject: Re: Trip\r\n" + dated(7),
        8: b"Message-ID: <8@y>\r\nReferences: <gone@y>\r\nSubject: Re: Dates\r\n" + dated(8),
        9: b"Message-ID: <9@y>\r\nSubject: Trip\r\n" + dated(9),
        # The dummy's thread subject is its oldest child's: "Dates" does not join it.
        10: b"Message-ID: <10@y>\r\nSubject: Dates\r\n" + dated(10),
        # No subject, or nothing left of it: never merged.
        11: b"Message-ID: <11@y>\r\n" + dated(11),
        12: b"Message-ID: <12@y>\r\n" + dated(12),
        13: b"Message-ID: <13@y>\r\nSubject: Re:\r\n" + dated(13),
        14: b"Message-ID: <14@y>\r\nSubject: RE: \r\n" + dated(14),
    }
    assert tree(references_threads(headers)) == [
        (1, [2]),
        (4, [3]),
        (None, [5, 6]),
        (None, [7, 8, 9]),
        10,
        11,
        12,
        13,
        14,
    ]


def test_references_win_over_in_reply_to_and_fix_truncated_chains():
    headers = {
        1: b"Message-ID: <a@y>\r\nSubject: one\r\n",
        2: b"Message-ID: <b@y>\r\nSubject: two\r\n",
        # References says <b@y>, In-Reply-To says <a@y>: References wins.
        3: b"Message-ID: <c@y>\r\nIn-Reply-To: <a@y>\r\nReferences: <b@y>\r\nSubject: x\r\n",
        # Message-IDs compare case-sensitively (RFC 5256), duplicates get an ID of their own.
        4: b"Message-ID: <d@y>\r\nReferences: <A@y>\r\nSubject: y\r\n",
        5: b"Message-ID: <a@y>\r\nSubject: z\r\n",
    }
    assert tree(references_threads(headers)) == [1, (2, [3]), 4, 5]


def seed_subjects(user) -> dict[str, int]:
    """Messages that only subject merging threads together, in a mix of arrival orders."""
    at = [T0 + timedelta(hours=h) for h in range(20)]
    items = {
        "plan": make_message(subject="Plan", message_id="<p1@example.org>", date=at[0]),
        # The reply's client dropped In-Reply-To and References but kept "Re: Plan".
        "plan-re": make_message(subject="Re: Plan", date=at[1]),
        "plan-fwd": make_message(subject="[team] Fwd: plan (fwd)", date=at[2]),
        "lunch": make_message(subject="Lunch", date=at[3]),
        "lunch-2": make_message(subject="Lunch", date=at[4]),
        "trip-re": make_message(subject="Re: Trip", in_reply_to="<gone@example.org>", date=at[5]),
        "dates-re": make_message(
            subject="Re: Dates", references=["<gone@example.org>"], date=at[6]
        ),
        "trip": make_message(subject="Trip", date=at[7]),
        "dates": make_message(subject="Dates", date=at[8]),
        "uber": make_message(subject="Über den Plan", date=at[10]),
        "uber-re": make_message(subject="RE: über den Plan", date=at[9]),
        "blank": make_message(subject="", date=at[11]),
        "blank-2": make_message(subject="", date=at[12]),
        "re-only": make_message(subject="Re:", date=at[13]),
        "plan-2": make_message(
            subject="Re: Plan",
            in_reply_to="<p1@example.org>",
            references=["<p1@example.org>"],
            date=at[14],
        ),
    }
    uids = fill(user, "INBOX", [(m, (), T0) for m in items.values()])
    return dict(zip(items, uids, strict=True))


def test_fallback_merges_subjects_exactly_like_dovecot(alice, mail_server):
    uid = seed_subjects(alice)
    mail = MailSession(alice.username, mail_server, lambda: alice.password)

    def both(conn):
        server = conn.thread_references("INBOX")
        _state, order, _sorted = conn.sorted_uids("INBOX", "arrival")
        fetched = conn.fetch_thread_headers(list(order))
        ours = group_by_references(
            {u: h.header for u, h in fetched.items()},
            {u: h.internaldate for u, h in fetched.items()},
        )
        return server, ours

    server, ours = mail.run(both, folder="INBOX")
    assert server is not None, "the test Dovecot offers THREAD=REFERENCES"
    as_sets = sorted(sorted(group) for group in server)
    assert sorted(sorted(group) for group in ours) == as_sets
    name = {u: n for n, u in uid.items()}
    assert sorted(sorted(name[u] for u in group) for group in ours) == sorted(
        [
            ["plan", "plan-2", "plan-fwd", "plan-re"],
            ["lunch", "lunch-2"],
            ["dates-re", "trip", "trip-re"],
            ["dates"],
            ["uber", "uber-re"],
            ["blank"],
            ["blank-2"],
            ["re-only"],
        ]
    )


def test_conversation_page_without_thread_joins_a_reply_that_lost_its_references(
    alice, mail_server, settings
):
    settings.WEBMAIL_SERVER_THREADS = False
    seed_subjects(alice)
    mail = MailSession(alice.username, mail_server, lambda: alice.password)
    page = thread_page(mail, ListRequest(folder="INBOX"))
    assert not page.server_threaded
    plan = next(t for t in page.rows if t.head.subject == "Re: Plan" and t.count > 1)
    assert plan.count == 4
    assert sorted(m.subject for m in plan.others) == ["Plan", "Re: Plan", "[team] Fwd: plan (fwd)"]


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


def test_a_long_reply_chain_is_one_thread():
    headers = {1: b"Message-ID: <m1@y>\r\nSubject: chain\r\n"}
    for n in range(2, 3001):
        headers[n] = f"Message-ID: <m{n}@y>\r\nIn-Reply-To: <m{n - 1}@y>\r\n".encode()
    assert group_by_references(headers) == [list(range(1, 3001))]
