"""The Settings area: one page per section, each saving only its own settings."""

from __future__ import annotations

import re

import pytest

from accounts.models import ComposeSettings, Preferences
from accounts.settings_area import SECTIONS

pytestmark = pytest.mark.django_db

READING = {
    "prefer_html": "on",
    "remote_content": "block",
    "mark_read_on_open": "on",
    "delete_action": "trash",
}


def form_data(**overrides: str) -> dict[str, str]:
    data = {**READING, **overrides}
    return {k: v for k, v in data.items() if v != ""}


def test_new_users_get_safe_defaults(alice, login):
    login(alice)
    prefs = Preferences.objects.get(user__username=alice.username)
    assert prefs.prefer_html is True
    assert prefs.remote_content == "block"
    assert prefs.mark_read_on_open is True
    assert prefs.delete_action == "trash"
    assert prefs.conversation_view is False
    assert (prefs.clock, prefs.theme) == ("24", "system")


@pytest.mark.parametrize(
    "url, names",
    [
        ("/accounts/settings/", ("language", "time_zone", "clock")),
        (
            "/accounts/settings/display/",
            ("theme", "density", "layout", "conversation_view", "page_size"),
        ),
        (
            "/accounts/settings/reading/",
            ("prefer_html", "remote_content", "mark_read_on_open", "delete_action"),
        ),
        (
            "/accounts/settings/composing/",
            ("default_format", "reply_position", "signature_position", "undo_send_delay"),
        ),
    ],
)
def test_each_section_shows_its_settings_and_only_those(alice, login, url, names):
    html = login(alice).get(url).content.decode()
    form = html[html.index('<form method="post" class="settings-form"') :]
    form = form[: form.index("</form>")]
    shown = set(re.findall(r'name="([a-z_]+)"', form)) - {"csrfmiddlewaretoken"}
    assert shown == set(names)


def test_every_section_is_in_the_navigation_with_the_current_one_marked(alice, login):
    client = login(alice)
    html = client.get("/accounts/settings/reading/").content.decode()
    nav = html[html.index('<nav class="settings-nav"') : html.index("</nav>")]
    assert re.findall(r'data-section="([a-z]+)"', nav) == [s.slug for s in SECTIONS]
    assert re.search(r'data-section="reading" aria-current="page"', nav)
    assert nav.count('aria-current="page"') == 1
    # Pages of their own are rendered inside the area, with their section marked.
    for url, slug in [
        ("/contacts/", "contacts"),
        ("/accounts/identities/", "identities"),
        ("/accounts/identities/new/", "identities"),
        ("/folders/", "folders"),
        ("/accounts/two-factor/", "security"),
    ]:
        page = client.get(url).content.decode()
        assert re.search(rf'data-section="{slug}" aria-current="page"', page), url
        assert page.count("<h1") == 1, url


def test_the_header_has_one_settings_entry(alice, login):
    html = login(alice).get("/mail/INBOX/").content.decode()
    header = html[html.index('<header class="topbar">') : html.index("</header>")]
    assert header.count('href="/accounts/settings/"') == 1
    assert "/contacts/" not in header and "/accounts/identities/" not in header


def test_reading_settings_are_saved(alice, login):
    client = login(alice)
    response = client.post(
        "/accounts/settings/reading/",
        form_data(
            prefer_html="", remote_content="allow", mark_read_on_open="", delete_action="delete"
        ),
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/settings/reading/"
    prefs = Preferences.objects.get(user__username=alice.username)
    assert prefs.prefer_html is False
    assert prefs.remote_content == "allow"
    assert prefs.mark_read_on_open is False
    assert prefs.delete_action == "delete"


def test_saving_one_section_leaves_the_others_alone(alice, login):
    client = login(alice)
    client.post("/accounts/settings/display/", {"theme": "dark", "page_size": "100"})
    client.post("/accounts/settings/", {"time_zone": "Asia/Tokyo", "clock": "12"})
    prefs = Preferences.objects.get(user__username=alice.username)
    assert (prefs.theme, prefs.page_size, prefs.conversation_view) == ("dark", 100, False)
    assert (prefs.time_zone, prefs.clock) == ("Asia/Tokyo", "12")
    assert prefs.prefer_html is True and prefs.delete_action == "trash"


def test_the_theme_is_on_every_page(alice, login):
    client = login(alice)
    client.post("/accounts/settings/display/", {"theme": "dark", "page_size": "50"})
    html = client.get("/mail/INBOX/").content.decode()
    assert 'data-theme="dark"' in html
    assert '<meta name="theme-color" content="#0d141c">' in html


def test_composing_settings_are_saved(alice, login):
    client = login(alice)
    response = client.post(
        "/accounts/settings/composing/",
        {
            "default_format": "html",
            "reply_position": "bottom",
            "signature_position": "bottom",
            "undo_send_delay": "10",
        },
    )
    assert response.status_code == 302
    saved = ComposeSettings.objects.get(user__username=alice.username)
    assert (
        saved.default_format,
        saved.reply_position,
        saved.signature_position,
        saved.undo_send_delay,
    ) == ("html", "bottom", "bottom", 10)


@pytest.mark.parametrize(
    "url, field, value",
    [
        ("/accounts/settings/reading/", "remote_content", "everything"),
        ("/accounts/settings/reading/", "delete_action", "shred"),
        ("/accounts/settings/display/", "page_size", "7"),
        ("/accounts/settings/display/", "theme", "purple"),
        ("/accounts/settings/", "clock", "13"),
    ],
)
def test_invalid_values_are_refused_with_a_message(alice, login, url, field, value):
    client = login(alice)
    data = {**form_data(), "page_size": "50", "time_zone": "UTC", field: value}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    prefs = Preferences.objects.get(user__username=alice.username)
    assert prefs.remote_content == "block" and prefs.delete_action == "trash"
    assert (prefs.page_size, prefs.theme, prefs.clock) == (50, "system", "24")


def test_an_unknown_section_is_not_found(alice, login):
    client = login(alice)
    assert client.get("/accounts/settings/no-such-section/").status_code == 404
    assert client.get("/accounts/settings/contacts/").status_code == 404


def test_settings_need_a_login(client):
    for url in ("/accounts/settings/", "/accounts/settings/display/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_one_users_settings_do_not_touch_anothers(alice, bob, login):
    login(alice).post("/accounts/settings/reading/", form_data(delete_action="delete"))
    login(alice).post(
        "/accounts/settings/composing/",
        {
            "default_format": "html",
            "reply_position": "bottom",
            "signature_position": "bottom",
            "undo_send_delay": "20",
        },
    )
    bob_client = login(bob)
    html = bob_client.get("/accounts/settings/reading/").content.decode()
    assert re.search(r'<input[^>]*name="delete_action"[^>]*value="trash"[^>]*checked', html)
    assert alice.username not in html
    composing = bob_client.get("/accounts/settings/composing/").content.decode()
    assert re.search(r'<option value="text" selected>', composing)
    assert Preferences.objects.get(user__username=bob.username).delete_action == "trash"
    assert Preferences.objects.get(user__username=alice.username).delete_action == "delete"
    bob_compose = ComposeSettings.for_user(
        Preferences.objects.get(user__username=bob.username).user
    )
    assert (bob_compose.default_format, bob_compose.undo_send_delay) == ("text", 0)


def test_security_lists_the_users_own_sessions_only(alice, bob, login, mail_server):
    alice_client = login(alice)
    login(alice)  # a second browser of alice's
    bob_client = login(bob)
    alice_page = alice_client.get("/accounts/two-factor/").content.decode()
    assert alice_page.count('<tr class="session') == 2
    assert alice_page.count('<tr class="session current">') == 1
    bob_page = bob_client.get("/accounts/two-factor/").content.decode()
    assert bob_page.count('<tr class="session') == 1
