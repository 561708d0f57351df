"""The reading pane through the views (issue 13): the list page with a message open (?msg=),
the splitter's size saved per user, and the layout setting (the list and search pages)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accounts.models import Preferences
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


def preview(html: str) -> str:
    return html[
        html.index('<section id="preview"') : html.index(
            "</section>", html.index('<section id="preview"')
        )
    ]


def test_a_list_address_with_msg_shows_that_message_in_the_preview(alice, login):
    uid = alice.append("INBOX", make_message(subject="Open me", date=T0), when=T0)
    alice.append("INBOX", make_message(subject="Other", date=T0 + timedelta(hours=1)))
    client = login(alice)
    html = client.get(f"/mail/INBOX/?msg={uid}").content.decode()
    pane = preview(html)
    assert '<h2 class="subject" dir="auto">Open me</h2>' in pane
    assert 'class="placeholder"' not in pane
    # Actions return to the list itself: never to an address that opens (and marks read) again.
    assert 'name="next" value="/mail/INBOX/"' in html
    assert f"msg={uid}" not in html.split('<section id="preview"')[0]


@pytest.mark.parametrize("msg", ["999", "abc", "-1", ""])
def test_a_missing_or_bad_msg_shows_the_placeholder(alice, login, msg):
    alice.append("INBOX", make_message(subject="Here", date=T0), when=T0)
    response = login(alice).get(f"/mail/INBOX/?msg={msg}")
    assert response.status_code == 200
    assert 'class="placeholder"' in preview(response.content.decode())


def test_msg_never_shows_another_users_message(alice, bob, login):
    uid = alice.append("INBOX", make_message(subject="Alice's secret", date=T0), when=T0)
    html = login(bob).get(f"/mail/INBOX/?msg={uid}").content.decode()
    assert "Alice's secret" not in html
    assert 'class="placeholder"' in preview(html)


def test_no_preview_layout_draws_no_preview_nor_splitter(alice, login):
    uid = alice.append("INBOX", make_message(subject="Open me", date=T0), when=T0)
    client = login(alice)
    client.post("/accounts/settings/display/", {"layout": "none", "page_size": "50"})
    assert Preferences.objects.get(user__username=alice.username).layout == "none"
    html = client.get(f"/mail/INBOX/?msg={uid}").content.decode()
    assert "pane-none" in html
    assert 'role="separator"' not in html
    assert "Open me</h2>" not in html


def test_the_splitter_size_is_saved_for_the_user_only(alice, bob, login):
    alice_client, bob_client = login(alice), login(bob)
    assert (
        alice_client.post(
            "/accounts/settings/panes/", {"layout": "right", "size": "40"}
        ).status_code
        == 204
    )
    assert (
        alice_client.post(
            "/accounts/settings/panes/", {"layout": "below", "size": "70"}
        ).status_code
        == 204
    )
    mine = Preferences.objects.get(user__username=alice.username)
    assert (mine.split_right, mine.split_below) == (40, 70)
    html = alice_client.get("/mail/INBOX/").content.decode()
    assert 'aria-valuenow="40"' in html
    theirs = bob_client.get("/mail/INBOX/").content.decode()
    assert 'aria-valuenow="58"' in theirs


@pytest.mark.parametrize(
    "data",
    [
        {"layout": "right", "size": "5"},
        {"layout": "right", "size": "95"},
        {"layout": "left", "size": "50"},
        {"layout": "right", "size": "x"},
        {},
    ],
)
def test_a_bad_splitter_size_is_refused(alice, login, data):
    client = login(alice)
    response = client.post("/accounts/settings/panes/", data)
    assert response.status_code == 400
    assert Preferences.objects.get(user__username=alice.username).split_right == 58


def test_the_splitter_needs_a_login_and_a_post(alice, login, client):
    assert (
        client.post("/accounts/settings/panes/", {"layout": "right", "size": "40"}).status_code
        == 302
    )
    assert login(alice).get("/accounts/settings/panes/").status_code == 405


def test_the_search_page_follows_the_layout_and_the_saved_size(alice, bob, login):
    alice.append("INBOX", make_message(subject="Budget memo", date=T0), when=T0)
    client = login(alice)
    client.post("/accounts/settings/panes/", {"layout": "right", "size": "40"})
    search = {"q": "budget", "folder": "INBOX"}
    html = client.get("/search/", search).content.decode()
    assert '<body class="app list-page pane-right">' in html
    assert 'data-layout="right"' in html and 'aria-valuenow="40"' in html
    assert "Budget memo</a>" in html and 'class="placeholder"' in preview(html)
    client.post("/accounts/settings/display/", {"layout": "below", "page_size": "50"})
    html = client.get("/search/", search).content.decode()
    assert '<body class="app list-page pane-below">' in html
    assert 'data-layout="below"' in html and 'aria-valuenow="45"' in html
    client.post("/accounts/settings/display/", {"layout": "none", "page_size": "50"})
    html = client.get("/search/", search).content.decode()
    assert '<body class="app list-page pane-none">' in html
    assert 'role="separator"' not in html
    # Another user finds none of it, and has the default size.
    theirs = login(bob).get("/search/", {"q": "budget", "scope": "all"}).content.decode()
    assert "Budget memo" not in theirs
    assert '<body class="app list-page pane-right">' in theirs and 'aria-valuenow="58"' in theirs
