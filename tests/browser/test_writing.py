"""Writing mail in Chromium, the details a new user trips over: Enter in a one-line field never
sends (it takes the autocomplete suggestion), warnings before sending without a subject or
without the attachment the text mentions, drafts that hold something, paragraphs kept when
switching to HTML, Send and attach in view."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import INBOX_URL, add_contact, log_in
from tests.support.compose import folder_messages, text_of
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from tests.support.waiting import wait_for

pytestmark = pytest.mark.browser

COMPOSE_URL = re.compile(r"/compose/[0-9a-f]{32}/$")


def compose(page: Page, server: LiveServer, user: MailUser) -> None:
    log_in(page, server.url, user)
    page.get_by_role("link", name="Compose").click()
    expect(page).to_have_url(COMPOSE_URL)
    page.wait_for_load_state("load")


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


def test_sending_without_a_subject_asks_first(
    page: Page, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    compose(page, daphne_server, alice)
    page.get_by_label("To", exact=True).fill(bob.address)
    page.get_by_label("Message text", exact=True).fill("Just a quick note.")
    page.get_by_role("button", name="Send", exact=True).click()
    question = page.get_by_role("alertdialog", name="Send this message?")
    expect(question).to_contain_text("This message has no subject.")
    expect(page.get_by_label("Message text", exact=True)).to_have_value("Just a quick note.")
    assert folder_messages(bob, "INBOX") == []
    page.get_by_role("button", name="Send anyway").click()
    expect(page).to_have_url(INBOX_URL)
    [(_uid, _flags, msg)] = wait_for(lambda: folder_messages(bob, "INBOX"))
    assert text_of(msg).strip() == "Just a quick note."


@pytest.mark.parametrize(
    "text", ["The report is attached.", "Anbei die Zahlen.", "Voir le document ci-joint."]
)
def test_mentioning_an_attachment_without_one_asks_first(
    page: Page, daphne_server: LiveServer, alice: MailUser, bob: MailUser, text: str
) -> None:
    compose(page, daphne_server, alice)
    page.get_by_label("To", exact=True).fill(bob.address)
    page.get_by_label("Subject").fill("Numbers")
    page.get_by_label("Message text", exact=True).fill(text)
    page.get_by_role("button", name="Send", exact=True).click()
    question = page.get_by_role("alertdialog", name="Send this message?")
    expect(question).to_contain_text("mentions an attachment, but no file is attached")
    # Keep editing: the question goes, everything typed is still there, nothing was sent.
    page.get_by_role("link", name="Keep editing").click()
    expect(question).to_be_hidden()
    expect(page.get_by_label("Subject")).to_have_value("Numbers")
    expect(page.get_by_label("Message text", exact=True)).to_have_value(text)
    assert folder_messages(bob, "INBOX") == []


def test_a_quoted_mention_of_an_attachment_does_not_ask(
    page: Page, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    compose(page, daphne_server, alice)
    page.get_by_label("To", exact=True).fill(bob.address)
    page.get_by_label("Subject").fill("Re: Numbers")
    page.get_by_label("Message text", exact=True).fill("Thanks!\n\n> The report is attached.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page).to_have_url(INBOX_URL)
    assert wait_for(lambda: folder_messages(bob, "INBOX"))


def test_a_compose_with_only_a_recipient_is_not_saved_as_a_draft(
    page: Page, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    compose(page, daphne_server, alice)
    page.get_by_label("To", exact=True).fill(bob.address)
    with page.expect_response(re.compile(r"/save/$")) as saved:
        page.get_by_role("button", name="Save draft").click()
    assert saved.value.json()["skipped"] is True
    expect(page.locator("#c-status")).to_have_text("")
    page.get_by_label("Subject").fill("Now there is something")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#c-status")).to_contain_text("Draft saved")
    assert [str(m["Subject"]) for _u, _f, m in folder_messages(alice, "Drafts")] == [
        "Now there is something"
    ]


def test_switching_to_html_keeps_paragraphs_and_blank_lines(
    page: Page, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    compose(page, daphne_server, alice)
    page.get_by_label("To", exact=True).fill(bob.address)
    page.get_by_label("Subject").fill("Paragraphs")
    text = "Dear Bob,\n\nfirst paragraph\nsecond line\n\n\nafter two blank lines"
    page.get_by_label("Message text", exact=True).fill(text)
    page.get_by_role("radio", name="HTML").check()
    paragraphs = page.locator("#c-editor .ql-editor > p")
    expect(paragraphs).to_have_text(
        ["Dear Bob,", "", "first paragraph", "second line", "", "", "after two blank lines"]
    )
    page.get_by_role("radio", name="Plain text").check()
    expect(page.get_by_label("Message text", exact=True)).to_have_value(text)
    page.get_by_role("radio", name="HTML").check()
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page).to_have_url(INBOX_URL)
    [(_uid, _flags, msg)] = wait_for(lambda: folder_messages(bob, "INBOX"))
    body = msg.get_body(("html",))
    assert body is not None
    html = body.get_content()
    assert re.search(
        r"<p>Dear Bob,</p>\s*<p>(<br>)?</p>\s*<p>first paragraph</p>\s*<p>second line</p>"
        r"\s*<p>(<br>)?</p>\s*<p>(<br>)?</p>\s*<p>after two blank lines</p>",
        html,
    ), html
    # The plain alternative keeps the paragraphs (runs of blank lines become one).
    plain = text_of(msg).replace("\r\n", "\n").strip()
    assert plain.startswith("Dear Bob,\n\nfirst paragraph\nsecond line\n\n"), plain


@pytest.mark.parametrize("size", [(1366, 800), (390, 844)], ids=["desktop", "phone"])
def test_send_and_attach_are_in_view_without_scrolling(
    page: Page, daphne_server: LiveServer, alice: MailUser, size: tuple[int, int]
) -> None:
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    compose(page, daphne_server, alice)
    page.get_by_label("Message text", exact=True).fill("line\n" * 80)
    page.get_by_label("Message text", exact=True).press("Control+End")
    for control in (
        page.get_by_role("button", name="Send", exact=True),
        page.locator("label.attach-button"),
    ):
        expect(control).to_be_in_viewport()
        box = control.bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= height


def test_an_address_written_to_can_be_removed_from_suggestions(
    page: Page, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    compose(page, daphne_server, alice)
    page.get_by_label("To", exact=True).fill(bob.address)
    page.get_by_label("Subject").fill("hello")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page).to_have_url(INBOX_URL)
    page.get_by_role("link", name="Compose").click()
    to = page.get_by_label("To", exact=True)
    to.press_sequentially(bob.username[:6], delay=50)
    expect(page.locator("#c-to-list li")).to_have_text([bob.address])
    page.get_by_role("button", name=f"Remove {bob.address} from suggestions").click()
    expect(page.locator("#c-to-list li")).to_have_count(0)
    to.fill("")
    with page.expect_response(re.compile(r"/contacts/autocomplete/")) as answer:
        to.press_sequentially(bob.username[:6], delay=50)
    assert answer.value.json()["results"] == []
    expect(page.locator("#c-to-list")).to_be_hidden()
