"""Sharing a folder with IMAP ACL (RFC 4314) on every server that has it: a Dovecot with the acl
plugin and a shared namespace (``shared/<user>/``), and Cyrus (native ACLs) in both namespace
modes (``Other Users/<user>/`` with altnamespace, ``user.<user>.`` by default): alice shares,
bob reads, cannot delete without the right, gets it, deletes; alice revokes. Move and Copy
targets and the message page's actions follow the rights (MYRIGHTS)."""

from __future__ import annotations

import re
import secrets
import shutil
import uuid
from collections.abc import Iterator
from html import unescape

import pytest
from django.test import Client

from mailview.imap.acl import normalize, preset_of
from mailview.imap.errors import CommandFailed
from tests.support.cyrus import ImapServer
from tests.support.dovecot import MailUser, make_dovecot_root
from tests.support.servers import point_at
from webmail.devmail.acl import acl_config
from webmail.devmail.cyrus import Cyrus
from webmail.devmail.dovecot import Dovecot, connect
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.django_db

SERVERS = [
    pytest.param("dovecot", id="dovecot"),
    pytest.param("cyrus-alt", id="cyrus-alt", marks=pytest.mark.cyrus),
    pytest.param("cyrus-default", id="cyrus-default", marks=pytest.mark.cyrus),
]


def test_obsolete_rfc2086_letters_are_understood() -> None:
    assert normalize("lrswicda") == "lrswikxtea"
    assert preset_of("lrswipcda") == "full"
    assert preset_of("lrswipted") == "read_write"
    assert preset_of("lr") == ""
    assert normalize("lrswipkxtecdan") == "lrswipkxtea"  # Cyrus' owner rights


@pytest.fixture(scope="module")
def acl_dovecot() -> Iterator[Dovecot]:
    """One Dovecot per module with the acl plugin and the shared namespace (the config names
    the instance's mail directory, known before it is written); users are made per test."""
    server = Dovecot(make_dovecot_root())
    server.extra_config = acl_config(server.mail_dir)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture(params=SERVERS)
def acl_server(request: pytest.FixtureRequest, settings: object) -> ImapServer:
    """Each server with ACLs in turn (the Cyrus ones are the session's), the app pointed at it."""
    name = request.param
    fixture = {"dovecot": "acl_dovecot", "cyrus-alt": "cyrus_alt"}.get(name, "cyrus_default")
    server: ImapServer = request.getfixturevalue(fixture)
    point_at(settings, server)  # type: ignore[arg-type]
    return server


def user(server: ImapServer, name: str) -> MailUser:
    u = MailUser(f"{name}-{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(12), server)
    server.add_user(u.username, u.password)
    return u


def shared_name(owner: MailUser, path: str) -> str:
    """How ``owner``'s folder ``path`` is named for the users it is shared with (the server's
    other-users namespace)."""
    server = owner.dovecot
    if isinstance(server, Cyrus):
        if server.altnamespace:
            return f"Other Users/{owner.username}/{path}"
        return f"user.{owner.username}.{path.replace('/', '.')}"
    return f"shared/{owner.username}/{path}"


def log_in(u: MailUser) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": u.username, "password": u.password})
    assert response.status_code == 302, response.content[:2000]
    return client


def text_of(response: object) -> str:
    html = response.content.decode()  # type: ignore[attr-defined]
    return unescape(re.sub(r"<[^>]+>", " ", html))


def move_targets(html: str) -> set[str]:
    """The folders offered by Move/Copy (the list's datalist or the message page's select)."""
    found: set[str] = set()
    for block in re.findall(r'<datalist id="move-folders">(.*?)</datalist>', html, re.S):
        # The list's picker shows display paths; each option carries the server's name.
        found |= set(re.findall(r'<option value="[^"]*" data-folder="([^"]*)"', block))
    for block in re.findall(r'<select name="target">(.*?)</select>', html, re.S):
        found |= set(re.findall(r'<option value="([^"]*)"', block))
    return {unescape(name) for name in found}


@pytest.mark.interop("sharing (ACL): bob reads, gets the right to delete, loses access")
def test_share_read_then_write_then_revoke(acl_server: ImapServer) -> None:
    alice, bob = user(acl_server, "alice"), user(acl_server, "bob")
    alice.create_folder("Team")
    team = alice.folder("Team")
    uid = alice.append("Team", make_message(subject="Plan for Q1"))
    shared = shared_name(alice, "Team")
    as_alice, as_bob = log_in(alice), log_in(bob)

    page = as_alice.get(f"/folders/share/?folder={team}").content.decode()
    assert "Only you." in page
    response = as_alice.post(
        "/folders/share/", {"folder": team, "login": bob.username, "preset": "read"}
    )
    assert response.status_code == 302
    page = as_alice.get(f"/folders/share/?folder={team}").content.decode()
    assert f'data-login="{bob.username}"' in page and "<code>lrs</code>" in page

    assert "Plan for Q1" in as_bob.get(f"/mail/{shared}/").content.decode()
    assert as_bob.get(f"/message/{shared}/{uid}/").status_code == 200
    conn = connect(acl_server, bob.username, bob.password)  # type: ignore[arg-type]
    try:
        assert conn.my_rights(shared) == "lrs"
        with pytest.raises(CommandFailed):  # NOPERM: reading the ACL needs the "a" right
            conn.get_acl(shared)
    finally:
        conn.logout()
    # Bob may not share alice's folder on.
    assert (
        "You cannot share this folder"
        in as_bob.get(f"/folders/share/?folder={shared}").content.decode()
    )

    delete = {"folder": shared, "uid": str(uid), "action": "delete", "confirm": "1"}
    refused = as_bob.post("/actions/", delete)
    assert refused.status_code in (302, 400, 403, 502)
    client = alice.client()
    client.select_folder(team, readonly=True)
    assert client.search("ALL") == [uid]

    as_alice.post(
        "/folders/share/", {"folder": team, "login": bob.username, "preset": "read_write"}
    )
    allowed = as_bob.post("/actions/", delete)
    assert allowed.status_code == 302, allowed.content.decode()[-1500:]
    client.noop()
    client.select_folder(team, readonly=True)
    assert client.search("NOT DELETED") == []

    as_alice.post("/folders/share/", {"folder": team, "login": bob.username, "action": "remove"})
    assert "Only you." in as_alice.get(f"/folders/share/?folder={team}").content.decode()
    gone = as_bob.get(f"/mail/{shared}/")
    assert gone.status_code in (403, 404)


@pytest.mark.interop("shared without insert right: no Move/Copy target; message actions")
def test_targets_and_message_actions_follow_the_rights(acl_server: ImapServer) -> None:
    """A folder shared without the insert right is never offered for Move or Copy (and the
    server's refusal of one forced through is reported); the message page shows only the
    actions MYRIGHTS allow, with the reason, like the list's toolbar."""
    alice, bob = user(acl_server, "alice"), user(acl_server, "bob")
    alice.create_folder("Team")
    team, shared = alice.folder("Team"), shared_name(alice, "Team")
    theirs = alice.append("Team", make_message(subject="Shared plan"))
    mine = bob.append("INBOX", make_message(subject="Bob's own"))
    bob.create_folder("Keep")
    as_alice, as_bob = log_in(alice), log_in(bob)
    as_alice.post("/folders/share/", {"folder": team, "login": bob.username, "preset": "read"})
    as_bob.post("/folders/subscribe/", {"folder": shared, "subscribed": "1"})
    as_bob.get("/folder-counts/")  # the tree (and the rights kept with it) asked afresh

    inbox = as_bob.get("/mail/INBOX/").content.decode()
    assert f'data-folder="{shared}" data-no-drop' in inbox  # in the tree (no drop target)...
    targets = move_targets(inbox)
    assert bob.folder("Keep") in targets and shared not in targets  # ...but no target
    own = as_bob.get(f"/message/INBOX/{mine}/").content.decode()
    assert shared not in move_targets(own) and bob.folder("Keep") in move_targets(own)
    for action in ("delete", "move", "archive", "flag", "unread"):
        assert f'name="action" value="{action}"' in own, action
    assert "rights-note" not in own
    assert "rights-note" not in inbox
    listing = as_bob.get(f"/mail/{shared}/")  # the list says why its toolbar is short too
    assert "the owner of this shared folder has not given you the right" in text_of(listing)
    for view in ("list", "threads"):  # the plain list and the conversations
        page = as_bob.get(f"/mail/{shared}/?view={view}").content.decode()
        assert 'name="action" value="delete"' not in page, view
        assert 'name="action" value="read"' in page, view

    # Read-only ("lrs"): mark read/unread and copy out, nothing that changes or removes.
    response = as_bob.get(f"/message/{shared}/{theirs}/")
    html = response.content.decode()
    assert response.status_code == 200 and "Shared plan" in html
    for action in ("delete", "move", "archive", "junk", "flag", "unflag"):
        assert f'name="action" value="{action}"' not in html, action
    assert 'name="action" value="unread"' in html and 'name="action" value="copy"' in html
    assert "the owner of this shared folder has not given you the right" in text_of(response)

    # Forced through (an old page, a crafted request): the server refuses, the app says so.
    copy = {"folder": "INBOX", "uid": str(mine), "action": "copy", "target": shared}
    refused = as_bob.post("/actions/", copy)
    assert refused.status_code == 403
    assert "You do not have the right to do this in this folder" in text_of(refused)
    client = alice.client()
    client.select_folder(team, readonly=True)
    assert client.search("ALL") == [theirs]

    # Read and write ("lrswipte"): a target, and every action on the message page.
    as_alice.post(
        "/folders/share/", {"folder": team, "login": bob.username, "preset": "read_write"}
    )
    as_bob.get("/folder-counts/")
    inbox = as_bob.get("/mail/INBOX/").content.decode()
    assert shared in move_targets(inbox) and f'data-folder="{shared}" data-no-drop' not in inbox
    html = as_bob.get(f"/message/{shared}/{theirs}/").content.decode()
    for action in ("delete", "move", "archive", "flag", "unread"):
        assert f'name="action" value="{action}"' in html, action
    assert "rights-note" not in html
    assert as_bob.post("/actions/", copy).status_code == 302
    client.noop()
    client.select_folder(team, readonly=True)
    assert len(client.search("ALL")) == 2


@pytest.mark.interop("sharing (ACL): another domain refused")
def test_a_user_of_another_domain_cannot_be_granted_access(acl_server: ImapServer) -> None:
    alice = user(acl_server, "alice")
    alice.create_folder("Team")
    as_alice = log_in(alice)
    response = as_alice.post(
        "/folders/share/",
        {"folder": alice.folder("Team"), "login": "carol@other.test", "preset": "full"},
    )
    assert "only be shared with users of your own domain" in response.content.decode()
    client = alice.client()
    assert [who for who, _r in client.getacl(alice.folder("Team"))] == [alice.username.encode()]


def test_bob_cannot_change_sharing_of_alices_folder(acl_server: ImapServer) -> None:
    alice, bob = user(acl_server, "alice"), user(acl_server, "bob")
    alice.create_folder("Team")
    as_bob = log_in(bob)
    # "Team" is bob's own namespace: no such folder; alice's folder is not reachable by name.
    response = as_bob.post(
        "/folders/share/",
        {"folder": bob.folder("Team"), "login": bob.username + "x", "preset": "full"},
    )
    assert response.status_code in (400, 404)
    client = alice.client()
    assert [who for who, _r in client.getacl(alice.folder("Team"))] == [alice.username.encode()]
