"""The polling fallback /updates/<folder>/: the same events as the websocket, for one user."""

from __future__ import annotations

import pytest

from webmail.devmail.factories import make_message

pytestmark = pytest.mark.django_db


def events_of(response, kind):
    return [e for e in response.json()["events"] if e["kind"] == kind]


def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get("/updates/INBOX/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_new_rows_expunges_flags_and_counts_since_the_page(login, alice):
    kept = alice.append("INBOX", make_message(subject="kept"))
    gone = alice.append("INBOX", make_message(subject="gone"))
    client = login(alice)
    first = client.get("/updates/INBOX/").json()
    uidnext, uidvalidity = first["uidnext"], first["uidvalidity"]
    assert events_of(client.get("/updates/INBOX/"), "new") == []

    new = alice.append("INBOX", make_message(subject="Über <new>"))
    other = alice.client()
    other.select_folder("INBOX")
    other.add_flags([kept], ["\\Seen"])
    other.add_flags([gone], ["\\Deleted"])
    other.uid_expunge([gone])

    response = client.get(
        f"/updates/INBOX/?since={uidnext}&uidvalidity={uidvalidity}&uids={kept},{gone},junk"
    )
    assert response.status_code == 200
    (added,) = events_of(response, "new")
    assert [r["uid"] for r in added["rows"]] == [new]
    assert added["rows"][0]["subject"] == "Über <new>"
    # The row as the list draws it (mailview/render/rows.py), values escaped.
    assert f'<tr class="row unread" data-uid="{new}" draggable="true">' in added["html"]
    assert "Über &lt;new&gt;" in added["html"] and "<new>" not in added["html"]
    (expunged,) = events_of(response, "expunge")
    assert (expunged["folder"], expunged["uids"]) == ("INBOX", [gone])
    (flags,) = events_of(response, "flags")
    assert flags["changes"] == [{"uid": kept, "seen": True, "flagged": False, "answered": False}]
    assert f'<tr class="row" data-uid="{kept}" draggable="true">' in flags["html"]
    (counts,) = events_of(response, "counts")
    assert (counts["unseen"], counts["messages"]) == (1, 2)
    assert response.json()["uidnext"] == new + 1


def test_changed_uidvalidity_asks_for_a_reload(login, alice):
    client = login(alice)
    alice.append("INBOX", make_message(subject="after the reset"))
    response = client.get("/updates/INBOX/?since=1&uidvalidity=1")
    (reset,) = events_of(response, "reset")
    assert (reset["folder"], reset["uidvalidity"]) == ("INBOX", response.json()["uidvalidity"])
    # The page's rows afresh, as a page load draws them: the old UIDs mean nothing any more.
    assert "after the reset" in reset["tbody"] and reset["tbody"].count("<tr") == 1


def test_bob_cannot_poll_alices_folder(login, alice, bob):
    alice.create_folder("Private")
    alice.append("Private", make_message(subject="alice's secret"))
    response = login(bob).get("/updates/Private/?since=1")
    assert response.status_code == 404
    assert b"alice's secret" not in response.content


def test_invalid_folder_name_is_a_clear_error(login, alice):
    response = login(alice).get("/updates/bad%09name/")
    assert response.status_code == 400
    assert b"Traceback" not in response.content
