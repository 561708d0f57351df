"""Sent and Drafts name the recipients ("To: …") instead of the sender, on the page and in rows
added live (the same rows template)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import at, fresh_dom, list_dom, log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser


def test_sent_shows_the_recipients_also_for_rows_added_live(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    alice.append(
        "Sent",
        make_message(subject="Plans", sender=alice.address, to=["Zoë Quist <zoe@example.net>"]),
        when=at(0),
    )
    log_in(page, daphne_server.url, alice)
    page.goto(f"{daphne_server.url}/mail/Sent/")
    expect(page.locator("body")).to_have_attribute("data-live", "websocket")
    first = page.locator("table.messages tr.row").first
    expect(first.locator(".c-from")).to_have_text("To: Zoë Quist")
    expect(first.locator(".c-from")).to_have_attribute("title", "zoe@example.net")
    alice.append(
        "Sent",
        make_message(
            subject="Live one", sender=alice.address, to=["Bob <bob@example.org>", "c@example.org"]
        ),
    )
    expect(first.locator(".c-subject a")).to_have_text("Live one")
    expect(first.locator(".c-from")).to_have_text("To: Bob, c@example.org")
    assert list_dom(page)["list"] == fresh_dom(page)["list"]
    # The Inbox still names the sender.
    page.goto(f"{daphne_server.url}/mail/INBOX/")
    alice.append("INBOX", make_message(subject="Hello", sender="Yan <yan@example.org>"))
    expect(page.locator("table.messages tr.row .c-from").first).to_have_text("Yan")
