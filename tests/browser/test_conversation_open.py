"""Conversation view in Chromium: a conversation of two or more messages opens its newest
message in the preview pane by click, Enter or o, never the whole application inside the pane;
and rows added live are rows like the others at phone width too."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import at, fill, fresh_dom, list_dom, log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser

ROOT = "<walk@example.org>"


def seed(alice: MailUser) -> None:
    fill(
        alice,
        "INBOX",
        [
            (make_message(subject="Walk", message_id=ROOT, date=at(1)), ("\\Seen",), at(1)),
            (make_message(subject="Alone", date=at(2)), ("\\Seen",), at(2)),
            (
                make_message(
                    subject="Re: Walk",
                    in_reply_to=ROOT,
                    references=[ROOT],
                    date=at(3),
                    text="Sunday at ten?",
                ),
                (),
                at(3),
            ),
        ],
    )


def only_the_message_in_the_pane(page: Page) -> None:
    preview = page.locator("#preview")
    expect(preview.locator("h2.subject")).to_have_text("Re: Walk")
    expect(preview.locator("nav#folders")).to_have_count(0)
    expect(preview.locator("table.messages")).to_have_count(0)
    expect(preview.locator("header.topbar")).to_have_count(0)
    assert page.locator("nav#folders").count() == 1


@pytest.mark.parametrize("how", ["click", "Enter", "o"])
def test_a_conversation_opens_its_message_in_the_preview(
    page: Page, daphne_server: LiveServer, alice: MailUser, how: str
) -> None:
    seed(alice)
    log_in(page, daphne_server.url, alice)
    page.get_by_role("link", name="Conversations").click()
    head = page.locator("tr.row.thread").first
    expect(head.locator(".thread-count")).to_have_text("2")
    if how == "click":
        head.locator(".c-from").click()
    else:
        page.keyboard.press("j")
        expect(head).to_have_class("row thread unread selected")
        page.keyboard.press(how)
    only_the_message_in_the_pane(page)
    expect(page.locator("#preview")).to_contain_text("Sunday at ten?")


def test_rows_added_live_at_phone_width_are_rows_like_the_others(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    alice.append("INBOX", make_message(subject="Before", date=at(0)), when=at(0))
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, daphne_server.url, alice)
    expect(page.locator("body")).to_have_attribute("data-live", "websocket")
    alice.append(
        "INBOX", make_message(subject="Arrived on the phone", sender="Zoë <z@example.org>")
    )
    first = page.locator("table.messages tr.row").first
    expect(first.locator(".c-subject a")).to_have_text("Arrived on the phone")
    # The same rows as a fresh render of the page (the folder tree is cached by the server).
    assert list_dom(page)["list"] == fresh_dom(page)["list"]
    # The live row is laid out like a fresh one: subject and sender both visible, same height.
    box_new = first.bounding_box()
    box_old = page.locator("table.messages tr.row").nth(1).bounding_box()
    assert box_new and box_old and abs(box_new["height"] - box_old["height"]) < 1
    expect(first.locator(".c-from")).to_be_visible()
    first.locator(".c-subject a").click()
    # A phone shows one pane at a time: the message opens as its own page (subject in its h1).
    expect(page.locator("article.message h1.subject")).to_have_text("Arrived on the phone")
