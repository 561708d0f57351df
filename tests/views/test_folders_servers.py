"""Folder management on every server (Dovecot, Cyrus in both namespace modes): what broke on
Cyrus (issue 15) and what differs between servers, in the servers' own words."""

from __future__ import annotations

import re
import socket
from html import unescape

import pytest

from webmail.devmail.factories import make_message

pytestmark = [pytest.mark.django_db, pytest.mark.all_servers]


def listed(user) -> set[str]:
    return {name for _flags, _d, name in user.client().list_folders()}


def subscribed(user) -> set[str]:
    return {name for _f, _d, name in user.client().list_sub_folders()}


def notices(response) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.mark.interop('missing folder: "does not exist" (404)')
def test_a_missing_folder_is_not_found_on_every_server(alice, login):
    alice.create_folder("Gone")
    client = login(alice)
    assert f'data-folder="{alice.folder("Gone")}"' in client.get("/mail/INBOX/").content.decode()
    alice.client().delete_folder(alice.folder("Gone"))
    response = client.get(f"/mail/{alice.folder('Gone')}/")
    assert response.status_code == 404  # Cyrus: "NO Mailbox does not exist", no code
    assert "This folder does not exist (any more)." in response.content.decode()
    assert client.get("/mail/Never-There/").status_code == 404


@pytest.mark.interop("delete a folder with subfolders (bottom-up)")
def test_deleting_a_folder_with_subfolders_offers_to_delete_them_bottom_up(alice, login):
    alice.append("Parent", make_message(subject="p"))
    alice.append("Parent/Child", make_message(subject="c"))
    alice.create_folder("Parent/Child/Grandchild")
    client = login(alice)
    parent = alice.folder("Parent")
    # Without the subfolders: the server would refuse (Cyrus: NO [HASCHILDREN]) or leave them
    # behind (Dovecot); the app asks again, naming how many subfolders go too.
    response = client.post("/folders/delete/", {"folder": parent, "confirm": "1"})
    assert response.status_code == 200
    text = notices(response)
    assert "Delete folder?" in text and "its 2 subfolders" in text
    assert 'name="subfolders" value="1"' in response.content.decode()
    assert parent in listed(alice)
    response = client.post(
        "/folders/delete/", {"folder": parent, "confirm": "1", "subfolders": "1"}
    )
    assert response.status_code == 302
    left = listed(alice)
    assert (
        not {parent, alice.folder("Parent/Child"), alice.folder("Parent/Child/Grandchild")} & left
    )
    assert not any(name.startswith(parent) for name in subscribed(alice))


@pytest.mark.interop("rename a parent: subfolders stay subscribed")
def test_renaming_a_parent_keeps_its_subfolders_shown(alice, login):
    alice.append("Old", make_message(subject="kept"))
    alice.append("Old/Sub", make_message(subject="below"))
    alice.create_folder("Old/Sub/Deeper")
    client = login(alice)
    response = client.post(
        "/folders/rename/", {"folder": alice.folder("Old"), "name": "New"}, follow=True
    )
    assert "Folder renamed to New." in notices(response)
    subs = subscribed(alice)
    assert {alice.folder("New"), alice.folder("New/Sub"), alice.folder("New/Sub/Deeper")} <= subs
    assert not any(name.startswith(alice.folder("Old")) for name in subs)
    tree = client.get("/mail/INBOX/").content.decode()
    assert f'data-folder="{alice.folder("New/Sub/Deeper")}"' in tree


@pytest.mark.only_on("cyrus-alt", "cyrus-default", reason="Dovecot accepts ; ! | { in folder names")
@pytest.mark.interop("refused folder names: characters named")
def test_names_the_server_refuses_say_which_characters(alice, login):
    response = login(alice).post("/folders/create/", {"name": "a;b!c|d{e", "parent": ""})
    assert response.status_code == 400
    text = notices(response)
    assert "The mail server refused the characters ! ; { | in a folder name." in text
    assert alice.folder("a;b!c|d{e") not in listed(alice)


@pytest.mark.interop("display names without the namespace prefix")
def test_notices_and_lists_show_display_names_never_the_namespace_prefix(alice, login):
    uid = alice.append("INBOX", make_message(subject="to move"))
    alice.create_folder("Projects/2026")
    client = login(alice)
    response = client.post(
        "/actions/",
        {"folder": "INBOX", "uid": [str(uid)], "action": "move", "target": alice.folder("Trash")},
        follow=True,
    )
    text = notices(response)
    assert "Moved 1 message to Trash." in text
    assert "INBOX.Trash" not in text
    page = client.get("/mail/INBOX/").content.decode()
    # The Move/Copy picker: each option shows a display path and carries the server's name.
    options = [
        (name, label)
        for label, name in re.findall(r'<option value="([^"]*)" data-folder="([^"]*)"', page)
    ]
    assert (alice.folder("Projects/2026"), "Projects/2026") in options
    assert all(not label.startswith("INBOX.") for _value, label in options)
    response = client.post("/folders/create/", {"name": "Receipts", "parent": ""}, follow=True)
    assert "Folder Receipts created." in notices(response)
    export = client.get(f"/export/mbox/{alice.folder('Projects/2026')}/")
    assert 'filename="Projects-2026.mbox"' in export["Content-Disposition"]
    importing = client.get(f"/folders/import/?folder={alice.folder('Projects/2026')}")
    assert "Import into 2026" in notices(importing) or "Import into Projects/2026" in notices(
        importing
    )


def test_bob_cannot_delete_or_rename_alices_folders_on_any_server(alice, bob, login):
    alice.create_folder("Mine/Inner")
    bob_client = login(bob)
    bob_client.post(
        "/folders/delete/", {"folder": alice.folder("Mine"), "confirm": "1", "subfolders": "1"}
    )
    bob_client.post("/folders/rename/", {"folder": alice.folder("Mine"), "name": "Taken"})
    assert {alice.folder("Mine"), alice.folder("Mine/Inner")} <= listed(alice)


def unmark(server, user, folder: str) -> None:
    """Remove a folder's special-use marker (Cyrus keeps it as /private/specialuse)."""
    with socket.create_connection((server.host, server.imap_port), timeout=10) as sock:
        stream = sock.makefile("rwb")
        stream.readline()
        stream.write(f'a LOGIN "{user.username}" "{user.password}"\r\n'.encode())
        stream.write(f'b SETMETADATA "{folder}" (/private/specialuse NIL)\r\nc LOGOUT\r\n'.encode())
        stream.flush()
        answers = b""
        while not answers.startswith(b"c ") and b"\r\nc " not in answers:
            line = stream.readline()
            if not line:
                break
            answers += line
    assert b"b OK" in answers, answers


@pytest.mark.only_on(
    "cyrus-alt", "cyrus-default", reason="Dovecot's markers come from its config, not the user"
)
@pytest.mark.interop("roles found by name when the server has no markers")
def test_a_trash_without_its_marker_is_still_the_trash_everywhere(alice, login):
    uid = alice.append("INBOX", make_message(subject="bin me"))
    client = login(alice)
    client.get("/mail/INBOX/")  # the first login made the special folders
    unmark(alice.dovecot, alice, alice.folder("Trash"))
    flags = {name: flags for flags, _d, name in alice.client().list_folders()}
    assert not any(f.lower() == b"\\trash" for f in flags[alice.folder("Trash")])
    fresh = login(alice)
    tree = fresh.get("/mail/INBOX/").content.decode()
    trash = f'data-folder="{alice.folder("Trash")}"'
    assert re.search(trash + r'[^>]*>\s*<a[^>]*>\s*<svg class="icon role-trash"', tree)
    page = fresh.get("/folders/").content.decode()
    row = re.search(rf'<tr class="folder-row[^"]*" {re.escape(trash)}>.*?</tr>', page, re.S)
    assert row and "Delete" not in row.group(0) and "Rename" not in row.group(0)
    response = fresh.post(
        "/actions/", {"folder": "INBOX", "uid": [str(uid)], "action": "delete"}, follow=True
    )
    assert "Moved 1 message to Trash." in notices(response)
