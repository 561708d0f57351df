"""Choosing German in Settings › General, in Chromium (issue 18): every page at once, the
scripts' catalogue with it; a French browser gets French until the user chooses."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser


def test_switching_to_german_in_settings(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    alice.append("INBOX", make_message(subject="Zorblat", sender="quaxby@example.org"))
    log_in(page, daphne_server.url, alice)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Settings").first.click()
    page.get_by_label("Language").select_option("de")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_contain_text("Einstellungen gespeichert.")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_label("Sprache")).to_have_value("de")
    # The mailbox, its folder names, toolbar and rows, and the scripts' gettext().
    page.goto(f"{daphne_server.url}/mail/INBOX/")
    expect(page.get_by_role("navigation", name="Ordner")).to_contain_text("Papierkorb")
    expect(page.locator(".list-head h1")).to_have_text("Posteingang")
    expect(page.get_by_role("button", name="Löschen").first).to_be_attached()
    expect(page.locator("th.c-subject")).to_have_text("Betreff")
    assert page.evaluate("typeof gettext === 'function' && typeof ngettext === 'function'")
    assert page.evaluate("interpolate('%s von %s', [1, 2])") == "1 von 2"
    # Back to the browser's language.
    page.goto(f"{daphne_server.url}/accounts/settings/")
    page.get_by_label("Sprache").select_option("")
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator(".flash")).to_contain_text("Settings saved.")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_a_french_browser_gets_french_from_the_login_page(
    browser: Browser, daphne_server: LiveServer, alice: MailUser
) -> None:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1366, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"{daphne_server.url}/accounts/login/")
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        page.get_by_label("E-mail ou nom d’utilisateur").fill(alice.username)
        page.get_by_label("Mot de passe").fill(alice.password)
        page.get_by_role("button", name="Se connecter").click()
        expect(page.locator(".list-head h1")).to_have_text("Boîte de réception")
    finally:
        context.close()
