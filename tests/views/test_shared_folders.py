"""Other users' folders and shared folders (NAMESPACE, RFC 2342) and the rights (MYRIGHTS,
RFC 4314): their own sections in the tree and on the folder page, no fake parents, and no
action offered that the rights forbid."""

from __future__ import annotations

import re
from html import unescape

import pytest

from webmail.devmail.factories import make_message

pytestmark = [pytest.mark.django_db, pytest.mark.all_servers]

ONLY_CYRUS = pytest.mark.only_on(
    "cyrus-alt",
    "cyrus-default",
    reason="the test Dovecot has neither ACLs nor other users' or shared namespaces",
)


def text_of(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def row(html: str, name: str) -> str:
    match = re.search(
        rf'<tr class="folder-row[^"]*" data-folder="{re.escape(name)}">.*?</tr>', html, re.S
    )
    assert match, name
    return match.group(0)


@pytest.fixture
def shared_setup(alice, bob):
    """bob shares Team with alice (read only); the admin makes shared-news readable by all."""
    server = alice.dovecot
    team = bob.folder("Team")
    bob.append("Team", make_message(subject="team notes"))
    bob_client = bob.client()
    bob_client.setacl(team, alice.username, "lrs")
    admin = server.admin_client()
    try:
        admin.create_folder("shared-news")
        admin.setacl("shared-news", "anyone", "lrs")
    except Exception as exc:  # the session server keeps it from an earlier test
        assert "exists" in str(exc).lower()
    finally:
        admin.logout()
    if server.altnamespace:
        return f"Other Users/{bob.username}/Team", "Shared Folders/shared-news"
    return f"user.{bob.username}.Team", "shared-news"


@ONLY_CYRUS
@pytest.mark.interop("other users' and shared folders in their own sections")
def test_shared_folders_get_their_own_sections_without_fake_parents(alice, shared_setup, login):
    team, news = shared_setup
    client = login(alice)
    page = client.get("/folders/").content.decode()
    assert "Shared with me" in text_of(page) and "Shared folders" in text_of(page)
    assert 'data-folder="INBOX.user"' not in page and 'data-folder="user"' not in page
    # Read-only for alice: neither rename nor delete is offered.
    for name in (team, news):
        assert "Rename" not in row(page, name) and "Delete" not in row(page, name)
    client.post("/folders/subscribe/", {"folder": team, "subscribed": "1"})
    client.post("/folders/subscribe/", {"folder": news, "subscribed": "1"})
    tree = client.get("/mail/INBOX/").content.decode()
    sections = re.findall(r'class="folder-section" data-section="(\w+)"', tree)
    assert sections == ["other", "shared"]
    assert re.search(
        rf'data-folder="{re.escape(team)}".*?<span class="label">Team</span>', tree, re.S
    )
    assert "INBOX.user" not in text_of(tree) and "Other Users" not in text_of(tree)
    listing = client.get(f"/mail/{team}/")
    assert listing.status_code == 200 and "team notes" in listing.content.decode()


@ONLY_CYRUS
@pytest.mark.interop("actions the rights (MYRIGHTS) forbid are refused")
def test_a_folder_shared_read_only_cannot_be_renamed_or_deleted(alice, bob, shared_setup, login):
    team, _news = shared_setup
    client = login(alice)
    response = client.post("/folders/delete/", {"folder": team, "confirm": "1"})
    assert response.status_code == 400
    assert "You are not allowed to rename or delete this folder." in text_of(
        response.content.decode()
    )
    response = client.post("/folders/rename/", {"folder": team, "name": "Mine"})
    assert response.status_code == 400
    assert bob.folder("Team") in {name for _f, _d, name in bob.client().list_folders()}


@ONLY_CYRUS
@pytest.mark.interop("list actions follow the folder's rights (MYRIGHTS)")
def test_a_read_only_shared_folder_offers_no_action_its_rights_forbid(alice, shared_setup, login):
    team, _news = shared_setup
    client = login(alice)
    client.post("/folders/subscribe/", {"folder": team, "subscribed": "1"})
    html = client.get(f"/mail/{team}/").content.decode()  # rights "lrs": read and seen only
    assert 'value="read"' in html and 'value="unread"' in html
    for action in ("delete", "move", "archive", "junk", "flag"):
        assert f'name="action" value="{action}"' not in html, action
    own = client.get("/mail/INBOX/").content.decode()
    for action in ("delete", "move", "archive", "junk", "flag"):
        assert f'name="action" value="{action}"' in own, action
