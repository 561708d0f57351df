"""Sharing a folder with IMAP ACL on a Dovecot with the acl plugin and a shared namespace:
alice shares, bob reads, cannot delete without the right, gets it, deletes; alice revokes."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable

import pytest
from django.test import Client

from mailview.imap.acl import normalize, preset_of
from mailview.imap.errors import CommandFailed
from tests.support.dovecot import MailUser
from tests.support.servers import point_at
from webmail.devmail.acl import acl_config
from webmail.devmail.dovecot import Dovecot, connect
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.django_db


def test_obsolete_rfc2086_letters_are_understood() -> None:
    assert normalize("lrswicda") == "lrswikxtea"
    assert preset_of("lrswipcda") == "full"
    assert preset_of("lrswipted") == "read_write"
    assert preset_of("lr") == ""


@pytest.fixture
def acl_dovecot(dovecot_factory: Callable[..., Dovecot], settings: object) -> Dovecot:
    """A private Dovecot with the acl plugin and the shared namespace (the config names the
    instance's mail directory, known once the factory made it: so it is restarted with it)."""
    server = dovecot_factory()
    server.stop()
    server.extra_config = acl_config(server.mail_dir)
    server.start()
    point_at(settings, server)  # type: ignore[arg-type]
    return server


def user(server: Dovecot, name: str) -> MailUser:
    u = MailUser(f"{name}-{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(12), server)
    server.add_user(u.username, u.password)
    return u


def log_in(u: MailUser) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": u.username, "password": u.password})
    assert response.status_code == 302, response.content[:2000]
    return client


def test_share_read_then_write_then_revoke(acl_dovecot: Dovecot) -> None:
    alice, bob = user(acl_dovecot, "alice"), user(acl_dovecot, "bob")
    alice.create_folder("Team")
    uid = alice.append("Team", make_message(subject="Plan for Q1"))
    shared = f"shared/{alice.username}/Team"
    as_alice, as_bob = log_in(alice), log_in(bob)

    page = as_alice.get("/folders/share/?folder=Team").content.decode()
    assert "Only you." in page
    response = as_alice.post(
        "/folders/share/", {"folder": "Team", "login": bob.username, "preset": "read"}
    )
    assert response.status_code == 302
    page = as_alice.get("/folders/share/?folder=Team").content.decode()
    assert f'data-login="{bob.username}"' in page and "<code>lrs</code>" in page

    assert "Plan for Q1" in as_bob.get(f"/mail/{shared}/").content.decode()
    assert as_bob.get(f"/message/{shared}/{uid}/").status_code == 200
    conn = connect(acl_dovecot, bob.username, bob.password)  # the app's own IMAP facade
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
    client.select_folder("Team", readonly=True)
    assert client.search("ALL") == [uid]

    as_alice.post(
        "/folders/share/", {"folder": "Team", "login": bob.username, "preset": "read_write"}
    )
    allowed = as_bob.post("/actions/", delete)
    assert allowed.status_code == 302, allowed.content.decode()[-1500:]
    client.noop()
    client.select_folder("Team", readonly=True)
    assert client.search("NOT DELETED") == []

    as_alice.post("/folders/share/", {"folder": "Team", "login": bob.username, "action": "remove"})
    assert "Only you." in as_alice.get("/folders/share/?folder=Team").content.decode()
    gone = as_bob.get(f"/mail/{shared}/")
    assert gone.status_code in (403, 404)


def test_a_user_of_another_domain_cannot_be_granted_access(acl_dovecot: Dovecot) -> None:
    alice = user(acl_dovecot, "alice")
    alice.create_folder("Team")
    as_alice = log_in(alice)
    response = as_alice.post(
        "/folders/share/", {"folder": "Team", "login": "carol@other.test", "preset": "full"}
    )
    assert "only be shared with users of your own domain" in response.content.decode()
    client = alice.client()
    assert [who for who, _r in client.getacl("Team")] == [alice.username.encode()]


def test_bob_cannot_change_sharing_of_alices_folder(acl_dovecot: Dovecot) -> None:
    alice, bob = user(acl_dovecot, "alice"), user(acl_dovecot, "bob")
    alice.create_folder("Team")
    as_bob = log_in(bob)
    # "Team" is bob's own namespace: no such folder; alice's folder is not reachable by name.
    response = as_bob.post(
        "/folders/share/", {"folder": "Team", "login": bob.username + "x", "preset": "full"}
    )
    assert response.status_code in (400, 404)
    client = alice.client()
    assert [who for who, _r in client.getacl("Team")] == [alice.username.encode()]
