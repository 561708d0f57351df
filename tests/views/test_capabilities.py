"""Every IMAP extension the app uses is optional: on a server that hides it, the same tour of
the app (list sorted three ways, search, conversations, reading, move with undo, delete to
Trash, the folder page, login) still works, or degrades as stated here.

Each row of docs/interoperability.md's "hidden X" part is one of these tests on one server.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.support.capabilities import EXTENSIONS
from tests.support.dovecot import MailUser
from tests.support.pages import list_subjects
from tests.support.servers import point_at
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
# Cyrus hides every extension too (suppress_capabilities), but IDLE: Cyrus 3.6 advertises IDLE
# whatever suppress_capabilities says, so the polling fallback is proven on Dovecot
# (tests/live/test_capabilities.py).
CYRUS_TOO = tuple(ext for ext in EXTENSIONS if ext != "IDLE")
CASES = [pytest.param(ext, "dovecot", id=f"{ext}-dovecot") for ext in EXTENSIONS] + [
    pytest.param(ext, "cyrus-alt", id=f"{ext}-cyrus-alt", marks=pytest.mark.cyrus)
    for ext in CYRUS_TOO
]


def subjects(html: str) -> list[str]:
    return [unescape(s) for s in list_subjects(html)]


def text_of(response) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


def tour(user: MailUser, extension: str) -> None:
    """What a user does in a session, asserted step by step."""
    mails = [
        ("Cherry pie", "Zed Last <zed@example.org>", 1),
        ("apple tart", "Amy First <amy@example.org>", 3),
        ("Banana bread", "Mo Middle <mo@example.org>", 2),
    ]
    uids = {}
    for subject, sender, hours in mails:
        uids[subject] = user.append(
            "INBOX",
            make_message(
                subject=subject,
                sender=sender,
                date=T0 + timedelta(hours=hours),
                message_id=f"<{hours}@example.org>",
                text=f"{subject} recipe, unique word w{hours}x\n",
            ),
            when=T0 + timedelta(hours=hours),
        )
    user.append(
        "INBOX",
        make_message(
            subject="Re: Cherry pie",
            sender="Zoe Reply <zoe@example.org>",
            date=T0 + timedelta(hours=4),
            in_reply_to="<1@example.org>",
            references=["<1@example.org>"],
        ),
        when=T0 + timedelta(hours=4),
    )
    user.create_folder("Work")
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": user.password}
    )
    assert response.status_code == 302, f"login without {extension}"

    # The list: newest first; by subject (case-insensitive, "Re:" ignored); by sender's name.
    assert subjects(client.get("/mail/INBOX/?view=list").content.decode()) == [
        "Re: Cherry pie",
        "apple tart",
        "Banana bread",
        "Cherry pie",
    ]
    by_subject = subjects(client.get("/mail/INBOX/?sort=subject&order=asc").content.decode())
    assert by_subject[:2] == ["apple tart", "Banana bread"], by_subject
    by_from = client.get("/mail/INBOX/?sort=from&order=asc")
    assert by_from.status_code == 200
    assert subjects(by_from.content.decode())[0] == "apple tart"  # Amy First

    # The folder counts (LIST-STATUS, or STATUS folder by folder without it).
    counts = {e["folder"]: e for e in client.get("/folder-counts/").json()["events"]}
    assert (counts["INBOX"]["messages"], counts["INBOX"]["unseen"]) == (4, 4)
    assert counts[user.folder("Work")]["messages"] == 0

    # Search, then conversations (the reply joins its original).
    found = client.get("/search/?q=w2x&within=all")  # a word of the text (issue 14: not by default)
    assert subjects(found.content.decode()) == ["Banana bread"]
    threads = client.get("/mail/INBOX/?view=threads").content.decode()
    assert 'title="Show the conversation">2</a>' in threads  # the reply joined its original
    client.get("/mail/INBOX/?view=list")

    # Reading.
    opened = client.get(f"/message/INBOX/{uids['apple tart']}/")
    assert opened.status_code == 200 and "apple tart recipe" in text_of(opened)

    # Move to Work, then undo; delete to Trash.
    moved = client.post(
        "/actions/",
        {
            "folder": "INBOX",
            "uid": [str(uids["Banana bread"])],
            "action": "move",
            "target": user.folder("Work"),
        },
        follow=True,
    )
    assert "Moved 1 message to Work." in text_of(moved)
    imap = user.client()
    assert imap.folder_status(user.folder("Work"), ["MESSAGES"])[b"MESSAGES"] == 1
    client.post("/actions/undo/", follow=True)
    assert imap.folder_status(user.folder("Work"), ["MESSAGES"])[b"MESSAGES"] == 0
    assert imap.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"] == 4
    client.post(
        "/actions/",
        {"folder": "INBOX", "uid": [str(uids["Cherry pie"])], "action": "delete"},
    )
    assert imap.folder_status(user.folder("Trash"), ["MESSAGES"])[b"MESSAGES"] == 1

    # The folder page: counts, Trash protected, the quota only where the server tells it.
    page = client.get("/folders/").content.decode()
    assert f'data-folder="{user.folder("Work")}"' in page
    if extension == "QUOTA":
        assert 'data-resource="STORAGE"' not in page

    # Import (APPEND with a literal: synchronizing without LITERAL+).
    upload = SimpleUploadedFile("note.eml", b"Subject: imported\r\n\r\nan imported note\r\n")
    imported = client.post("/folders/import/", {"folder": "INBOX", "files": [upload]})
    assert "1 message imported into INBOX." in text_of(imported)


@pytest.mark.interop("hidden {extension}")
@pytest.mark.parametrize(("extension", "kind"), CASES)
def test_the_app_works_without(kind, extension, server_without, mail_user_factory, settings):
    server = server_without(kind, extension)
    user = server_user(server, mail_user_factory)
    point_at(settings, server)
    assert extension.encode() not in user.client().capabilities()
    tour(user, extension)


def server_user(server, mail_user_factory) -> MailUser:
    """A user of ``server`` (a private instance, not the parametrized one)."""
    user = mail_user_factory("tour")
    server.add_user(user.username, user.password)
    user.dovecot = server
    return user
