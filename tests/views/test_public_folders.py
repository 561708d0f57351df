"""Public folders (the public namespace of the ACL Dovecot, webmail/devmail/acl.py): the tree's
"Shared folders" section shows them, they open like any folder, and what each user may do in
them follows the folder's ACL (MYRIGHTS)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client

from tests.support.acl import acl_user, public_folder
from tests.support.dovecot import MailUser
from webmail.devmail.dovecot import Dovecot, connect
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.django_db


def text_of(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def log_in(u: MailUser) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": u.username, "password": u.password})
    assert response.status_code == 302, response.content[:2000]
    return client


def folder_row(html: str, name: str) -> str:
    match = re.search(
        rf'<tr class="folder-row[^"]*" data-folder="{re.escape(name)}">.*?</tr>', html, re.S
    )
    assert match, name
    return match.group(0)


@pytest.fixture
def public(acl_dovecot: Dovecot) -> tuple[MailUser, MailUser, str, str]:
    """News is read-only for everyone; Support is read and write (insert, flags, delete) for
    everyone. bob and carol are ordinary users of the domain."""
    admin = acl_user(acl_dovecot, "postmaster")
    news = public_folder(
        acl_dovecot,
        "News",
        {"anyone": "lrs"},
        [make_message(subject="Maintenance on Saturday")],
        seeder=admin,
    )
    support = public_folder(
        acl_dovecot,
        "Support",
        {"anyone": "lrswipte"},
        [make_message(subject="Cannot log in")],
        seeder=admin,
    )
    return acl_user(acl_dovecot, "bob"), acl_user(acl_dovecot, "carol"), news, support


def test_public_folders_appear_under_shared_folders_and_open(public) -> None:
    bob, _carol, news, support = public
    client = log_in(bob)
    page = client.get("/folders/").content.decode()
    assert "Shared folders" in text_of(page)
    assert re.search(r'data-section="shared"', page)
    # Neither folder gives the "x" right: no rename, no delete of the folder itself.
    for name in (news, support):
        row = folder_row(page, name)
        assert "Rename" not in row and "Delete" not in row and "Share" not in row
    assert "Import" not in folder_row(page, news) and "Import" in folder_row(page, support)
    for name in (news, support):
        assert client.post("/folders/subscribe/", {"folder": name, "subscribed": "1"}).status_code
    tree = client.get("/mail/INBOX/").content.decode()
    sections = re.findall(r'class="folder-section" data-section="(\w+)"', tree)
    assert sections == ["shared"]
    label = rf'data-folder="{re.escape(news)}".*?<span class="label">News</span>'
    assert re.search(label, tree, re.S)
    listing = client.get(f"/mail/{news}/")
    assert listing.status_code == 200 and "Maintenance on Saturday" in listing.content.decode()


def test_rights_in_public_folders_follow_their_acl(public, acl_dovecot: Dovecot) -> None:
    bob, _carol, news, support = public
    client = log_in(bob)
    read_only = client.get(f"/mail/{news}/").content.decode()
    assert 'value="read"' in read_only
    for action in ("delete", "move", "archive", "junk", "flag"):
        assert f'name="action" value="{action}"' not in read_only, action
    writable = client.get(f"/mail/{support}/").content.decode()
    for action in ("delete", "flag"):
        assert f'name="action" value="{action}"' in writable, action
    # The server agrees: bob may not delete from News, may from Support.
    conn = connect(acl_dovecot, bob.username, bob.password)
    try:
        assert conn.my_rights(news) == "lrs"
        assert set(conn.my_rights(support)) >= set("lrswipte")
    finally:
        conn.logout()
    response = client.post("/folders/delete/", {"folder": news, "confirm": "1"})
    assert response.status_code == 400
    assert "You are not allowed to rename or delete this folder." in text_of(
        response.content.decode()
    )


def test_another_domain_does_not_see_this_domains_public_folders(public, acl_dovecot) -> None:
    _bob, _carol, news, _support = public
    other = acl_user(acl_dovecot, "mallory")
    other.username += "@other.example"
    acl_dovecot.add_user(other.username, other.password)
    client = log_in(other)
    page = client.get("/folders/").content.decode()
    assert news not in page and "Shared folders" not in text_of(page)
    assert client.get(f"/mail/{news}/").status_code in {302, 404}
