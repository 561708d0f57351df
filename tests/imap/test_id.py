"""IMAP ID (RFC 2971): after login the app says its name and version, nothing about the user or
their browser; the server's reply is listed on the admin dashboard; a setting turns it off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings

from mailview.imap.hooks import client_id, server_ids, set_client_id
from webmail.devmail.cyrus import Cyrus

pytestmark = [pytest.mark.django_db, pytest.mark.all_servers]


@pytest.fixture
def restore_client_id() -> Iterator[None]:
    saved = dict(client_id())
    yield
    set_client_id(saved)


def protocol_log(server: Cyrus, username: str) -> str:
    return "".join(
        p.read_text(errors="replace") for p in (server.confdir / "log" / username).iterdir()
    )


@pytest.mark.interop("IMAP ID: the server's reply on the dashboard")
def test_the_servers_id_reply_is_listed_on_the_admin_dashboard(
    alice, login, admin_client, imap_server
):
    assert dict(client_id()) == {
        "name": settings.WEBMAIL_IMAP_ID_NAME,
        "version": settings.WEBMAIL_IMAP_ID_VERSION,
    }
    assert login(alice).get("/mail/INBOX/").status_code == 200
    key = f"{imap_server.host}:{imap_server.imap_port}"
    reply = server_ids()[key]
    assert ("cyrus" if isinstance(imap_server, Cyrus) else "dovecot") in reply["name"].lower()
    html = admin_client.get("/admin/dashboard/").content.decode()
    assert key in html and f"name: {reply['name']}" in html


@pytest.mark.only_on(
    "cyrus-alt", "cyrus-default", reason="Cyrus' per-user protocol log shows what was sent"
)
def test_the_id_names_the_app_only_and_the_setting_turns_it_off(
    alice, bob, login, imap_server, restore_client_id
):
    imap_server.add_user(alice.username, alice.password, protocol_log=True)
    login(alice).get("/mail/INBOX/", HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux) Secret/1.0")
    sent = protocol_log(imap_server, alice.username)
    name, version = settings.WEBMAIL_IMAP_ID_NAME, settings.WEBMAIL_IMAP_ID_VERSION
    assert f'ID ("name" "{name}" "version" "{version}")' in sent
    assert "Mozilla" not in sent and "127.0.0.1" not in sent.split("ID (", 1)[1].split("\n", 1)[0]

    set_client_id(None)  # WEBMAIL_IMAP_ID_NAME="" at start-up does this
    imap_server.add_user(bob.username, bob.password, protocol_log=True)
    login(bob).get("/mail/INBOX/")
    assert " ID (" not in protocol_log(imap_server, bob.username)
