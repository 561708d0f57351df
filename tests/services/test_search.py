"""Search against the real Dovecot: quick and advanced, one folder or all, and injection."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import REGISTRY

from mailview.imap.client import Atom, IMAPConnection, imap_string
from mailview.imap.criteria import criterion
from mailview.imap.protocol.commands import Literal
from mailview.services.mailbox import page_tree
from mailview.services.search import SearchQuery, merge_newest_first, newest_slice, run_search
from mailview.services.session import MailSession
from tests.support.browser import fill
from tests.support.pages import list_subjects
from webmail.devmail.factories import make_message, message_bytes

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def found(response) -> list[str]:
    html = response.content.decode()
    return list_subjects(html)


def seed(user) -> None:
    fill(
        user,
        "INBOX",
        [
            (
                make_message(
                    subject="Quarterly budget",
                    sender="Carol <carol@example.com>",
                    date=T0,
                    text="Numbers attached.\n",
                    attachments=[("b.pdf", "application/pdf", b"%PDF-1.4 " + b"0" * 3000)],
                ),
                ("\\Seen",),
                T0,
            ),
            (
                make_message(
                    subject="Lunch?",
                    sender="Dave <dave@example.com>",
                    to="Budget Team <team@example.com>",
                    date=T0 + timedelta(days=1),
                    text="Pizza at noon\n",
                ),
                ("\\Flagged",),
                T0 + timedelta(days=1),
            ),
            (
                make_message(
                    subject="Holiday photos",
                    sender="Erin <erin@example.com>",
                    date=T0 + timedelta(days=2),
                    text="The budget for the trip was fine. " + "x" * 20000 + "\n",
                ),
                ("\\Seen",),
                T0 + timedelta(days=2),
            ),
            (
                make_message(
                    subject="Grüße aus München",
                    sender="Jürgen <j@example.de>",
                    date=T0 + timedelta(days=3),
                    text="Schöne Grüße\n",
                ),
                (),
                T0 + timedelta(days=3),
            ),
        ],
    )


def test_quick_search_in_subject_from_to_and_text_finds_newest_first(alice, login):
    seed(alice)
    client = login(alice)
    everything = {"folder": "INBOX", "within": "all"}
    response = client.get("/search/", {"q": "budget", **everything})
    assert response.status_code == 200
    # Subject, To (Budget Team) and body; newest first.
    assert found(response) == ["Holiday photos", "Lunch?", "Quarterly budget"]
    assert "1–3 of 3" in response.content.decode()
    assert found(client.get("/search/", {"q": "erin@example.com", **everything})) == [
        "Holiday photos"
    ]
    assert found(client.get("/search/", {"q": "Grüße", **everything})) == ["Grüße aus München"]
    assert found(client.get("/search/", {"q": "nothing-like-this", **everything})) == []
    # Headers only: the body match (Holiday photos) drops out.
    headers_only = client.get("/search/", {"q": "budget", "within": "headers"})
    assert found(headers_only) == ["Lunch?", "Quarterly budget"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"unread": "on"}, ["Grüße aus München", "Lunch?"]),
        ({"flagged": "on"}, ["Lunch?"]),
        ({"attachment": "on"}, ["Quarterly budget"]),
        ({"larger": "15"}, ["Holiday photos"]),
        ({"smaller": "2"}, ["Grüße aus München", "Lunch?"]),
        ({"since": "2026-03-02", "until": "2026-03-03"}, ["Holiday photos", "Lunch?"]),
        ({"q": "budget", "until": "2026-03-01"}, ["Quarterly budget"]),
    ],
)
def test_advanced_search(alice, login, params, expected):
    seed(alice)
    response = login(alice).get("/search/", {"folder": "INBOX", **params})
    assert found(response) == expected


def test_scope_all_folders_and_the_folder_column(alice, login):
    seed(alice)
    alice.append("Projects", make_message(subject="Budget 2027"))
    client = login(alice)
    only_inbox = found(client.get("/search/", {"q": "budget 2027", "folder": "INBOX"}))
    assert only_inbox == []
    everywhere = client.get(
        "/search/", {"q": "budget", "folder": "INBOX", "scope": "all", "within": "all"}
    )
    assert sorted(found(everywhere)) == sorted(
        ["Holiday photos", "Lunch?", "Quarterly budget", "Budget 2027"]
    )
    html = everywhere.content.decode()
    assert f'value="{alice.folder("Projects")}/' in html  # selection values carry the folder
    assert "in " in html and "folders" in html


def folders_of(response) -> list[str]:
    return re.findall(r'<td class="c-folder">([^<]*)</td>', response.content.decode())


def test_all_folders_results_are_merged_newest_first_across_pages(alice, login):
    # 60 reports, hour i: the even hours in INBOX, the odd ones in Projects. Their arrival
    # times (INTERNALDATE) run the other way: the order must come from the Date header.
    fill(
        alice,
        "INBOX",
        [
            (
                make_message(subject=f"Report {i:03d}", date=T0 + timedelta(hours=i)),
                (),
                T0 - timedelta(hours=i),
            )
            for i in range(0, 60, 2)
        ],
    )
    fill(
        alice,
        alice.folder("Projects"),
        [
            (
                make_message(subject=f"Report {i:03d}", date=T0 + timedelta(hours=i)),
                (),
                T0 - timedelta(hours=i),
            )
            for i in range(1, 60, 2)
        ],
    )
    client = login(alice)
    params = {"q": "report", "folder": "INBOX", "scope": "all"}
    first = client.get("/search/", params)
    assert found(first) == [f"Report {i:03d}" for i in range(59, 9, -1)]
    assert folders_of(first)[:4] == ["Projects", "Inbox", "Projects", "Inbox"]
    html = first.content.decode()
    assert "1–50 of 60" in html and "Page 1 of 2" in html
    second = client.get("/search/", {**params, "page": "2"})
    assert found(second) == [f"Report {i:03d}" for i in range(9, -1, -1)]
    assert folders_of(second) == ["Projects", "Inbox"] * 5
    assert "51–60 of 60" in second.content.decode()


def test_merged_dates_are_the_ones_the_server_sorts_by(alice, login):
    """The sent date of RFC 5256: the Date header in UTC whatever its zone, and INTERNALDATE
    for a message without a Date header."""
    alice.append("INBOX", make_message(subject="Memo at 10:00 UTC", date=T0 + timedelta(hours=1)))
    alice.append("INBOX", make_message(subject="Memo at 12:00 UTC", date=T0 + timedelta(hours=3)))
    tokyo = timezone(timedelta(hours=9))
    alice.append(
        "Projects",  # 20:00 in Tokyo is 11:00 UTC
        make_message(subject="Memo from Tokyo", date=datetime(2026, 3, 1, 20, 0, tzinfo=tokyo)),
    )
    undated = make_message(subject="Memo without a date")
    del undated["Date"]
    alice.append("Archive", undated, when=T0 + timedelta(hours=2, minutes=30))
    folded = make_message(subject="Memo at 10:15 UTC, folded")
    del folded["Date"]
    date_line = b"Date: Sun, 1 Mar 2026\r\n 10:15:00 +0000 (UTC)\r\n"
    alice.append("Projects", date_line + message_bytes(folded))
    alice.append(
        "Archive", make_message(subject="Memo at 9:30 UTC", date=T0 + timedelta(minutes=30))
    )
    client = login(alice)
    everywhere = client.get("/search/", {"q": "memo", "scope": "all"})
    assert found(everywhere) == [
        "Memo at 12:00 UTC",
        "Memo without a date",
        "Memo from Tokyo",
        "Memo at 10:15 UTC, folded",
        "Memo at 10:00 UTC",
        "Memo at 9:30 UTC",
    ]
    assert folders_of(everywhere) == [
        "Inbox",
        "Archive",
        "Projects",
        "Projects",
        "Inbox",
        "Archive",
    ]
    assert re.search(r"1–6 of 6 in \d+ folders", everywhere.content.decode())


def commands_by_name() -> dict[str, float]:
    """How many IMAP commands of each name this process has sent (the /metrics histogram)."""
    counts: dict[str, float] = {}
    for metric in REGISTRY.collect():
        if metric.name == "webmail_imap_command_duration_seconds":
            for sample in metric.samples:
                if sample.name.endswith("_count"):
                    counts[sample.labels["command"]] = sample.value
    return counts


def sent_since(before: dict[str, float]) -> dict[str, float]:
    after = commands_by_name()
    return {name: n - before.get(name, 0) for name, n in after.items() if n != before.get(name, 0)}


def test_one_folder_search_is_one_sort_and_one_fetch(alice, mail_server):
    seed(alice)
    alice.append("Projects", make_message(subject="Budget 2027", date=T0 + timedelta(hours=12)))
    mail = MailSession(alice.username, mail_server, lambda: alice.password)

    def search(query: SearchQuery, page: int = 1):
        def go(conn: IMAPConnection):
            tree = page_tree(conn)
            conn.select("INBOX")
            before, commands = commands_by_name(), conn.commands
            results = run_search(conn, query, tree, page, 2)
            return results, sent_since(before), conn.commands - commands

        return mail.run(go, folder="INBOX")

    results, sent, count = search(SearchQuery(folder="INBOX", text="budget", within="all"))
    assert [row.message.subject for row in results.rows] == ["Holiday photos", "Lunch?"]
    # The NOOP that checks the selected folder, the SORT (our SEARCH command) and the rows' FETCH.
    assert sent == {"NOOP": 1, "SEARCH": 1, "FETCH": 1}
    assert count == 3

    # All folders: one date FETCH per folder with hits, one SELECT per folder, no more.
    results, sent, _count = search(
        SearchQuery(folder="INBOX", text="budget", all_folders=True, within="all")
    )
    assert [row.message.subject for row in results.rows] == ["Holiday photos", "Lunch?"]
    folders = results.folders_searched
    assert sent["SEARCH"] == folders - 1  # INBOX's SORT is still known from the search above
    assert sent["FETCH"] == 2 + 1  # dates in INBOX and Projects, then INBOX's rows
    # Page 2 reuses the SORTs and the dates of the newest hits: only the new ones are fetched.
    results, sent, _count = search(
        SearchQuery(folder="INBOX", text="budget", all_folders=True, within="all"), page=2
    )
    assert [row.message.subject for row in results.rows] == ["Budget 2027", "Quarterly budget"]
    assert "SEARCH" not in sent
    assert sent["FETCH"] == 1 + 2  # INBOX's third date (Projects' is known); two folders' rows


def test_results_are_paged_and_keep_the_actions(alice, login):
    fill(
        alice,
        "INBOX",
        [(make_message(subject=f"Report {i:03d}"), (), T0 + timedelta(hours=i)) for i in range(60)],
    )
    client = login(alice)
    first = client.get("/search/", {"q": "report", "folder": "INBOX"})
    assert len(found(first)) == 50
    html = first.content.decode()
    assert "1–50 of 60" in html
    assert 'id="actions-form"' in html and 'name="m"' in html
    second = client.get("/search/", {"q": "report", "folder": "INBOX", "page": "2"})
    assert found(second) == [f"Report {i:03d}" for i in range(9, -1, -1)]


@pytest.mark.parametrize(
    "text",
    [
        'foo" OR ALL',
        'foo" ALL "',
        "foo\r\nA1 LOGOUT",
        "foo\r\n",
        "foo) OR (ALL",
        "{5}",
        "foo {3+}\r\nabc",
        "\\",
        "*",
        "%",
        'ö" OR ALL',
        "\x00\x01",
    ],
)
def test_search_text_cannot_inject_imap(alice, login, text):
    seed(alice)
    client = login(alice)
    response = client.get("/search/", {"q": text, "folder": "INBOX"})
    assert response.status_code == 200
    assert found(response) == []  # matched nothing: the text was searched for, not obeyed
    # The connection is still fine afterwards.
    again = client.get("/search/", {"q": "budget", "folder": "INBOX", "within": "all"})
    assert len(found(again)) == 3


def test_imap_string_quotes_or_sends_a_literal():
    assert imap_string('a "b" \\c') == b'"a \\"b\\" \\\\c"'
    assert imap_string("x\r\ny") == b'"x  y"'
    assert imap_string("Grüße") == Literal("Grüße".encode())
    with pytest.raises(ValueError):
        criterion(Atom("ALL\r\nLOGOUT"))


def test_without_sort_esearch_and_plain_search_find_the_same(alice, mail_server):
    seed(alice)
    mail = MailSession(alice.username, mail_server, lambda: alice.password)
    query = SearchQuery(folder="INBOX", text="budget", within="all")

    def run(drop: set[str]):
        def go(conn: IMAPConnection):
            conn._capabilities = conn.capabilities - drop
            conn.cache.clear()
            return conn.search_sorted("INBOX", query.criteria())

        return mail.run(go)

    _s, sorted_uids, server_sorted = run(set())
    assert server_sorted
    _s, esearch, server_sorted = run({"SORT"})
    assert not server_sorted
    _s, plain, _ = run({"SORT", "ESEARCH"})
    assert sorted(sorted_uids) == list(esearch) == list(plain)
    assert len(plain) == 3


def test_bad_dates_and_sizes_are_form_errors(alice, login):
    client = login(alice)
    response = client.get("/search/", {"since": "2026-05-01", "until": "2026-01-01"})
    assert response.status_code == 200
    assert "The start date is after the end date." in response.content.decode()
    response = client.get("/search/", {"q": "x", "larger": "-5"})
    assert response.status_code == 200 and "form-error" in response.content.decode()
    response = client.get("/search/", {"q": "x", "folder": "IN\r\nBOX"})
    assert response.status_code == 400


def test_empty_search_shows_the_form(alice, login):
    response = login(alice).get("/search/", {"folder": "INBOX", "advanced": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="since"' in html and '<details class="advanced" open' in html


def test_bob_does_not_find_alices_mail(alice, bob, login):
    seed(alice)
    bob_client = login(bob)
    assert found(bob_client.get("/search/", {"q": "budget", "scope": "all"})) == []
    assert login(alice).get("/search/", {"q": "budget"}).status_code == 200


def test_query_criteria_are_built_from_validated_values():
    query = SearchQuery(
        folder="INBOX", since=date(2026, 2, 1), until=date(2026, 2, 3), larger_kb=2, unread=True
    )
    assert query.criteria() == [
        "SINCE",
        "1-Feb-2026",
        "BEFORE",
        "4-Feb-2026",
        "UNSEEN",
        "LARGER",
        "2048",
    ]
    assert all(isinstance(t, Atom) for t in query.criteria())


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(1, 500), max_size=130, unique=True).map(sorted),
    st.integers(0, 140),
    st.integers(1, 50),
)
def test_a_page_of_one_folders_results_is_that_slice_newest_first(uids, start, count):
    every_hit = list(reversed(uids))  # SORT answers oldest first
    assert newest_slice(uids, start, count) == every_hit[start : start + count]


def hits_newest_first(dates: list[int]) -> list[tuple[int, int]]:
    """A folder's hits as its SORT (DATE) gives them (by date, equal dates by UID), reversed."""
    in_sort_order = sorted((when, uid) for uid, when in enumerate(dates, 1))
    return list(reversed(in_sort_order))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 20), max_size=30), max_size=5),
    st.integers(0, 130),
    st.integers(1, 50),
)
def test_merged_pages_are_that_slice_of_every_hit_newest_first(dates, start, count):
    folders = [hits_newest_first(folder_dates) for folder_dates in dates]
    # Every hit, newest first; equal dates: the earlier folder, then the higher UID.
    every_hit = sorted(
        ((when, index, uid) for index, hits in enumerate(folders) for when, uid in hits),
        key=lambda hit: (-hit[0], hit[1], -hit[2]),
    )
    expected = [(index, uid) for _when, index, uid in every_hit[start : start + count]]
    assert merge_newest_first(folders, start, count) == expected
    # A page needs no more than each folder's newest start + count hits.
    newest_only = [hits[: start + count] for hits in folders]
    assert merge_newest_first(newest_only, start, count) == expected
