"""Paging, sorting, switching folders and opening a message in place (issue 13): the list, the
counts, the title and the preview change without reloading the page; each step has an address
of its own (history.pushState), so Back, Forward, reload and links keep working."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Route, expect

from tests.support.browser import at, fill, folder_item, log_in, subjects
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser

ROWS = "table.messages tr.row"
COUNT = ".list-head .count"


def fill_inbox(user: MailUser, count: int) -> None:
    fill(
        user,
        "INBOX",
        [(make_message(subject=f"Message {i}", date=at(i)), (), at(i)) for i in range(count)],
    )


def mark(page: Page) -> None:
    """A marker on the window: it survives everything but a page load."""
    page.evaluate("window.notReloaded = true")


def not_reloaded(page: Page) -> None:
    assert page.evaluate("window.notReloaded") is True


def test_page_two_then_back_and_forward_without_a_load(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill_inbox(alice, 60)
    log_in(page, daphne_server.url, alice)
    expect(page.locator(COUNT)).to_have_text("1–50 of 60")
    mark(page)
    page.locator(".pager").get_by_role("link", name="Older ›").click()
    expect(page.locator(COUNT)).to_have_text("51–60 of 60")
    expect(page).to_have_url(re.compile(r"/mail/INBOX/\?.*page=2"))
    assert subjects(page)[0] == "Message 9"
    assert page.evaluate("!!document.activeElement.closest('main.list-pane')")  # focus stays
    not_reloaded(page)
    page.go_back()
    expect(page.locator(COUNT)).to_have_text("1–50 of 60")
    expect(page).to_have_url(re.compile(r"/mail/INBOX/$"))
    assert subjects(page)[0] == "Message 59"
    page.go_forward()
    expect(page.locator(COUNT)).to_have_text("51–60 of 60")
    not_reloaded(page)
    # The page drawn in place acts like a loaded one: its toolbar works on its rows.
    page.locator(ROWS).filter(has_text="Message 3").locator(".c-check input").check()
    expect(page.locator("#selected-count")).to_have_text("1 selected")
    page.keyboard.press("#")
    expect(page.locator(".flash")).to_contain_text("Moved 1 message to Trash.")
    expect(page.locator(COUNT)).to_have_text("51–59 of 59")
    expect(page).to_have_url(re.compile(r"page=2"))
    not_reloaded(page)
    # Reload: the same page, from the server.
    page.reload()
    expect(page.locator(COUNT)).to_have_text("51–59 of 59")


def test_sorting_in_place(page: Page, daphne_server: LiveServer, alice: MailUser) -> None:
    fill(
        alice,
        "INBOX",
        [
            (make_message(subject=name, date=at(i)), (), at(i))
            for i, name in enumerate(["Banana", "Cherry", "Apple"])
        ],
    )
    log_in(page, daphne_server.url, alice)
    assert subjects(page) == ["Apple", "Cherry", "Banana"]
    mark(page)
    page.locator("thead th.c-subject a").click()
    expect(page.locator(f"{ROWS} .c-subject a")).to_have_text(["Apple", "Banana", "Cherry"])
    expect(page.locator("thead th.c-subject")).to_have_attribute("aria-sort", "ascending")
    expect(page).to_have_url(re.compile(r"sort=subject"))
    page.locator("thead th.c-subject a").click()
    expect(page.locator(f"{ROWS} .c-subject a")).to_have_text(["Cherry", "Banana", "Apple"])
    page.go_back()
    expect(page.locator(f"{ROWS} .c-subject a")).to_have_text(["Apple", "Banana", "Cherry"])
    not_reloaded(page)


def test_switching_folders_in_place_with_counts_and_title(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill_inbox(alice, 3)
    alice.create_folder("Projects")
    fill(
        alice,
        "Projects",
        [(make_message(subject=f"Plan {i}", date=at(i)), (), at(i)) for i in range(2)],
    )
    log_in(page, daphne_server.url, alice)
    expect(page).to_have_title("(3) Inbox – Webmail")
    expect(folder_item(page, "Projects").locator(".unseen")).to_have_text("2")
    mark(page)
    folder_item(page, "Projects").get_by_role("link").click()
    expect(page.locator("main h1")).to_have_text("Projects")
    expect(page).to_have_title("(3) Projects – Webmail")
    expect(page).to_have_url(re.compile(r"/mail/Projects/$"))
    expect(page.locator(f"{ROWS} .c-subject a")).to_have_text(["Plan 1", "Plan 0"])
    expect(folder_item(page, "Projects")).to_have_attribute("aria-current", "page")
    expect(folder_item(page, "INBOX")).not_to_have_attribute("aria-current", "page")
    expect(folder_item(page, "INBOX").locator(".unseen")).to_have_text("3")
    # Live mail follows the folder shown: a message delivered to it appears in the list.
    expect(page.locator("body")).to_have_attribute("data-live", re.compile("websocket|polling"))
    alice.append("Projects", make_message(subject="Plan 2", date=at(5)), when=at(5))
    expect(page.locator(f"{ROWS} .c-subject a").first).to_have_text("Plan 2", timeout=30_000)
    # An action in the new folder: in place, and the counts follow.
    page.locator(ROWS).filter(has_text="Plan 0").locator(".c-check input").check()
    page.get_by_role("button", name="Read", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("1 message")
    expect(folder_item(page, "Projects").locator(".unseen")).to_have_text("2")
    expect(page).to_have_url(re.compile(r"/mail/Projects/$"))
    not_reloaded(page)
    page.go_back()
    expect(page.locator("main h1")).to_have_text("Inbox")
    expect(page).to_have_title("(3) Inbox – Webmail")
    expect(folder_item(page, "INBOX")).to_have_attribute("aria-current", "page")
    not_reloaded(page)


def test_opening_a_message_gives_it_an_address_that_reload_shows(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill_inbox(alice, 3)
    log_in(page, daphne_server.url, alice)
    mark(page)
    page.locator(ROWS).filter(has_text="Message 1").click()
    expect(page.locator("#preview h2.subject")).to_have_text("Message 1")
    expect(page).to_have_url(re.compile(r"/mail/INBOX/\?msg=\d+$"))
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page.locator("#preview h2.subject")).to_have_text("Message 0")
    not_reloaded(page)
    page.go_back()
    expect(page.locator("#preview h2.subject")).to_have_text("Message 1")
    expect(page.locator(ROWS).filter(has_text="Message 1")).to_have_class(
        re.compile(r"\bselected\b")
    )
    not_reloaded(page)
    page.reload()
    expect(page.locator("#preview h2.subject")).to_have_text("Message 1")
    expect(page.locator(ROWS).filter(has_text="Message 1")).not_to_have_class(
        re.compile(r"\bunread\b")
    )
    # s flags the open message and keeps it open; the action's address has no ?msg=.
    page.keyboard.press("s")
    expect(page.locator(".flash")).to_contain_text("Flagged 1 message.")
    expect(page.locator("#preview h2.subject")).to_have_text("Message 1")
    expect(page).to_have_url(re.compile(r"\?msg=\d+$"))
    # Back to the list without a message: the preview's placeholder.
    page.go_back()
    expect(page.locator("#preview .placeholder")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/mail/INBOX/$"))


def moved_and_its_place_kept(page: Page) -> None:
    """After "Message 1", open in the preview, was deleted: the pane and the address say so,
    and the row that took its place is the keyboard's (Enter opens it)."""
    expect(page.locator(".flash")).to_contain_text("Moved 1 message to Trash.")
    expect(page.locator("#preview .placeholder")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/mail/INBOX/$"))
    expect(page.locator(ROWS).filter(has_text="Message 0")).to_have_class(
        re.compile(r"\bselected\b")
    )
    page.keyboard.press("Enter")
    expect(page.locator("#preview h2.subject")).to_have_text("Message 0")


def test_deleting_the_open_message_keeps_the_place_in_the_list(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill_inbox(alice, 3)
    log_in(page, daphne_server.url, alice)
    page.locator(ROWS).filter(has_text="Message 1").click()
    expect(page.locator("#preview h2.subject")).to_have_text("Message 1")
    page.keyboard.press("#")
    moved_and_its_place_kept(page)


def test_deleting_the_open_message_when_live_mail_removed_its_row_before_the_answer(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    """Live mail may remove the row of the message just moved before the action's answer comes
    (its IDLE event is quicker on a busy machine): the preview still says the message is gone,
    the address drops ?msg= and the row that took its place is the keyboard's."""
    fill_inbox(alice, 3)
    log_in(page, daphne_server.url, alice)
    expect(page.locator("body")).to_have_attribute("data-live", "websocket")
    page.locator(ROWS).filter(has_text="Message 1").click()
    expect(page.locator("#preview h2.subject")).to_have_text("Message 1")
    open_row = page.locator(ROWS).filter(has_text="Message 1")

    def answer_after_the_live_event(route: Route) -> None:
        answer = route.fetch(max_redirects=0)  # the move is done on the server
        open_row.wait_for(state="detached")  # live mail has removed the row
        route.fulfill(response=answer)

    page.route("**/actions/", answer_after_the_live_event, times=1)
    page.keyboard.press("#")
    moved_and_its_place_kept(page)


def test_without_javascript_the_links_load_pages(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill_inbox(alice, 60)
    log_in(page, daphne_server.url, alice)
    browser = page.context.browser
    assert browser is not None
    context = browser.new_context(
        storage_state=page.context.storage_state(), java_script_enabled=False
    )
    try:
        tab = context.new_page()
        tab.goto(f"{daphne_server.url}/mail/INBOX/")
        tab.locator(".pager").get_by_role("link", name="Older ›").click()
        expect(tab.locator(COUNT)).to_have_text("51–60 of 60")
        tab.locator("thead th.c-subject a").click()
        expect(tab).to_have_url(re.compile(r"sort=subject"))
        expect(tab.locator(f"{ROWS} .c-subject a").first).to_have_text("Message 0")
    finally:
        context.close()
