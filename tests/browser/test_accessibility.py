"""axe-core on every main screen, at desktop and phone width: no violation (WCAG 2.1 A/AA and
axe's best practices: one h1, one main landmark, a skip link that works, contrast)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from typing import Literal

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser.test_admin import admin_log_in, create_admin
from tests.support.axe import axe_violations
from tests.support.browser import at, fill, log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from webmail.devmail.demo import make_png
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser

WIDTHS: dict[str, ViewportSize] = {
    "desktop": {"width": 1366, "height": 800},
    "phone": {"width": 390, "height": 844},
}


def seed(user: MailUser) -> None:
    photo = make_message(
        subject="Photos from the trip",
        sender="Bob <bob@example.org>",
        text="Two photos.\n",
        html="<p>Two <b>photos</b>.</p>",
        attachments=[("beach.png", "image/png", make_png(seed=1))],
    )
    items: list[tuple[EmailMessage, list[str], datetime]] = [(photo, [], at(0))]
    items += [
        (make_message(subject=f"Report {n}", sender="Carol <carol@example.org>"), ["\\Seen"], at(n))
        for n in range(1, 6)
    ]
    fill(user, "INBOX", items)


def screens(base: str) -> dict[str, Callable[[Page], None]]:
    def go(path: str) -> Callable[[Page], None]:
        def show(page: Page) -> None:
            page.goto(base + path)
            page.wait_for_load_state("load")

        return show

    def message(page: Page) -> None:
        go("/mail/INBOX/")(page)
        href = page.locator("table.messages tr.row .c-subject a").last.get_attribute("href")
        go(href or "")(page)
        expect(page.locator("article.message")).to_be_visible()

    return {
        "mailbox": go("/mail/INBOX/"),
        "message": message,
        "compose": go("/compose/"),
        "search": go("/search/?folder=INBOX&q=report"),
        **{
            f"settings-{slug}": go(f"/accounts/settings/{slug}/")
            for slug in ("display", "reading", "composing")
        },
        "settings-general": go("/accounts/settings/"),
        "identities": go("/accounts/identities/"),
        "security": go("/accounts/two-factor/"),
        "folders": go("/folders/"),
        "contacts": go("/contacts/"),
    }


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_main_screens_have_no_axe_violations(
    browser: Browser,
    daphne_server: LiveServer,
    alice: MailUser,
    width: str,
    scheme: Literal["light", "dark"],
) -> None:
    seed(alice)
    context = browser.new_context(viewport=WIDTHS[width], color_scheme=scheme, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{daphne_server.url}/accounts/login/")
        found = {"login": axe_violations(page)}
        log_in(page, daphne_server.url, alice)
        for name, show in screens(daphne_server.url).items():
            show(page)
            found[name] = axe_violations(page)
            if (h1 := page.locator("h1").count()) != 1:
                found[name].append({"id": "one-h1", "count": h1})
        bad = {name: v for name, v in found.items() if v}
        assert not bad, json.dumps(bad, indent=1)
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_admin_dashboard_has_no_axe_violations(
    browser: Browser, daphne_server: LiveServer, width: str
) -> None:
    username, password = create_admin(daphne_server)
    context = browser.new_context(viewport=WIDTHS[width], bypass_csp=True)
    try:
        page = context.new_page()
        admin_log_in(page, daphne_server.url, username, password)
        page.goto(f"{daphne_server.url}/admin/dashboard/")
        assert axe_violations(page) == []
    finally:
        context.close()


def test_the_skip_link_reaches_the_list(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    seed(alice)
    log_in(page, daphne_server.url, alice)
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    expect(page.locator("main#main table.messages")).to_be_visible()
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.closest('main') !== null")
    assert focused
