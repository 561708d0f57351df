"""Which From addresses a user may send as: checked when an identity is saved and when sending."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from accounts.models import AuditEvent, Domain, Identity, MailAccount, SenderAlias
from accounts.servers import clear_domain_cache
from tests.support.compose import folder_messages, start
from tests.support.dovecot import MailUser

pytestmark = pytest.mark.django_db


def new_identity(client: Client, email: str):
    return client.post("/accounts/identities/new/", {"name": "Other", "email": email})


def add_alias(user: MailUser, address: str) -> None:
    SenderAlias.objects.create(
        account=MailAccount.objects.get(login=user.username), address=address
    )


def test_own_address_only_refuses_other_identities(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser
) -> None:
    compose_settings.WEBMAIL_SENDER_POLICY = "own"
    client = login(alice)
    response = new_identity(client, "ceo@example.org")
    assert response.status_code == 400
    assert f"You can send only as {alice.address}." in response.content.decode()
    assert not Identity.objects.filter(email="ceo@example.org").exists()
    # Its own address, in any case, is fine.
    assert new_identity(client, alice.address.upper()).status_code == 302


def test_listed_aliases_are_allowed_and_nothing_else(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser, bob: MailUser
) -> None:
    compose_settings.WEBMAIL_SENDER_POLICY = "aliases"
    client = login(alice)
    add_alias(alice, "sales@example.org")
    assert new_identity(client, "sales@example.org").status_code == 302
    response = new_identity(client, "ceo@example.org")
    assert response.status_code == 400
    assert "sales@example.org" in response.content.decode()
    # Bob cannot use alice's alias.
    bob_client = login(bob)
    assert new_identity(bob_client, "sales@example.org").status_code == 400
    assert not Identity.objects.filter(user__username=bob.username, email="sales@example.org")


def test_the_domain_setting_wins_over_the_deployment_default(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser
) -> None:
    compose_settings.WEBMAIL_SENDER_POLICY = "any"
    client = login(alice)
    assert new_identity(client, "first@elsewhere.example").status_code == 302
    Domain.objects.create(name="example.org", imap_host="127.0.0.1", sender_policy="own")
    clear_domain_cache()
    assert new_identity(client, "second@elsewhere.example").status_code == 400


def test_sending_as_an_address_no_longer_allowed_is_refused_and_kept_as_a_draft(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser, bob: MailUser
) -> None:
    client = login(alice)
    Identity.for_user(alice_user := MailAccount.objects.get(login=alice.username).user)
    forged = Identity.objects.create(user=alice_user, email="ceo@example.org", name="CEO")
    compose_settings.WEBMAIL_SENDER_POLICY = "own"  # the policy changed after it was saved
    compose_id = start(client)
    response = client.post(
        f"/compose/{compose_id}/send/",
        {
            "identity": str(forged.pk),
            "to": bob.address,
            "subject": "Wire the money",
            "text": "Today.",
            "format": "text",
        },
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert f"You can send only as {alice.address}." in page
    assert "Wire the money" in page  # the form is kept
    assert folder_messages(bob, "INBOX") == []
    assert not AuditEvent.objects.filter(event=AuditEvent.MESSAGE_SENT).exists()
    [(_uid, _flags, draft)] = folder_messages(alice, "Drafts")
    assert str(draft["Subject"]) == "Wire the money"


def test_sending_as_an_allowed_alias_goes_through(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser, bob: MailUser
) -> None:
    compose_settings.WEBMAIL_SENDER_POLICY = "aliases"
    client = login(alice)
    add_alias(alice, "sales@example.org")
    assert new_identity(client, "sales@example.org").status_code == 302
    sales = Identity.objects.get(email="sales@example.org")
    compose_id = start(client)
    response = client.post(
        f"/compose/{compose_id}/send/",
        {"identity": str(sales.pk), "to": bob.address, "subject": "Offer", "text": "Hi."},
    )
    assert response.status_code == 302, response.content[:2000]
    [(_uid, _flags, msg)] = folder_messages(bob, "INBOX")
    assert msg["From"].addresses[0].addr_spec == "sales@example.org"
