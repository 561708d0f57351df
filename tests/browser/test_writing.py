"""Writing mail in Chromium, the details a new user trips over: Enter in a one-line field never
sends (it takes the autocomplete suggestion), warnings before sending without a subject or
without the attachment the text mentions, drafts that hold something, paragraphs kept when
switching to HTML, Send and attach in view."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import log_in
from tests.support.compose import folder_messages
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer

pytestmark = pytest.mark.browser

COMPOSE_URL = re.compile(r"/compose/[0-9a-f]{32}/$")


def compose(page: Page, server: LiveServer, user: MailUser) -> None:
    log_in(page, server.url, user)
    page.get_by_role("link", name="Compose").click()
    expect(page).to_have_url(COMPOSE_URL)
    page.wait_for_load_state("load")


def add_contact(page: Page, name: str, address: str) -> None:
    page.get_by_role("link", name="Contacts").click()
    page.get_by_role("link", name="Add a contact").click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email address").fill(address)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("tr.contact")).to_contain_text([name])


@pytest.mark.parametrize("field", ["To", "Cc", "Subject"])
def test_enter_in_a_one_line_field_never_sends(
    page: Page, daphne_server: LiveServer, alice: MailUser, bob: MailUser, field: str
) -> None:
    compose(page, daphne_server, alice)
    page.get_by_label("To", exact=True).fill(bob.address)
    page.get_by_label(field, exact=True).click()
    page.get_by_label(field, exact=True).press("End")
    page.get_by_label(field, exact=True).press("Enter")
    page.get_by_label("Message text", exact=True).fill("still writing")
    # Nothing was sent: the page is still the editor, with what was typed.
    expect(page).to_have_url(COMPOSE_URL)
    expect(page.get_by_label("Message text", exact=True)).to_have_value("still writing")
    assert folder_messages(bob, "INBOX") == []


def test_enter_with_suggestions_open_takes_the_first_one(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    log_in(page, daphne_server.url, alice)
    add_contact(page, "Zoë Quist", "zoe@example.net")
    page.get_by_role("link", name="Compose").click()
    expect(page).to_have_url(COMPOSE_URL)
    to = page.get_by_label("To", exact=True)
    to.press_sequentially("Zo", delay=50)
    expect(page.locator("#c-to-list li", has_text="Zoë Quist")).to_be_visible()
    to.press("Enter")
    expect(to).to_have_value("Zoë Quist <zoe@example.net>, ")
    expect(page.locator("#c-to-list")).to_be_hidden()
    expect(page).to_have_url(COMPOSE_URL)
