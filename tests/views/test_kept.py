"""An unchanged list page is served from what was rendered last time (mailview/views/kept.py),
and everything that changes what the page shows renders it afresh."""

from __future__ import annotations

import re
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone, translation

from accounts.models import Preferences
from mailview.render.pages import CSRF_PLACEHOLDER, fragment_store, page_store
from mailview.views.kept import request_inputs
from tests.support.pages import list_subjects
from webmail.devmail.factories import make_message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_page_store")]


def subjects(response) -> list[str]:
    return list_subjects(response.content.decode())


def csrf_values(response) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()))


def served_as_kept(client: Client, path: str = "/mail/INBOX/") -> tuple[object, bool]:
    hits = page_store.hits
    response = client.get(path)
    assert response.status_code == 200
    return response, page_store.hits == hits + 1


def test_an_unchanged_page_is_served_again_with_a_token_of_this_request(alice, login):
    alice.append("INBOX", make_message(subject="first"))
    client = login(alice)
    rendered, kept = served_as_kept(client)
    assert not kept
    again, kept = served_as_kept(client)
    assert kept
    assert subjects(again) == subjects(rendered) == ["first"]
    assert CSRF_PLACEHOLDER not in again.content
    (token,) = csrf_values(again)
    # The token works: an action posted with it is accepted.
    response = client.post(
        "/actions/", {"csrfmiddlewaretoken": token, "folder": "INBOX", "action": "read"}
    )
    assert response.status_code != 403
    # Apart from the token, the same bytes as the page rendered.
    strip = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub(b"", again.content) == strip.sub(b"", rendered.content)


def test_a_new_message_and_a_flag_changed_elsewhere_show_up(alice, login):
    uid = alice.append("INBOX", make_message(subject="first"))
    client = login(alice)
    client.get("/mail/INBOX/")
    assert served_as_kept(client)[1]
    alice.append("INBOX", make_message(subject="second"))  # another client delivers
    response, kept = served_as_kept(client)
    assert not kept and subjects(response) == ["second", "first"]
    assert served_as_kept(client)[1]
    with alice.client() as other:  # another client flags a message
        other.select_folder("INBOX")
        other.add_flags([uid], [b"\\Flagged"])
    response, kept = served_as_kept(client)
    assert not kept
    assert re.search(r'<tr class="row[^"]*flagged', response.content.decode())


def test_an_action_of_ours_shows_up(alice, login):
    uid = alice.append("INBOX", make_message(subject="unread one"))
    client = login(alice)
    page = client.get("/mail/INBOX/")
    assert 'class="row unread' in page.content.decode() or "unread" in page.content.decode()
    (token,) = csrf_values(served_as_kept(client)[0])
    client.post(
        "/actions/",
        {"csrfmiddlewaretoken": token, "folder": "INBOX", "action": "read", "uid": [uid]},
    )
    response, kept = served_as_kept(client)
    assert not kept
    assert not re.search(r'<tr class="row[^"]*unread', response.content.decode())


def test_a_settings_change_renders_afresh(alice, login):
    alice.append("INBOX", make_message(subject="first"))
    client = login(alice)
    client.get("/mail/INBOX/")
    assert served_as_kept(client)[1]
    prefs = Preferences.objects.get(user__username=alice.username)
    prefs.density = "compact"
    prefs.save()
    response, kept = served_as_kept(client)
    assert not kept and 'class="messages compact"' in response.content.decode()
    assert served_as_kept(client)[1]


def test_the_language_time_zone_and_day_are_in_the_inputs(alice, login, rf):
    client = login(alice)
    client.get("/mail/INBOX/")
    request = rf.get("/mail/INBOX/")
    request.session = client.session
    request.user = get_user_model().objects.get(username=alice.username)
    request.preferences = Preferences.for_user(request.user)
    with translation.override("en"):
        english = request_inputs(request)
    with translation.override("de"):
        german = request_inputs(request)
    assert english != german and "de" in german
    with timezone.override(zoneinfo.ZoneInfo("Pacific/Auckland")):
        assert "Pacific/Auckland" in request_inputs(request)
        assert timezone.localdate() in request_inputs(request)


def test_other_users_and_other_sessions_never_get_my_page(alice, bob, login):
    alice.append("INBOX", make_message(subject="for alice only"))
    bob.append("INBOX", make_message(subject="for bob"))
    mine = login(alice)
    mine.get("/mail/INBOX/")
    assert served_as_kept(mine)[1]
    theirs = login(bob)
    response, kept = served_as_kept(theirs)
    assert not kept and subjects(response) == ["for bob"]
    assert "for alice only" not in response.content.decode()
    # Bob asking for alice's folder path gets his own INBOX, never alice's kept page.
    assert served_as_kept(theirs)[1]
    assert "for alice only" not in theirs.get("/mail/INBOX/").content.decode()
    # Alice's second session renders its own page first (keyed by session).
    second = login(alice)
    assert not served_as_kept(second)[1]


def test_logging_out_forgets_the_logins_pages(alice, login):
    alice.append("INBOX", make_message(subject="first"))
    client = login(alice)
    client.get("/mail/INBOX/")
    assert len(page_store) == 1
    assert len(fragment_store) == 2  # the folder tree and the toolbar
    client.post("/accounts/logout/")
    assert len(page_store) == 0
    assert len(fragment_store) == 0


def drawn_fragments(client: Client, path: str) -> tuple[str, int]:
    """The page at ``path`` and how many of its shared pieces were drawn for it."""
    misses = fragment_store.misses
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode(), fragment_store.misses - misses


def test_the_folder_tree_and_toolbar_are_drawn_once_per_state(alice, login):
    alice.append("INBOX", make_message(subject="first"))
    alice.create_folder("Projects")
    client = login(alice)
    _page, drawn = drawn_fragments(client, "/mail/INBOX/")
    assert drawn == 2
    # Another page of the same folder: its own rows, the same tree and toolbar.
    page, drawn = drawn_fragments(client, "/mail/INBOX/?sort=subject")
    assert drawn == 0 and 'data-folder="Projects"' in page
    # Another folder: the tree marks another folder open, the toolbar offers another target.
    page, drawn = drawn_fragments(client, "/mail/Projects/")
    assert drawn == 2 and 'aria-current="page"' in page.split('data-folder="Projects"')[1][:200]
    # A new folder is a new tree.
    assert client.post("/folders/create/", {"name": "Receipts", "parent": ""}).status_code == 302
    client.get("/mail/INBOX/")  # shows (and so uses up) the notice "Folder created"
    page, drawn = drawn_fragments(client, "/mail/INBOX/?sort=size")
    assert drawn == 0 and 'data-folder="Receipts"' in page  # drawn by the request before


def test_another_user_never_gets_my_folder_tree(alice, bob, login):
    alice.create_folder("Alice private")
    login(alice).get("/mail/INBOX/")
    page, drawn = drawn_fragments(login(bob), "/mail/INBOX/")
    assert drawn == 2 and "Alice private" not in page


def test_the_store_stays_within_its_bytes(alice, login, settings):
    for i in range(3):
        alice.append("INBOX", make_message(subject=f"message {i}"))
    client = login(alice)
    size = len(client.get("/mail/INBOX/").content)
    page_store.set_limit(int(size * 1.5))
    try:
        client.get("/mail/INBOX/?sort=subject")
        assert len(page_store) == 1 and page_store.used <= page_store.limit
        page_store.set_limit(0)
        assert len(page_store) == 0
        client.get("/mail/INBOX/")
        assert len(page_store) == 0 and not served_as_kept(client)[1]
    finally:
        page_store.set_limit(settings.WEBMAIL_PAGE_CACHE_BYTES)


def test_a_message_opened_again_shows_flag_changes_and_its_removal(alice, bob, login):
    uid = alice.append("INBOX", make_message(subject="open me", text="the body text"))
    client = login(alice)
    url = f"/message/INBOX/{uid}/?pane=1"
    first = client.get(url)
    assert first.status_code == 200 and "the body text" in first.content.decode()
    again, kept = served_as_kept(client, url)
    assert kept and "the body text" in again.content.decode()
    assert "Edit draft" not in again.content.decode()
    with alice.client() as other:  # another client flags it as a draft
        other.select_folder("INBOX")
        other.add_flags([uid], [b"\\Draft"])
    response, kept = served_as_kept(client, url)
    assert not kept and "Edit draft" in response.content.decode()
    # Bob asking for the same path never gets alice's message.
    theirs = login(bob)
    assert theirs.get(url).status_code == 404
    with alice.client() as other:  # another client deletes it
        other.select_folder("INBOX")
        other.delete_messages([uid])
        other.expunge()
    assert client.get(url).status_code == 404
