"""The interface language (accounts/language.py, Settings › General): the browser's by default,
the user's own choice when made, for that user only; dates and numbers follow it."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.utils import translation

from accounts.language import language_from_headers
from accounts.models import Preferences
from mailview.render.format import compactsize, count_line, full_date, list_date

pytestmark = pytest.mark.django_db


def lang_of(html: str) -> str:
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_without_a_choice_the_browser_language_is_used(alice, login):
    client = login(alice)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr-CH, fr;q=0.9, en;q=0.8"
    html = client.get("/mail/INBOX/").content.decode()
    assert lang_of(html) == "fr"
    assert "Boîte de réception" in html
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ja, en;q=0.5"  # not offered: English
    assert lang_of(client.get("/mail/INBOX/").content.decode()) == "en"


def test_the_chosen_language_wins_over_the_browser_and_applies_at_once(alice, login):
    client = login(alice)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    response = client.post(
        "/accounts/settings/", {"language": "de", "time_zone": "UTC", "clock": "24"}, follow=True
    )
    html = response.content.decode()
    assert lang_of(html) == "de"
    assert "Einstellungen gespeichert." in html  # the confirmation too, in the new language
    assert Preferences.objects.get(user__username=alice.username).language == "de"
    assert 'value="de" selected' in html or 'value="de" checked' in html
    assert "Posteingang" in client.get("/mail/INBOX/").content.decode()


def test_the_choice_lasts_across_logins(alice, login):
    first = login(alice)
    first.post("/accounts/settings/", {"language": "fr", "time_zone": "UTC", "clock": "24"})
    second = login(alice)  # another browser, which asks for German
    second.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    assert lang_of(second.get("/mail/INBOX/").content.decode()) == "fr"


def test_back_to_the_browser_language(alice, login):
    client = login(alice)
    client.post("/accounts/settings/", {"language": "de", "time_zone": "UTC", "clock": "24"})
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    response = client.post(
        "/accounts/settings/", {"language": "", "time_zone": "UTC", "clock": "24"}, follow=True
    )
    assert "Paramètres enregistrés." in response.content.decode()
    assert Preferences.objects.get(user__username=alice.username).language == ""


def test_other_users_are_unaffected(alice, bob, login):
    login(alice).post("/accounts/settings/", {"language": "de", "time_zone": "UTC", "clock": "24"})
    other = login(bob)
    html = other.get("/mail/INBOX/").content.decode()
    assert lang_of(html) == "en"
    assert "Posteingang" not in html
    assert Preferences.objects.get(user__username=bob.username).language == ""


def test_an_unknown_language_is_refused(alice, login):
    client = login(alice)
    response = client.post(
        "/accounts/settings/", {"language": "xx", "time_zone": "UTC", "clock": "24"}
    )
    assert response.status_code == 400
    assert Preferences.objects.get(user__username=alice.username).language == ""


def test_the_login_page_and_arabic_right_to_left(db):
    html = Client(HTTP_ACCEPT_LANGUAGE="ar").get("/accounts/login/").content.decode()
    assert '<html lang="ar" dir="rtl"' in html
    assert "كلمة المرور" in html
    html = Client(HTTP_ACCEPT_LANGUAGE="de").get("/accounts/login/").content.decode()
    assert '<html lang="de" dir="ltr"' in html


def test_the_javascript_catalogue_is_loaded_first_and_cacheable(alice, login):
    client = login(alice)
    client.post("/accounts/settings/", {"language": "de", "time_zone": "UTC", "clock": "24"})
    html = client.get("/mail/INBOX/").content.decode()
    head = html[: html.index("</head>")]
    catalog = head.index('<script src="/jsi18n/?l=de&amp;v=')
    assert catalog < head.index('<script type="module"')
    url = head[catalog:].split('src="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    response = Client().get(url)  # anonymous: the same for everyone of a language
    assert response.status_code == 200
    assert "max-age=86400" in response["Cache-Control"]
    body = response.content.decode()
    assert "django.gettext = function" in body or "gettext = function" in body
    assert "interpolate" in body and "ngettext" in body
    again = Client().get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert again.status_code == 304


def test_language_from_websocket_headers():
    assert language_from_headers({"accept-language": "de-DE,de;q=0.9"}) == "de"
    assert language_from_headers({"accept-language": "pt-BR, fr;q=0.5"}) == "fr"
    assert language_from_headers({}) == "en"


def test_dates_sizes_and_counts_in_the_language():
    when, now = datetime(2026, 3, 4, 17, 5), datetime(2026, 11, 30, 8, 0)
    earlier = datetime(2025, 3, 4, 17, 5)
    expected = {
        "en": ("4 Mar", "2025-03-04", "Wed, 4 Mar 2026 17:05", "3.4 MB", "1–50 of 12,345"),
        "de": ("4. März", "04.03.2025", "Mi., 4. März 2026, 17:05", "3,4 MB", "1–50 von 12.345"),
        "fr": ("4 mars", "04/03/2025", "mer. 4 mars 2026, 17:05", "3,4 Mo", "1–50 sur 12\xa0345"),
    }
    for language, (short, old, full, size, count) in expected.items():
        with translation.override(language):
            assert list_date(when, now) == short
            assert list_date(earlier, now) == old
            assert full_date(when) == full
            assert compactsize(3_600_000) == size
            assert count_line(1, 50, 12_345) == count
