"""Folder management against the real servers (Dovecot, Cyrus in both namespace modes): create,
rename, delete, subscribe, quota. Names are display paths turned into the server's own names
(``alice.folder``)."""

from __future__ import annotations

import re

import pytest

from webmail.devmail.factories import make_message

pytestmark = [pytest.mark.django_db, pytest.mark.all_servers]


def listed(user) -> dict[str, set[bytes]]:
    return {name: set(flags) for flags, _d, name in user.client().list_folders()}


def subscribed(user) -> set[str]:
    return {name for _f, _d, name in user.client().list_sub_folders()}


def test_page_lists_every_folder_with_counts_and_quota(alice, login):
    alice.append("INBOX", make_message(subject="one"))
    alice.create_folder("Projects/2026")
    client = alice.client()
    client.create_folder(alice.folder("Hidden"))  # not subscribed
    html = login(alice).get("/folders/").content.decode()
    for name in ("INBOX", "Projects", "Projects/2026", "Hidden", "Trash"):
        assert f'data-folder="{alice.folder(name)}"' in html, name
    assert re.search(rf'data-folder="{alice.folder("Hidden")}".*?>Show</button>', html, re.S)
    assert re.search(rf'data-folder="{alice.folder("Projects")}".*?>Hide</button>', html, re.S)
    # The quota (1 GB in both test servers' config) is reported through GETQUOTAROOT.
    assert 'data-resource="STORAGE"' in html
    assert "of 1,048,576 KB used" in html
    # Special folders cannot be renamed or deleted from here.
    trash = re.escape(alice.folder("Trash"))
    trash_row = re.search(
        rf'<tr class="folder-row[^"]*" data-folder="{trash}">.*?</tr>', html, re.S
    )
    assert "Rename" not in trash_row.group(0) and "Delete" not in trash_row.group(0)


def test_create_top_level_and_nested(alice, login):
    client = login(alice)
    response = client.post("/folders/create/", {"name": "Receipts", "parent": ""})
    assert response.status_code == 302
    receipts, nested = alice.folder("Receipts"), alice.folder("Receipts/2026 ünïcödé")
    client.post("/folders/create/", {"name": "2026 ünïcödé", "parent": receipts})
    names = listed(alice)
    assert receipts in names and nested in names
    assert {receipts, nested} <= subscribed(alice)
    tree = client.get("/mail/INBOX/").content.decode()
    assert f'data-folder="{nested}"' in tree


@pytest.mark.parametrize(
    ("name", "parent", "message"),
    [
        ("", "", "Give the folder a name."),
        ("a{separator}b", "", "cannot contain"),  # the server's hierarchy separator
        ("INBOX", "", "This name is reserved."),
        ("x\r\nA1 DELETE INBOX", "", "This folder name is not valid."),
        ("Child", "Nope", "The parent folder does not exist."),
        ("Dup", "", "A folder with this name already exists."),
    ],
)
def test_create_refuses_bad_names_clearly(alice, login, name, parent, message):
    alice.create_folder("Dup")
    name = name.format(separator=alice.client().namespace().personal[0][1] or "/")
    parent = alice.folder(parent) if parent else ""
    response = login(alice).post("/folders/create/", {"name": name, "parent": parent})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert "INBOX" in listed(alice)


def test_rename_keeps_messages_and_subfolders(alice, login):
    alice.append("Old", make_message(subject="kept"))
    alice.create_folder("Old/Sub")
    client = login(alice)
    f = alice.folder
    response = client.post("/folders/rename/", {"folder": f("Old"), "name": "New"})
    assert response.status_code == 302
    names = listed(alice)
    assert f("Old") not in names and f("New") in names and f("New/Sub") in names
    assert f("New") in subscribed(alice)
    imap = alice.client()
    imap.select_folder(f("New"))
    assert len(imap.search("ALL")) == 1
    # Renaming a nested folder keeps it under its parent.
    client.post("/folders/rename/", {"folder": f("New/Sub"), "name": "Renamed"})
    assert f("New/Renamed") in listed(alice)


def test_rename_and_delete_refuse_inbox_and_special_folders(alice, login):
    client = login(alice)
    folders = [alice.folder(name) for name in ("INBOX", "Trash", "Sent")]
    for folder in folders:
        assert client.post("/folders/rename/", {"folder": folder, "name": "X"}).status_code == 400
        response = client.post("/folders/delete/", {"folder": folder, "confirm": "1"})
        assert response.status_code == 400
    assert set(folders) <= set(listed(alice))


def test_delete_asks_for_confirmation_first(alice, login):
    alice.append("Doomed", make_message(subject="bye"))
    doomed = alice.folder("Doomed")
    client = login(alice)
    response = client.post("/folders/delete/", {"folder": doomed})
    assert response.status_code == 200
    assert "Delete folder?" in response.content.decode()
    assert doomed in listed(alice)
    response = client.post("/folders/delete/", {"folder": doomed, "confirm": "1"})
    assert response.status_code == 302
    assert doomed not in listed(alice)
    # Deleting it again: a clear message.
    response = client.post("/folders/delete/", {"folder": doomed, "confirm": "1"})
    assert response.status_code == 400
    assert "does not exist" in response.content.decode()


def test_subscribe_and_unsubscribe(alice, login):
    alice.create_folder("Lists")
    lists = alice.folder("Lists")
    client = login(alice)
    client.post("/folders/subscribe/", {"folder": lists, "subscribed": "0"})
    assert lists not in subscribed(alice)
    assert f'data-folder="{lists}"' not in client.get("/mail/INBOX/").content.decode()
    client.post("/folders/subscribe/", {"folder": lists, "subscribed": "1"})
    assert lists in subscribed(alice)
    assert f'data-folder="{lists}"' in client.get("/mail/INBOX/").content.decode()


def test_bob_cannot_change_alices_folders(alice, bob, login):
    alice.create_folder("Private")
    alice.append("Private", make_message(subject="secret"))
    private = alice.folder("Private")
    bob_client = login(bob)
    assert f'data-folder="{private}"' not in bob_client.get("/folders/").content.decode()
    bob_client.post("/folders/delete/", {"folder": private, "confirm": "1"})
    bob_client.post("/folders/rename/", {"folder": private, "name": "Mine"})
    bob_client.post("/folders/subscribe/", {"folder": private, "subscribed": "0"})
    assert private in listed(alice) and private in subscribed(alice)


def test_folder_admin_needs_login_and_post(alice, login, client):
    for url in ("/folders/", "/folders/create/", "/folders/import/"):
        assert client.get(url)["Location"].startswith("/accounts/login/")
    assert login(alice).get("/folders/create/").status_code == 405
