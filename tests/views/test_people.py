"""Identities, contacts, groups, vCard and autocomplete views; bob never sees alice's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import Contact, ContactGroup, Identity
from tests.support.dovecot import MailUser

VCARDS = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jürgen Müller\r\nN:Müller;Jürgen;;;\r\n"
    "EMAIL;TYPE=INTERNET:juergen@example.de\r\nTEL:+49 30 1234\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No Mail\r\nN:Mail;No;;;\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bad\r\nEMAIL:not-an-address\r\nEND:VCARD\r\n"
)


def test_default_identity_is_made_from_the_login(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser
) -> None:
    client = login(alice)
    page = client.get("/accounts/identities/").content.decode()
    assert alice.address in page
    [identity] = Identity.objects.filter(user__username=alice.username)
    assert identity.is_default and identity.email == alice.address


def test_identity_create_edit_default_and_delete(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser
) -> None:
    client = login(alice)
    client.get("/accounts/identities/")
    response = client.post(
        "/accounts/identities/new/",
        {"name": "Work", "email": "work@example.org", "is_default": "on"},
    )
    assert response.status_code == 302
    identities = Identity.objects.filter(user__username=alice.username)
    assert [i.email for i in identities if i.is_default] == ["work@example.org"]
    work = identities.get(email="work@example.org")
    response = client.post(f"/accounts/identities/{work.pk}/delete/")
    assert response.status_code == 302
    assert [i.is_default for i in Identity.objects.filter(user__username=alice.username)] == [True]
    # The last identity cannot be deleted.
    last = Identity.objects.get(user__username=alice.username)
    client.post(f"/accounts/identities/{last.pk}/delete/")
    assert Identity.objects.filter(pk=last.pk).exists()


def test_identity_with_line_break_is_refused(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser
) -> None:
    client = login(alice)
    response = client.post(
        "/accounts/identities/new/",
        {"name": "Evil\r\nBcc: x@example.org", "email": "e@example.org"},
    )
    assert response.status_code == 400
    assert "Line breaks are not allowed" in response.content.decode()


def test_contacts_crud_and_vcard_round_trip(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser
) -> None:
    client = login(alice)
    response = client.post(
        "/contacts/import/", {"file": SimpleUploadedFile("c.vcf", VCARDS.encode())}
    )
    assert response.status_code == 302
    contacts = Contact.objects.filter(user__username=alice.username)
    assert [(c.name, c.email, c.phone) for c in contacts] == [
        ("Jürgen Müller", "juergen@example.de", "+49 30 1234")
    ]
    client.post("/contacts/new/", {"name": "Ana", "email": "ana@example.org"})
    ana = Contact.objects.get(email="ana@example.org")
    client.post(f"/contacts/{ana.pk}/", {"name": "Ana Lima", "email": "ana@example.org"})
    assert Contact.objects.get(pk=ana.pk).name == "Ana Lima"

    exported = client.get("/contacts/export.vcf")
    assert exported["Content-Type"].startswith("text/vcard")
    text = exported.content.decode()
    assert "FN:Jürgen Müller" in text and "ana@example.org" in text

    # Importing the export again adds nothing (duplicates are skipped).
    client.post("/contacts/import/", {"file": SimpleUploadedFile("c.vcf", exported.content)})
    assert Contact.objects.filter(user__username=alice.username).count() == 2

    client.post(f"/contacts/{ana.pk}/delete/")
    assert not Contact.objects.filter(pk=ana.pk).exists()


def test_import_of_garbage_is_a_clear_message(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser
) -> None:
    client = login(alice)
    response = client.post(
        "/contacts/import/",
        {"file": SimpleUploadedFile("c.vcf", b"\x00\x01 this is not a card")},
        follow=True,
    )
    assert response.status_code == 200
    assert "No contacts were found" in response.content.decode() or "not a vCard" in (
        response.content.decode()
    )


def test_add_sender_to_contacts(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser
) -> None:
    client = login(alice)
    response = client.post(
        "/contacts/add-sender/",
        {"name": "Øyvind", "email": "oyvind@example.no", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/mail/INBOX/"  # no open redirect
    assert Contact.objects.filter(email="oyvind@example.no", user__username=alice.username)
    response = client.post("/contacts/add-sender/", {"name": "x", "email": "nope"}, follow=True)
    assert "cannot be added" in response.content.decode()


def test_autocomplete_contacts_groups_recent(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser
) -> None:
    client = login(alice)
    client.post("/contacts/new/", {"name": "Doe, Jane", "email": "jane@example.org"})
    jane = Contact.objects.get(email="jane@example.org")
    client.post("/contacts/groups/new/", {"name": "Janes", "members": [jane.pk]})
    results = client.get("/contacts/autocomplete/", {"q": "jan"}).json()["results"]
    assert {"label": '"Doe, Jane" <jane@example.org>', "value": '"Doe, Jane" <jane@example.org>',
            "kind": "contact"} in results  # fmt: skip
    assert any(r["kind"] == "group" and r["label"] == "Janes (1)" for r in results)
    assert client.get("/contacts/autocomplete/", {"q": "x\r\ny"}).json()["results"] == []


def test_bob_cannot_see_or_change_alices_people(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser, bob: MailUser
) -> None:
    alice_client = login(alice)
    alice_client.post("/contacts/new/", {"name": "Secret Friend", "email": "friend@example.org"})
    friend = Contact.objects.get(email="friend@example.org")
    alice_client.post("/contacts/groups/new/", {"name": "Inner circle", "members": [friend.pk]})
    group = ContactGroup.objects.get(name="Inner circle")
    alice_client.get("/accounts/identities/")
    identity = Identity.objects.get(user__username=alice.username)

    bob_client = login(bob)
    assert "Secret Friend" not in bob_client.get("/contacts/").content.decode()
    assert bob_client.get(f"/contacts/{friend.pk}/").status_code == 404
    assert bob_client.post(f"/contacts/{friend.pk}/delete/").status_code == 404
    assert bob_client.get(f"/contacts/groups/{group.pk}/").status_code == 404
    assert bob_client.post(f"/contacts/groups/{group.pk}/delete/").status_code == 404
    assert bob_client.get(f"/accounts/identities/{identity.pk}/").status_code == 404
    assert bob_client.post(f"/accounts/identities/{identity.pk}/delete/").status_code == 404
    assert "friend@example.org" not in bob_client.get("/contacts/export.vcf").content.decode()
    assert bob_client.get("/contacts/autocomplete/", {"q": "friend"}).json()["results"] == []
    # Bob cannot put alice's contact into a group of his own.
    response = bob_client.post("/contacts/groups/new/", {"name": "Mine", "members": [friend.pk]})
    assert response.status_code == 400
    assert Contact.objects.filter(pk=friend.pk).exists()
    assert alice.address not in bob_client.get("/accounts/identities/").content.decode()
