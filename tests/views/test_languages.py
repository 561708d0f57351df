"""Every main screen in German and French shows no English catalogue message (issue 18).

A real logged-in client against Dovecot renders each screen with the user's language set in
Settings › General; tests/support/catalog_check.py finds the English msgids left in the visible
text. The mail on show is made of words that are in no catalogue (Zorblat, Quaxby...).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import server_error

from accounts.models import Contact, Preferences
from tests.support.catalog_check import english_left
from tests.support.sieve import rule_post
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.django_db

LANGUAGES = ["de", "fr"]


def _mail(alice) -> int:
    message = make_message(
        subject="Zorblat quaxby",
        sender="Quaxby Zorblat <quaxby@example.org>",
        to=alice.address,
        text="Zorblat quaxby vindu.\n",
        attachments=[("zorblat.txt", "text/plain", b"quaxby")],
        date=datetime(2025, 3, 4, 9, 30, tzinfo=UTC),
    )
    uid = alice.append("INBOX", message)
    alice.append("INBOX", make_message(subject="Vindu", sender="quaxby@example.org"))
    alice.append("Trash", make_message(subject="Quaxby", sender="quaxby@example.org"))
    return uid


def _compose_url(client: Client) -> str:
    response = client.get("/compose/")
    assert response.status_code == 302, response.status_code
    return response["Location"]


def screens(client: Client, uid: int) -> dict[str, str]:
    """Each main screen's URL (the compose page's is made by starting one)."""
    contact = Contact.objects.first()
    assert contact is not None
    return {
        "mailbox": "/mail/INBOX/",
        "mailbox in conversations": "/mail/INBOX/?view=threads",
        "trash": "/mail/Trash/",
        "message": f"/message/INBOX/{uid}/",
        "message in the preview pane": f"/message/INBOX/{uid}/?pane=1",
        "compose": _compose_url(client),
        "search": "/search/?folder=INBOX&q=Zorblat",
        "search in all folders": "/search/?folder=INBOX&q=nothing-like-this&where=all",
        "advanced search": "/search/?folder=INBOX&advanced=1",
        "settings: general": "/accounts/settings/",
        "settings: display": "/accounts/settings/display/",
        "settings: reading": "/accounts/settings/reading/",
        "settings: composing": "/accounts/settings/composing/",
        "settings: identities": "/accounts/identities/",
        "settings: new identity": "/accounts/identities/new/",
        "settings: contacts": "/contacts/",
        "settings: contact": f"/contacts/{contact.pk}/",
        "settings: new group": "/contacts/groups/new/",
        "settings: folders": "/folders/",
        "settings: import": "/folders/import/?folder=INBOX",
        "settings: filters": "/accounts/settings/filters/",
        "settings: new rule": "/accounts/settings/filters/new/",
        "settings: out of office": "/accounts/settings/out-of-office/",
        "settings: security": "/accounts/two-factor/",
        "two-factor set-up": "/accounts/two-factor/setup/",
        "share a folder": "/folders/share/?folder=INBOX",
        "missing folder": "/mail/No-such-folder-zorblat/",
        "missing page": "/no-such-page/",
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_screen_is_translated(sieve_alice, sieve_login, language):
    """Against the Sieve stack's Dovecot, so that the filter pages show rules (one rule, one
    folder of our own, the out-of-office reply on: its banner too)."""
    alice = sieve_alice
    uid = _mail(alice)
    alice.create_folder("Zorblat")
    client = sieve_login(alice)
    Preferences.objects.filter(user__username=alice.username).update(language=language)
    rule = rule_post("Zorblat", act_kind_0="move", act_value_0="Zorblat")
    assert client.post("/accounts/settings/filters/new/", rule).status_code == 302
    vacation = {
        "form": "vacation",
        "vacation-enabled": "on",
        "vacation-subject": "Zorblat",
        "vacation-text": "Quaxby.",
        "vacation-days": "7",
        "vacation-end": "2099-01-31",
    }
    assert client.post("/accounts/settings/out-of-office/", vacation).status_code == 302
    Contact.objects.create(
        user=Preferences.objects.get(user__username=alice.username).user,
        name="Quaxby Zorblat",
        email="quaxby@example.org",
    )
    left: dict[str, list[str]] = {}
    for name, url in screens(client, uid).items():
        response = client.get(url)
        assert response.status_code in {200, 404}, (name, url, response.status_code)
        html = response.content.decode()
        if "<html" in html:  # the preview pane gets a fragment
            assert f'<html lang="{language}"' in html, (name, html[:300])
        if found := english_left(html, language):
            left[name] = found
    assert not left, left


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_login_page_follows_the_browser(language, db):
    html = Client(HTTP_ACCEPT_LANGUAGE=f"{language},en;q=0.5").get("/accounts/login/")
    text = html.content.decode()
    assert f'<html lang="{language}"' in text
    assert english_left(text, language) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_admin_dashboard_is_translated(admin_client, language):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    response = admin_client.get("/admin/dashboard/")
    assert response.status_code == 200
    assert english_left(response.content.decode(), language) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_server_error_page_is_translated(language):
    with translation.override(language):
        response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    assert english_left(html, language) == []


def test_the_checker_finds_english(alice, login):
    """The check itself: an English page shows plenty of the catalogue's messages."""
    _mail(alice)
    html = login(alice).get("/mail/INBOX/").content.decode()
    left = english_left(html, "de")
    assert {"Compose", "Settings", "Select a message to read it."} <= set(left)
    assert re.search(r'<html lang="en"', html)
