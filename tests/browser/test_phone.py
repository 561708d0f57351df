"""Phones and tablets (issue 13): one pane at a time on a phone, everything reachable, a bottom
action bar, touch targets of 44x44 px; a tablet shows the list and the message side by side."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect

from tests.support.browser import ACTION_TIMEOUT_MS, at, fill, log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
TABLET: ViewportSize = {"width": 820, "height": 1180}


def seed(user: MailUser) -> None:
    fill(
        user,
        "INBOX",
        [
            (make_message(subject=f"Note {n}", sender="Carol <carol@example.org>"), [], at(n))
            for n in range(3)
        ],
    )
    fill(user, "Junk", [(make_message(subject="Cheap watches"), [], at(9))])


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    yield page
    context.close()


def too_small(locator: Locator) -> list[str]:
    """The visible elements of `locator` smaller than 44x44 px, described."""
    small = []
    for element in locator.all():
        if not element.is_visible():
            continue
        box = element.bounding_box()
        assert box is not None
        if box["width"] < 44 or box["height"] < 44:
            text = element.inner_text().strip() or element.get_attribute("aria-label") or ""
            small.append(f"{text or element.evaluate('e => e.outerHTML.slice(0, 80)')}: {box}")
    return small


def test_on_a_phone_settings_contacts_identities_and_the_live_toggles_are_reachable(
    phone: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    seed(alice)
    log_in(phone, daphne_server.url, alice)
    account = phone.get_by_role("button", name="Account")
    account.click()
    expect(account).to_have_attribute("aria-expanded", "true")
    expect(phone.get_by_role("button", name="Sound")).to_be_visible()
    expect(phone.get_by_role("button", name="Notifications")).to_be_visible()
    expect(phone.get_by_role("button", name="Log out")).to_be_visible()
    phone.get_by_role("button", name="Sound").click()
    expect(phone.get_by_role("button", name="Sound")).to_have_attribute("aria-pressed", "true")
    phone.keyboard.press("Escape")
    expect(phone.get_by_role("button", name="Log out")).to_be_hidden()

    phone.get_by_role("link", name="Settings").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("General")
    for section, heading in [
        ("Contacts", "Contacts"),
        ("Identities and signatures", "Identities"),
        ("Display", "Display"),
        ("Security", "Security"),
        ("Folders", "Folders"),
    ]:
        link = phone.locator(".settings-nav").get_by_role("link", name=section)
        link.scroll_into_view_if_needed()
        expect(link).to_be_in_viewport()
        link.click()
        expect(phone.get_by_role("heading", level=1)).to_have_text(heading)
    phone.get_by_role("link", name="Back to mail").click()
    expect(phone.locator("table.messages")).to_be_visible()


def test_on_a_phone_one_pane_shows_at_a_time_with_the_actions_at_the_bottom(
    phone: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    seed(alice)
    log_in(phone, daphne_server.url, alice)
    folders = phone.locator("nav#folders")
    expect(folders).to_be_hidden()
    expect(phone.locator("#preview")).to_be_hidden()

    phone.get_by_role("button", name="Folders").click()
    expect(folders).to_be_visible()
    phone.mouse.click(370, 400)  # beside the drawer: it closes
    expect(folders).to_be_hidden()
    phone.get_by_role("button", name="Folders").click()
    folders.get_by_role("link", name=re.compile("Junk")).click()
    expect(phone).to_have_url(re.compile(r"/mail/Junk/$"))
    expect(folders).to_be_hidden()
    phone.goto(f"{daphne_server.url}/mail/INBOX/")

    # The selection's bar sits at the bottom of the screen, only while something is selected.
    toolbar = phone.locator(".list-toolbar")
    expect(toolbar).to_be_hidden()
    box_input = phone.locator("table.messages tr.row").first.locator(".c-check input")
    box_input.check()
    expect(toolbar).to_be_visible()
    box = toolbar.bounding_box()
    assert box is not None and abs(box["y"] + box["height"] - PHONE["height"]) <= 1
    expect(toolbar.get_by_role("button", name="Archive")).to_be_in_viewport()
    expect(toolbar.locator("#selected-count")).to_have_text("1 selected")
    box_input.uncheck()
    expect(toolbar).to_be_hidden()
    box_input.check()

    # A tap on a row opens the message in place of the list; its actions are at the bottom.
    phone.locator("table.messages tr.row", has_text="Note 1").click()
    expect(phone).to_have_url(re.compile(r"/message/INBOX/\d+/$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Note 1")
    expect(phone.locator("table.messages")).to_have_count(0)
    actions = phone.locator(".message-page form.message-actions")
    box = actions.bounding_box()
    assert box is not None and abs(box["y"] + box["height"] - PHONE["height"]) <= 1
    expect(actions.get_by_role("button", name="Delete")).to_be_visible()
    phone.get_by_role("link", name=re.compile("Back to Inbox")).click()
    expect(phone.locator("table.messages")).to_be_visible()


def test_on_a_phone_touch_targets_are_at_least_44_px(
    phone: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    seed(alice)
    log_in(phone, daphne_server.url, alice)
    small = too_small(phone.locator(".topbar a, .topbar button"))
    phone.locator("table.messages tr.row .c-check input").first.check()  # the bar shows
    expect(phone.locator(".list-toolbar")).to_be_visible()
    small += too_small(phone.locator(".list-toolbar button, .list-toolbar .select-all"))
    small += too_small(phone.locator("table.messages tr.row"))
    small += too_small(phone.locator(".pager a, .search-box button"))
    phone.get_by_role("button", name="Folders").click()
    small += too_small(phone.locator("nav#folders li.folder a"))
    phone.get_by_role("button", name="Folders").click()
    phone.get_by_role("button", name="Account").click()
    small += too_small(phone.locator(".account button"))
    phone.locator("table.messages tr.row .c-subject a").first.click()
    expect(phone.locator("article.message")).to_be_visible()
    small += too_small(phone.locator(".message-page form.message-actions button"))
    small += too_small(phone.locator(".message-page .back a, .message-page nav.message-actions a"))
    phone.goto(f"{daphne_server.url}/accounts/settings/display/")
    small += too_small(phone.locator(".settings-nav a, .settings-area button"))
    assert small == []


def test_a_tablet_shows_the_list_and_the_message_side_by_side(
    browser: Browser, daphne_server: LiveServer, alice: MailUser
) -> None:
    seed(alice)
    context = browser.new_context(viewport=TABLET, has_touch=True)
    try:
        page = context.new_page()
        log_in(page, daphne_server.url, alice)
        page.locator("table.messages tr.row", has_text="Note 2").locator(".c-subject a").click()
        preview = page.locator("#preview")
        expect(preview.locator(".subject")).to_have_text("Note 2")
        expect(page).to_have_url(re.compile(r"/mail/INBOX/"))
        listing = page.locator("main.list-pane").bounding_box()
        shown = preview.bounding_box()
        assert listing is not None and shown is not None
        assert listing["x"] + listing["width"] <= shown["x"] + 1
        assert listing["width"] > 300 and shown["width"] > 300
        # The folders are one tap away.
        page.get_by_role("button", name="Folders").click()
        expect(page.locator("nav#folders")).to_be_visible()
    finally:
        context.close()
