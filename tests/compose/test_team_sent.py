"""Delegation for a team mailbox (issue 16): alice shares her support folders with bob; bob's
"support" identity files what he sends in the team's Sent folder (a folder shared with him with
the insert right), and a folder without that right is refused with a clear message."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts.models import Identity
from tests.support.acl import acl_user
from tests.support.compose import folder_messages, start
from tests.support.dovecot import MailUser
from tests.support.smtp import point_smtp_at
from webmail.devmail.dovecot import Dovecot
from webmail.devmail.factories import make_message
from webmail.devmail.smtp import SubmissionServer

pytestmark = pytest.mark.django_db

SUPPORT = "support@example.org"


def text_of(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def log_in(u: MailUser) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": u.username, "password": u.password})
    assert response.status_code == 302, response.content[:2000]
    return client


@pytest.fixture
def team(
    acl_dovecot: Dovecot,
    smtp_server_factory: Callable[..., SubmissionServer],
    settings: Any,
    tmp_path: Path,
) -> tuple[MailUser, MailUser, int]:
    """alice's Support (with a customer's message to support@) and Support/Sent are shared
    with bob read and write; her Archive read only. Returns alice, bob, the message's UID."""
    point_smtp_at(settings, smtp_server_factory(dovecot_instance=acl_dovecot, security="starttls"))
    settings.WEBMAIL_COMPOSE_DIR = str(tmp_path / "compose")
    settings.WEBMAIL_DEFAULT_DOMAIN = "example.org"
    alice, bob = acl_user(acl_dovecot, "alice"), acl_user(acl_dovecot, "bob")
    carl = acl_user(acl_dovecot, "carl")
    for name in ("Support", "Support/Sent", "Reference"):
        alice.create_folder(name)
    uid = alice.append(
        "Support",
        make_message(
            sender=f"Carl Customer <{carl.address}>",
            to=f"Support <{SUPPORT}>",
            subject="Invoice missing",
        ),
    )
    imap = alice.client()
    imap.setacl("Support", bob.username, "lrswipte")
    imap.setacl("Support/Sent", bob.username, "lrswipte")
    imap.setacl("Reference", bob.username, "lrs")
    settings.TEST_CARL = carl.address
    return alice, bob, uid


def save_identity(client: Client, sent_folder: str) -> Any:
    return client.post(
        "/accounts/identities/new/",
        {"name": "Support team", "email": SUPPORT, "reply_to": "", "sent_folder": sent_folder},
    )


def test_a_folder_without_the_insert_right_is_refused_clearly(team) -> None:
    alice, bob, _uid = team
    client = log_in(bob)
    response = save_identity(client, f"shared/{alice.username}/Reference")
    assert response.status_code == 400
    assert (
        f"You may not add messages to “shared/{alice.username}/Reference”: its owner has not "
        "given you the right to" in text_of(response.content.decode())
    )
    response = save_identity(client, "No/Such/Folder")
    assert response.status_code == 400
    assert "There is no folder “No/Such/Folder” that you can see." in text_of(
        response.content.decode()
    )
    assert not Identity.objects.filter(email=SUPPORT).exists()


def test_a_reply_from_the_shared_support_folder_files_its_copy_in_the_teams_sent(
    team, settings
) -> None:
    alice, bob, uid = team
    client = log_in(bob)
    team_sent = f"shared/{alice.username}/Support/Sent"
    response = save_identity(client, team_sent)
    assert response.status_code == 302, text_of(response.content.decode())[:2000]
    support = Identity.objects.get(user__username=bob.username, email=SUPPORT)
    assert support.sent_folder == team_sent

    compose_id = start(client, f"kind=reply&folder=shared/{alice.username}/Support&uid={uid}")
    page = client.get(f"/compose/{compose_id}/").content.decode()
    # The original was addressed to support@: the reply goes from the support identity.
    assert re.search(rf'<option value="{support.pk}" selected>', page)
    response = client.post(
        f"/compose/{compose_id}/send/",
        {
            "identity": str(support.pk),
            "to": settings.TEST_CARL,
            "subject": "Re: Invoice missing",
            "text": "Hello Carl, here it is.\n",
            "format": "text",
        },
    )
    assert response.status_code == 302, text_of(response.content.decode())[:2000]
    # alice sees the team's copy; bob's own Sent has none.
    # (\Seen is kept per user in shared folders: new to alice, as it should be.)
    [(_uid, _flags, copy)] = folder_messages(alice, "Support/Sent")
    assert str(copy["Subject"]) == "Re: Invoice missing"
    assert copy["From"].addresses[0].addr_spec == SUPPORT
    assert folder_messages(bob, "Sent") == []
    # The original in the shared folder is marked answered.
    [(_u, original_flags, _m)] = folder_messages(alice, "Support")
    assert "\\Answered" in original_flags


def test_when_the_team_folder_refuses_the_copy_it_goes_to_the_own_sent(team, settings) -> None:
    alice, bob, _uid = team
    client = log_in(bob)
    team_sent = f"shared/{alice.username}/Support/Sent"
    assert save_identity(client, team_sent).status_code == 302
    support = Identity.objects.get(user__username=bob.username, email=SUPPORT)
    alice.client().setacl("Support/Sent", bob.username, "lrs")  # alice takes write access away
    compose_id = start(client)
    response = client.post(
        f"/compose/{compose_id}/send/",
        {
            "identity": str(support.pk),
            "to": settings.TEST_CARL,
            "subject": "Follow-up",
            "text": "Hello again.\n",
            "format": "text",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert f"its copy could not be saved in “{team_sent}”; it is in your Sent folder" in (
        text_of(response.content.decode())
    )
    [(_uid, _flags, copy)] = folder_messages(bob, "Sent")
    assert str(copy["Subject"]) == "Follow-up"
    assert folder_messages(alice, "Support/Sent") == []


def test_bob_cannot_edit_alices_identity(team) -> None:
    alice, bob, _uid = team
    log_in(alice)
    owner = User.objects.get(username=alice.username)
    mine = Identity.objects.create(user=owner, email=SUPPORT, sent_folder="Support/Sent")
    response = log_in(bob).post(
        f"/accounts/identities/{mine.pk}/", {"email": SUPPORT, "sent_folder": "Sent"}
    )
    assert response.status_code == 404
    mine.refresh_from_db()
    assert mine.sent_folder == "Support/Sent"
