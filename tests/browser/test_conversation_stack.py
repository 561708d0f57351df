"""The conversation stack in Chromium: opening a conversation shows its messages, your reply
from Sent among them, older ones collapsed until clicked, the newest expanded.

WEBMAIL_SHOTS=<dir> also saves screenshots (desktop and phone, light and dark)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.axe import axe_everywhere
from tests.support.browser import log_in
from tests.support.conversation import seed
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer

pytestmark = pytest.mark.browser


def shoot(page: Page, name: str, phone_url: str) -> None:
    target = os.environ.get("WEBMAIL_SHOTS")
    if not target:
        return
    Path(target).mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme="dark" if scheme == "dark" else "light")
        page.set_viewport_size({"width": 1366, "height": 800})
        page.screenshot(path=f"{target}/{name}-desktop-{scheme}.png")
    phone = page.context.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    for scheme in ("light", "dark"):
        phone.emulate_media(color_scheme="dark" if scheme == "dark" else "light")
        phone.goto(phone_url)
        phone.locator("details.conv-item summary").first.click()
        expect(phone.locator("details.conv-item").first.locator("article.message")).to_be_visible()
        phone.screenshot(path=f"{target}/{name}-phone-{scheme}.png")
    phone.close()
    page.emulate_media(color_scheme="light")


def test_opening_a_conversation_stacks_it_with_my_reply(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    seed(alice)
    log_in(page, daphne_server.url, alice)
    page.get_by_role("link", name="Conversations").click()
    head = page.locator("tr.row.thread").first
    head.locator(".c-from").click()
    stack = page.locator("#preview section.conversation")
    expect(stack).to_be_visible()
    items = stack.locator("details.conv-item")
    expect(items).to_have_count(2)
    # Oldest first, collapsed: bob's question, then my reply from Sent (marked as sent).
    expect(items.nth(0)).to_contain_text("Shall we walk on Sunday?")
    expect(items.nth(1).locator(".conv-badge")).to_have_text("Sent")
    expect(items.nth(1)).to_contain_text("Yes, at ten?")
    for i in range(2):
        expect(items.nth(i)).not_to_have_attribute("open", "")
    # The newest is open, its HTML in the sandboxed frame.
    newest = stack.locator("> article.message")
    expect(newest.locator("h2.subject")).to_have_text("Re: Walk")
    expect(newest.locator("iframe.body-html")).to_have_attribute(
        "sandbox", "allow-same-origin allow-popups allow-popups-to-escape-sandbox"
    )
    # A click opens an older one in place: the message itself, as the preview shows it.
    items.nth(1).locator("summary").click()
    expect(items.nth(1)).to_have_attribute("open", "")
    expect(items.nth(1).locator("article.message .body-text")).to_contain_text("Yes, at ten?")
    expect(items.nth(1).locator("section.conversation")).to_have_count(0)
    # And closes again.
    items.nth(1).locator("summary").click()
    expect(items.nth(1).locator("article.message")).to_be_hidden()
    message_url = newest.locator("a.open-link").get_attribute("href")
    assert message_url
    newest_uid = message_url.rstrip("/").rsplit("/", 1)[-1]
    shoot(page, "conversation", daphne_server.url + message_url)
    # r replies to the newest message, also with an older one open above it.
    items.nth(0).locator("summary").click()
    expect(items.nth(0).locator("article.message")).to_be_visible()
    with page.expect_request(re.compile(r"/compose/\?kind=reply&")) as request:
        page.keyboard.press("r")
    assert f"folder=INBOX&uid={newest_uid}" in request.value.url


def test_the_stack_has_no_axe_violations(
    browser: Browser, daphne_server: LiveServer, alice: MailUser
) -> None:
    uids = seed(alice)
    context = browser.new_context(viewport={"width": 1366, "height": 800}, bypass_csp=True)
    try:
        page = context.new_page()
        log_in(page, daphne_server.url, alice)
        page.get_by_role("link", name="Conversations").click()
        # The list switches in place: the choice is the session's once the new list is shown.
        expect(page.locator('table.messages[data-view="threads"]')).to_be_visible()
        page.goto(f"{daphne_server.url}/message/INBOX/{uids['INBOX'][2]}/")
        page.locator("details.conv-item summary").first.click()
        expect(page.locator("details.conv-item").first.locator("article.message")).to_be_visible()
        assert page.locator("h1").count() == 1
        bad = axe_everywhere(page)
        assert not bad, json.dumps(bad, indent=1)
    finally:
        context.close()
