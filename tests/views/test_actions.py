"""Actions on messages against the real servers (Dovecot, Cyrus in both namespace modes): flags,
move, copy, delete, undo, empty."""

from __future__ import annotations

import re

import pytest

from mailview.imap.client import IMAPConnection
from mailview.services import actions
from mailview.services.session import MailSession
from tests.support.dovecot import MailUser, _user_factory
from tests.support.servers import point_at
from webmail.devmail.factories import make_message

pytestmark = [pytest.mark.django_db, pytest.mark.all_servers]


def session_for(user: MailUser, server) -> MailSession:
    return MailSession(user.username, server, lambda: user.password)


def flags_of(user: MailUser, folder: str) -> dict[int, set[bytes]]:
    """Flags by UID in ``folder`` (a display path: "Trash" is "INBOX.Trash" on some servers)."""
    client = user.client()
    client.select_folder(user.folder(folder), readonly=True)
    flags = client.get_flags(client.search("ALL"))
    return {uid: set(f) - {b"\\Recent"} for uid, f in flags.items()}


def subjects_in(user: MailUser, folder: str) -> list[str]:
    client = user.client()
    client.select_folder(user.folder(folder), readonly=True)
    uids = client.search("ALL")
    if not uids:
        return []
    data = client.fetch(uids, ["ENVELOPE"])
    return sorted(data[u][b"ENVELOPE"].subject.decode() for u in uids)


def post(client, **data):
    return client.post("/actions/", data)


def test_mark_read_unread_flag_unflag_a_selection(alice, login):
    uids = [alice.append("INBOX", make_message(subject=f"m{i}")) for i in range(3)]
    client = login(alice)
    response = post(client, folder="INBOX", uid=uids[:2], action="read")
    assert response.status_code == 302
    assert response["Location"] == "/mail/INBOX/"
    flags = flags_of(alice, "INBOX")
    assert b"\\Seen" in flags[uids[0]] and b"\\Seen" in flags[uids[1]]
    assert b"\\Seen" not in flags[uids[2]]
    post(client, folder="INBOX", uid=[uids[1]], action="unread")
    post(client, folder="INBOX", uid=[uids[2]], action="flag")
    flags = flags_of(alice, "INBOX")
    assert b"\\Seen" not in flags[uids[1]]
    assert b"\\Flagged" in flags[uids[2]]
    post(client, folder="INBOX", uid=[uids[2]], action="unflag")
    assert b"\\Flagged" not in flags_of(alice, "INBOX")[uids[2]]
    # The list shows the change at once (rows are fetched fresh).
    html = client.get("/mail/INBOX/").content.decode()
    assert len(re.findall(r'<tr class="row unread', html)) == 2


def test_move_then_undo_puts_the_messages_back(alice, bob, login):
    alice.create_folder("Projects")
    uids = [alice.append("INBOX", make_message(subject=f"move {i}")) for i in range(3)]
    client = login(alice)
    client.get("/mail/INBOX/")  # the sorted order is now cached on the pooled connection
    response = post(
        client, folder="INBOX", uid=uids[:2], action="move", target=alice.folder("Projects")
    )
    assert response.status_code == 302
    assert subjects_in(alice, "INBOX") == ["move 2"]
    assert subjects_in(alice, "Projects") == ["move 0", "move 1"]
    listing = client.get("/mail/INBOX/").content.decode()
    assert "move 0" not in listing and "move 2" in listing
    assert "Moved 2 messages to Projects." in listing
    # Undo is a button inside the notice, and z has something to undo.
    notice = listing[listing.index('<div class="flash"') :]
    assert notice.index('class="undo-inline"') < notice.index("</div>")
    assert "data-can-undo" in listing
    # Another user has nothing to undo: alice's undo record is in alice's session.
    other = login(bob).post("/actions/undo/", follow=True).content.decode()
    assert "There is nothing to undo." in other
    assert subjects_in(alice, "Projects") == ["move 0", "move 1"]
    response = client.post("/actions/undo/", {"next": "/mail/INBOX/"})
    assert response.status_code == 302
    assert subjects_in(alice, "INBOX") == ["move 0", "move 1", "move 2"]
    assert subjects_in(alice, "Projects") == []
    after = client.get("/mail/INBOX/").content.decode()
    assert "Undone: 2 messages back." in after
    assert "data-can-undo" not in after and "undo-inline" not in after
    again = client.post("/actions/undo/", follow=True).content.decode()
    assert "There is nothing to undo." in again


@pytest.mark.all_servers
def test_the_folder_picker_shows_and_takes_display_paths(alice, bob, login):
    """On Cyrus's default namespace the picker offered "INBOX.Projects.Apollo": users see and
    type "Projects/Apollo"; the server maps it back (a server name, from drag and drop, too)."""
    alice.create_folder("Projects/Apollo")
    uids = [alice.append("INBOX", make_message(subject=f"pick {i}")) for i in range(2)]
    client = login(alice)
    html = client.get("/mail/INBOX/").content.decode()
    picker = html[html.index('<datalist id="move-folders">') :]
    values = re.findall(r'<option value="([^"]*)"', picker[: picker.index("</datalist>")])
    assert "Projects/Apollo" in values
    assert "Trash" in values
    assert not [v for v in values if v.startswith("INBOX.") or "." in v]
    response = post(client, folder="INBOX", uid=uids[:1], action="move", target="Projects/Apollo")
    assert response.status_code == 302
    assert subjects_in(alice, "Projects/Apollo") == ["pick 0"]
    assert "Moved 1 message to Projects/Apollo." in client.get("/mail/INBOX/").content.decode()
    post(
        client, folder="INBOX", uid=uids[1:], action="copy", target=alice.folder("Projects/Apollo")
    )
    assert subjects_in(alice, "Projects/Apollo") == ["pick 0", "pick 1"]
    # Another user's picker knows only their own folders.
    assert "Projects/Apollo" not in login(bob).get("/mail/INBOX/").content.decode()


def test_move_without_the_move_extension_copies_and_expunges(alice, mail_server):
    alice.create_folder("Elsewhere")
    keep = alice.append("INBOX", make_message(subject="stays"))
    go = alice.append("INBOX", make_message(subject="goes"))
    mail = session_for(alice, mail_server)

    def run(conn: IMAPConnection):
        conn._capabilities = conn.capabilities - {"MOVE"}
        conn.select("INBOX")
        return conn.move_messages([go], alice.folder("Elsewhere"))

    result = mail.run(run, retry=False)
    assert result.uidvalidity is not None and set(result.uids) == {go}
    assert subjects_in(alice, "INBOX") == ["stays"]
    assert subjects_in(alice, "Elsewhere") == ["goes"]
    assert keep in flags_of(alice, "INBOX")

    # The new UID from COPYUID is the message in the target: moving it back works.
    def back(conn: IMAPConnection):
        conn.select(alice.folder("Elsewhere"))
        return conn.move_messages(list(result.uids.values()), "INBOX")

    assert mail.run(back, retry=False).uids
    assert subjects_in(alice, "INBOX") == ["goes", "stays"]


def test_copy_keeps_the_original(alice, login):
    alice.create_folder("Copies")
    uid = alice.append("INBOX", make_message(subject="twice"))
    post(login(alice), folder="INBOX", uid=[uid], action="copy", target=alice.folder("Copies"))
    assert subjects_in(alice, "INBOX") == ["twice"]
    assert subjects_in(alice, "Copies") == ["twice"]


def test_delete_moves_to_trash_and_undo_restores(alice, login):
    uid = alice.append("INBOX", make_message(subject="oops"))
    client = login(alice)
    post(client, folder="INBOX", uid=[uid], action="delete")
    assert subjects_in(alice, "INBOX") == []
    assert subjects_in(alice, "Trash") == ["oops"]
    client.post("/actions/undo/")
    assert subjects_in(alice, "INBOX") == ["oops"]
    assert subjects_in(alice, "Trash") == []


def test_delete_in_trash_asks_first_then_deletes_for_good(alice, login):
    uid = alice.append("Trash", make_message(subject="garbage"))
    client = login(alice)
    trash = alice.folder("Trash")
    response = post(client, folder=trash, uid=[uid], action="delete", next=f"/mail/{trash}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Delete for good?" in html
    assert 'name="confirm" value="1"' in html
    assert subjects_in(alice, "Trash") == ["garbage"]  # nothing happened yet
    response = post(
        client, folder=trash, uid=[uid], action="delete", next=f"/mail/{trash}/", confirm="1"
    )
    assert response.status_code == 302
    assert subjects_in(alice, "Trash") == []
    # A permanent delete cannot be undone.
    page = client.get(f"/mail/{trash}/").content.decode()
    assert "data-can-undo" not in page and "undo-inline" not in page


def test_delete_setting_delete_permanently_asks_first(alice, login):
    from accounts.models import Preferences

    uid = alice.append("INBOX", make_message(subject="bye"))
    client = login(alice)
    prefs = Preferences.objects.get(user__username=alice.username)
    prefs.delete_action = "delete"
    prefs.save()
    assert post(client, folder="INBOX", uid=[uid], action="delete").status_code == 200
    assert subjects_in(alice, "INBOX") == ["bye"]
    post(client, folder="INBOX", uid=[uid], action="delete", confirm="1")
    assert subjects_in(alice, "INBOX") == []
    assert subjects_in(alice, "Trash") == []


def test_archive_junk_and_not_junk(alice, login):
    a = alice.append("INBOX", make_message(subject="keep for later"))
    j = alice.append("INBOX", make_message(subject="buy pills"))
    client = login(alice)
    post(client, folder="INBOX", uid=[a], action="archive")
    post(client, folder="INBOX", uid=[j], action="junk")
    assert subjects_in(alice, "Archive") == ["keep for later"]
    assert subjects_in(alice, "Junk") == ["buy pills"]
    assert any(b"$Junk" in f for f in flags_of(alice, "Junk").values())
    junk_uid = next(iter(flags_of(alice, "Junk")))
    post(client, folder=alice.folder("Junk"), uid=[junk_uid], action="notjunk")
    assert subjects_in(alice, "INBOX") == ["buy pills"]
    assert any(b"$NotJunk" in f for f in flags_of(alice, "INBOX").values())


def test_empty_trash_and_junk_after_confirmation(alice, login):
    for i in range(3):
        alice.append("Trash", make_message(subject=f"t{i}"))
    alice.append("INBOX", make_message(subject="inbox stays"))
    client = login(alice)
    trash = alice.folder("Trash")
    listing = client.get(f"/mail/{trash}/").content.decode()
    assert 'form="empty-form"' in listing
    assert 'form="empty-form"' not in client.get("/mail/INBOX/").content.decode()
    response = client.post("/actions/empty/", {"folder": trash})
    assert response.status_code == 200 and "Empty this folder?" in response.content.decode()
    assert len(subjects_in(alice, "Trash")) == 3
    client.post("/actions/empty/", {"folder": trash, "confirm": "1"})
    assert subjects_in(alice, "Trash") == []
    # Only Trash and Junk can be emptied.
    response = client.post("/actions/empty/", {"folder": "INBOX", "confirm": "1"})
    assert response.status_code == 400
    assert subjects_in(alice, "INBOX") == ["inbox stays"]


@pytest.mark.only_on("dovecot", reason="a private Dovecot configured without an Archive folder")
def test_special_folder_is_created_on_first_need(dovecot_factory, settings, db, login):
    server = dovecot_factory(
        extra_config="namespace inbox {\n  mailbox Archive {\n    auto = no\n"
        "    special_use =\n  }\n}\n"
    )
    point_at(settings, server)
    make, _users = _user_factory(server)
    carol = make("carol")
    uid = carol.append("INBOX", make_message(subject="to archive"))
    names = [name for _f, _d, name in carol.client().list_folders()]
    assert "Archive" not in names
    post(login(carol), folder="INBOX", uid=[uid], action="archive")
    client = carol.client()
    listed = {name: flags for flags, _d, name in client.list_folders()}
    assert "Archive" in listed
    assert "Archive" in [name for _f, _d, name in client.list_sub_folders()]
    assert subjects_in(carol, "Archive") == ["to archive"]
    carol.close()


def test_search_results_selection_spans_folders(alice, login):
    alice.create_folder("Other")
    a = alice.append("INBOX", make_message(subject="x1"))
    b = alice.append("Other", make_message(subject="x2"))
    other = alice.folder("Other")
    post(login(alice), m=[f"INBOX/{a}", f"{other}/{b}"], action="flag", next="/search/?q=x")
    assert b"\\Flagged" in flags_of(alice, "INBOX")[a]
    assert b"\\Flagged" in flags_of(alice, "Other")[b]


@pytest.mark.parametrize(
    "data",
    [
        {"folder": "INBOX", "action": "read"},  # nothing selected
        {"folder": "INBOX", "uid": ["abc"], "action": "read"},
        {"folder": "INBOX", "uid": ["-4"], "action": "read"},
        {"folder": "INBOX", "uid": ["1"], "action": "explode"},
        {"folder": "INBOX", "uid": ["1"], "action": "move"},  # no target
        {"folder": "INBOX\r\nA1 LOGOUT", "uid": ["1"], "action": "read"},
        {"folder": "INBOX", "uid": ["1"], "action": "move", "target": "X\r\nA1 DELETE INBOX"},
        {"folder": "INBOX", "uid": ["1"], "action": "move", "target": "INBOX"},
    ],
)
def test_bad_requests_get_a_clear_message(alice, login, data):
    uid = alice.append("INBOX", make_message(subject="safe"))
    assert uid == 1
    response = login(alice).post("/actions/", data)
    assert response.status_code == 400
    assert b"Traceback" not in response.content
    assert subjects_in(alice, "INBOX") == ["safe"]
    assert b"\\Seen" not in flags_of(alice, "INBOX")[uid]


def test_next_must_stay_on_this_site(alice, login):
    uid = alice.append("INBOX", make_message())
    response = post(
        login(alice), folder="INBOX", uid=[uid], action="read", next="https://evil.example/"
    )
    assert response["Location"] == "/mail/INBOX/"


def test_actions_need_post_and_login(alice, login, client):
    assert client.post("/actions/", {"folder": "INBOX", "uid": "1", "action": "read"})[
        "Location"
    ].startswith("/accounts/login/")
    assert login(alice).get("/actions/").status_code == 405


def test_bob_cannot_touch_alices_messages(alice, bob, login):
    uid = alice.append("INBOX", make_message(subject="alice's"))
    bob_client = login(bob)
    for action in ("read", "flag", "delete", "archive"):
        post(bob_client, folder="INBOX", uid=[uid], action=action)
    bob_client.post("/actions/empty/", {"folder": bob.folder("Trash"), "confirm": "1"})
    assert subjects_in(alice, "INBOX") == ["alice's"]
    assert flags_of(alice, "INBOX")[uid] == set()
    # Bob's undo record, if any, is his own: it never moves alice's messages.
    bob_client.post("/actions/undo/")
    assert subjects_in(alice, "INBOX") == ["alice's"]


def test_undo_record_survives_only_in_its_own_session(alice, login):
    uid = alice.append("INBOX", make_message(subject="once"))
    first = login(alice)
    post(first, folder="INBOX", uid=[uid], action="delete")
    second = login(alice)
    second.post("/actions/undo/")
    assert subjects_in(alice, "Trash") == ["once"]
    first.post("/actions/undo/")
    assert subjects_in(alice, "INBOX") == ["once"]


def test_parse_selection_rejects_garbage():
    with pytest.raises(actions.ActionRefused):
        actions.parse_selection("INBOX", [], [])
    with pytest.raises(actions.ActionRefused):
        actions.parse_selection(None, ["1"], [])
    assert actions.parse_selection("INBOX", ["3", "3", "4"], ["A/B/7"]) == {
        "INBOX": [3, 4],
        "A/B": [7],
    }


def test_open_message_page_has_the_actions_and_leaves_after_a_move(alice, login):
    uid = alice.append("INBOX", make_message(subject="open me"))
    client = login(alice)
    page = client.get(f"/message/INBOX/{uid}/").content.decode()
    assert 'class="message-actions toolbar"' in page
    assert f'href="/export/eml/INBOX/{uid}/"' in page
    response = post(client, folder="INBOX", uid=[uid], action="flag", next=f"/message/INBOX/{uid}/")
    assert response["Location"] == f"/message/INBOX/{uid}/"
    response = post(
        client, folder="INBOX", uid=[uid], action="archive", next=f"/message/INBOX/{uid}/"
    )
    assert response["Location"] == "/mail/INBOX/"  # the message is gone from this folder
    assert subjects_in(alice, "Archive") == ["open me"]
