"""The search page keeps its frame between searches (mailview/views/kept.py: kept_frame): only the
form, the summary and the rows are drawn for each search, and what the frame shows (the folder
tree, the user, the settings) still renders it afresh when it changes."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from mailview.render.pages import CSRF_PLACEHOLDER, page_store
from tests.support.pages import list_subjects
from webmail.devmail.factories import make_message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_page_store")]


def search(client: Client, **query: str) -> tuple[str, bool]:
    """The search page for ``query``, and whether its frame was the kept one."""
    hits = page_store.hits
    response = client.get("/search/", {"folder": "INBOX", **query})
    assert response.status_code == 200
    return response.content.decode(), page_store.hits == hits + 1


def field(page: str, name: str) -> str:
    """The <input> (or <select>) named ``name`` as the page has it."""
    found = re.search(rf'<(?:input|select)[^>]* name="{name}"[^>]*>', page)
    assert found is not None, name
    return found.group(0)


def test_a_second_search_draws_only_its_own_parts_into_the_kept_frame(alice, login):
    alice.append("INBOX", make_message(subject="apple report"))
    alice.append("INBOX", make_message(subject="banana report"))
    client = login(alice)
    first, kept = search(client, q="apple")
    assert not kept
    assert list_subjects(first) == ["apple report"]
    second, kept = search(client, q="banana")
    assert kept
    assert list_subjects(second) == ["banana report"]
    assert 'value="banana"' in field(second, "q")
    assert "1–1 of 1" in second
    # Actions come back to this search, not the first one.
    assert '<input type="hidden" name="next" value="/search/?folder=INBOX&amp;q=banana">' in second
    assert "slot-" not in second and CSRF_PLACEHOLDER.decode() not in second
    (token,) = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', second))
    moved = client.post("/actions/", {"csrfmiddlewaretoken": token, "folder": "INBOX"})
    assert moved.status_code != 403


def test_the_form_shows_what_was_asked(alice, login):
    alice.append("INBOX", make_message(subject="apple"))
    client = login(alice)
    page, _kept = search(
        client,
        q='"quoted" <b>',
        within="headers",
        scope="all",
        since="2024-01-02",
        unread="on",
        larger="5",
        advanced="1",
    )
    box = re.search(r'value="([^"]*)"', field(page, "q"))
    assert box is not None and html.unescape(box.group(1)) == '"quoted" <b>'  # escaped
    assert '<option value="headers" selected>' in page
    assert page.count(" selected>") == 1
    assert re.search(r'<input type="radio" name="scope" value="all" id="id_scope_1" checked>', page)
    assert 'value="2024-01-02"' in field(page, "since")
    assert "value" not in field(page, "until")
    assert field(page, "unread").endswith(" checked>")
    assert "checked" not in field(page, "flagged")
    assert 'value="5"' in field(page, "larger") and "value" not in field(page, "smaller")
    assert '<details class="advanced" open>' in page
    # Without a choice, the box shows the server's default (no index here: subject and sender).
    plain, _kept = search(client, q="apple")
    assert '<option value="sender" selected>' in plain
    assert 'value="folder" id="id_scope_0" checked' in plain
    assert '<details class="advanced">' in plain


def test_another_user_or_session_never_gets_my_frame(alice, bob, login):
    alice.append("INBOX", make_message(subject="alice only"))
    bob.append("INBOX", make_message(subject="bob only"))
    alices = login(alice)
    search(alices, q="only")
    page, kept = search(login(bob), q="only")
    assert not kept
    assert html.escape(bob.username) in page and alice.username not in page
    assert list_subjects(page) == ["bob only"]
    _page, kept = search(login(alice), q="only")  # alice again, in another session
    assert not kept


def test_a_change_of_the_folder_tree_renders_the_frame_afresh(alice, login):
    alice.append("INBOX", make_message(subject="apple"))
    client = login(alice)
    search(client, q="apple")
    _page, kept = search(client, q="apple")
    assert kept
    assert client.post("/folders/create/", {"name": "Receipts", "parent": ""}).status_code == 302
    client.get("/mail/INBOX/")  # shows (and so uses up) the notice "Folder created"
    page, kept = search(client, q="pear")
    assert not kept
    assert 'data-folder="Receipts"' in page
    assert "No messages found" in page
