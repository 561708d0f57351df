"""What the quick box looks in: subject and sender without a full-text index on the server,
everything with one (Dovecot with fts_xapian), and the warning before a slow text search."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest

from mailview.imap.client import IMAPConnection
from mailview.services.mailbox import page_tree
from mailview.services.search import SearchQuery, has_full_text_index, run_search
from mailview.services.session import MailSession
from tests.services.test_search import T0, found, seed
from tests.support.servers import point_at
from webmail.devmail.dovecot import Dovecot
from webmail.devmail.factories import make_message
from webmail.devmail.fts import XAPIAN_FTS

pytestmark = pytest.mark.django_db


def selected_within(html: str) -> str:
    match = re.search(r'<option value="(\w+)" selected>', html)
    assert match, "no choice of what to look in is selected"
    return match.group(1)


def test_without_an_index_the_box_searches_subject_and_sender(alice, login):
    seed(alice)
    client = login(alice)
    response = client.get("/search/", {"q": "budget", "folder": "INBOX"})
    html = response.content.decode()
    # Not "Lunch?" (Budget Team is its recipient) nor "Holiday photos" (budget in the text).
    assert found(response) == ["Quarterly budget"]
    assert selected_within(html) == "sender"
    assert "no full-text index" in html
    assert found(client.get("/search/", {"q": "carol", "folder": "INBOX"})) == ["Quarterly budget"]


@pytest.mark.parametrize(
    ("within", "text", "expected"),
    [
        ("subject", "budget", ["Quarterly budget"]),
        ("subject", "carol", []),
        ("sender", "dave", ["Lunch?"]),
        ("headers", "budget", ["Lunch?", "Quarterly budget"]),
        ("all", "budget", ["Holiday photos", "Lunch?", "Quarterly budget"]),
    ],
)
def test_each_choice_looks_where_it_says(alice, login, within, text, expected):
    seed(alice)
    response = login(alice).get("/search/", {"q": text, "folder": "INBOX", "within": within})
    assert found(response) == expected
    assert selected_within(response.content.decode()) == within


def test_the_default_search_never_asks_the_server_for_the_text(alice, mail_server):
    seed(alice)
    mail = MailSession(alice.username, mail_server, lambda: alice.password)

    def criteria(conn: IMAPConnection) -> list[str]:
        results = run_search(conn, SearchQuery("INBOX", text="budget"), page_tree(conn), 1, 50)
        return results.query.criteria()

    sent = mail.run(criteria)
    assert "BODY" not in sent and "TEXT" not in sent
    assert sent == ["OR", "SUBJECT", "budget", "FROM", "budget"]


def test_a_large_folder_warns_before_and_after_a_text_search(alice, login, settings):
    seed(alice)  # four messages
    client = login(alice)
    settings.WEBMAIL_SEARCH_LARGE_FOLDER = 4
    form = client.get("/search/", {"folder": "INBOX"}).content.decode()
    assert "holds 4 messages: searching their text reads every one of them" in form
    searched = client.get("/search/", {"q": "budget", "folder": "INBOX", "within": "all"})
    assert "this search read every message of 4" in searched.content.decode()
    # Subject and sender only: the note, but nothing about having read every message.
    quick = client.get("/search/", {"q": "budget", "folder": "INBOX"}).content.decode()
    assert "read every message" not in quick
    settings.WEBMAIL_SEARCH_LARGE_FOLDER = 5
    small = client.get("/search/", {"folder": "INBOX"}).content.decode()
    assert "no full-text index" in small and "reads every one" not in small


def test_search_as_you_type_gets_only_the_summary_and_rows(alice, login):
    seed(alice)
    response = login(alice).get(
        "/search/", {"q": "budget", "folder": "INBOX"}, headers={"X-Search-Live": "1"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<div id="search-summary">' in html and '<tbody id="search-rows">' in html
    assert "<html" not in html and "search-box" not in html
    assert found(response) == ["Quarterly budget"]


def test_bob_searching_as_he_types_does_not_find_alices_mail(alice, bob, login):
    seed(alice)
    response = login(bob).get(
        "/search/", {"q": "budget", "within": "all"}, headers={"X-Search-Live": "1"}
    )
    assert found(response) == []


@pytest.fixture
def fts_server(dovecot_factory: Callable[..., Dovecot], settings, mail_server) -> Dovecot:
    """A Dovecot with full-text search (Xapian); the app points at it (after mail_server)."""
    del mail_server
    server = dovecot_factory(extra_config=XAPIAN_FTS)
    point_at(settings, server)
    return server


@pytest.fixture
def fts_user(fts_server: Dovecot):
    from tests.support.dovecot import _user_factory

    make, users = _user_factory(fts_server)
    user = make("frank")
    yield user
    for made in users:
        made.close()


def test_with_a_full_text_index_the_box_searches_everything(fts_server, fts_user, login):
    seed(fts_user)  # delivered by APPEND: indexed as it arrives (fts_autoindex)
    fts_user.append(
        "INBOX",
        make_message(subject="Minutes", text="The zeppelin budget was approved.", date=T0),
        when=T0 + timedelta(hours=1),
    )
    client = login(fts_user)
    response = client.get("/search/", {"q": "zeppelin", "folder": "INBOX"})
    html = response.content.decode()
    assert found(response) == ["Minutes"]
    assert selected_within(html) == "all"
    assert "no full-text index" not in html
    assert found(client.get("/search/", {"q": "budget", "folder": "INBOX"})) == [
        "Holiday photos",
        "Lunch?",
        "Minutes",
        "Quarterly budget",
    ]


def test_the_index_is_detected_from_the_capability(fts_server, fts_user, settings):
    mail = MailSession(fts_user.username, point_at(settings, fts_server), lambda: fts_user.password)
    assert mail.run(has_full_text_index)
    settings.WEBMAIL_SEARCH_INDEX = "no"
    assert not mail.run(has_full_text_index)


def test_a_server_without_the_capability_has_no_index(alice, mail_server, settings):
    mail = MailSession(alice.username, mail_server, lambda: alice.password)
    assert not mail.run(has_full_text_index)
    settings.WEBMAIL_SEARCH_INDEX = "yes"
    assert mail.run(has_full_text_index)
