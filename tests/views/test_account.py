"""The settings page: reading and organizing preferences."""

from __future__ import annotations

import re

import pytest

from accounts.models import Preferences

pytestmark = pytest.mark.django_db


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "time_zone": "Europe/Berlin",
        "page_size": "50",
        "prefer_html": "on",
        "remote_content": "block",
        "mark_read_on_open": "on",
        "delete_action": "trash",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


def test_new_users_get_safe_defaults(alice, login):
    login(alice)
    prefs = Preferences.objects.get(user__username=alice.username)
    assert prefs.prefer_html is True
    assert prefs.remote_content == "block"
    assert prefs.mark_read_on_open is True
    assert prefs.delete_action == "trash"
    assert prefs.conversation_view is False


def test_settings_page_shows_every_setting(alice, login):
    html = login(alice).get("/accounts/settings/").content.decode()
    for name in (
        "time_zone",
        "page_size",
        "prefer_html",
        "remote_content",
        "mark_read_on_open",
        "delete_action",
        "conversation_view",
    ):
        assert f'name="{name}"' in html, name


def test_settings_are_saved(alice, login):
    client = login(alice)
    response = client.post(
        "/accounts/settings/",
        form_data(
            prefer_html="",
            remote_content="allow",
            mark_read_on_open="",
            delete_action="delete",
            conversation_view="on",
        ),
    )
    assert response.status_code == 302
    prefs = Preferences.objects.get(user__username=alice.username)
    assert prefs.time_zone == "Europe/Berlin"
    assert prefs.prefer_html is False
    assert prefs.remote_content == "allow"
    assert prefs.mark_read_on_open is False
    assert prefs.delete_action == "delete"
    assert prefs.conversation_view is True


@pytest.mark.parametrize(
    "field, value",
    [("remote_content", "everything"), ("delete_action", "shred"), ("page_size", "7")],
)
def test_invalid_values_are_refused_with_a_message(alice, login, field, value):
    client = login(alice)
    response = client.post("/accounts/settings/", form_data(**{field: value}))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    prefs = Preferences.objects.get(user__username=alice.username)
    assert prefs.remote_content == "block" and prefs.delete_action == "trash"


def test_one_users_settings_do_not_touch_anothers(alice, bob, login):
    login(alice).post("/accounts/settings/", form_data(delete_action="delete"))
    bob_client = login(bob)
    html = bob_client.get("/accounts/settings/").content.decode()
    assert re.search(r'<input[^>]*name="delete_action"[^>]*value="trash"[^>]*checked', html)
    assert Preferences.objects.get(user__username=bob.username).delete_action == "trash"
    assert Preferences.objects.get(user__username=alice.username).delete_action == "delete"
