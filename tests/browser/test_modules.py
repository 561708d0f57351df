"""The page scripts are ES modules (static/webmail/*.js importing static/webmail/lib/*.js),
served by WhiteNoise with a JavaScript MIME type (browsers refuse a module served otherwise)
and allowed by the Content-Security-Policy: no page logs an error."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import at, log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser

MODULES = [
    "webmail.js",
    "actions.js",
    "live.js",
    "message.js",
    "compose.js",
    "lib/dom.js",
    "lib/keyboard.js",
    "lib/preview.js",
    "lib/session.js",
    "lib/inplace.js",
    "panes.js",
    "sw.js",
    "offline/register.js",
    "offline/store.js",
    "offline/effects.js",
    "offline/keep.js",
    "offline/outbox.js",
    "offline/app.js",
    "offline/settings.js",
    "offline/unlock.js",
]


@pytest.mark.parametrize("name", MODULES)
def test_module_is_served_as_javascript(page: Page, daphne_server: LiveServer, name: str) -> None:
    response = page.request.get(f"{daphne_server.url}/static/webmail/{name}")
    assert response.status == 200
    assert response.headers["content-type"].split(";")[0] == "text/javascript"


def test_mail_pages_load_their_modules_without_errors(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    uid = alice.append("INBOX", make_message(subject="Module check", date=at(0)), when=at(0))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    log_in(page, daphne_server.url, alice)
    # (lib/gettext-fallback.js is the one classic script: the catalogue's globals, before modules.)
    scripts = page.locator("script[src*='/static/webmail/']:not([src$='/gettext-fallback.js'])")
    assert scripts.count() >= 3
    for i in range(scripts.count()):
        assert scripts.nth(i).get_attribute("type") == "module"
    expect(page.locator("body")).to_have_attribute("data-live", "websocket")  # live.js ran
    page.keyboard.press("j")  # webmail.js through lib/keyboard.js
    expect(page.locator("tr.row").first).to_have_class("row unread selected")
    page.keyboard.press("?")  # actions.js through the same handler
    expect(page.locator("#shortcut-help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#shortcut-help")).to_be_hidden()
    page.goto(f"{daphne_server.url}/message/INBOX/{uid}/")
    expect(page.locator("main")).to_contain_text("Hello world")
    page.goto(f"{daphne_server.url}/compose/")
    expect(page.locator("#compose")).to_be_visible()
    page.goto(f"{daphne_server.url}/search/?q=Module")
    expect(page.locator("table.messages tr.row")).to_have_count(1)
    failed = [url for url in failed if not url.endswith("/favicon.ico")]  # the browser's own
    assert failed == []
    assert [e for e in errors if not e.startswith("Failed to load resource")] == []
