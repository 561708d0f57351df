"""Actions in place: the toolbar, the keyboard and the notice's Undo change the list, the counts
and the notice without reloading the page; the open message stays open; the toolbar stays in
view on one line; without JavaScript the same forms reload the page as before."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import at, fill, folder_item, log_in, subjects
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser

ROWS = "table.messages tr.row"


def fill_inbox(user: MailUser, count: int) -> None:
    fill(
        user,
        "INBOX",
        [(make_message(subject=f"Message {i}", date=at(i)), (), at(i)) for i in range(count)],
    )


def imap_subjects(user: MailUser, folder: str) -> list[str]:
    client = user.client()
    try:
        client.select_folder(folder)
        uids = client.search(["ALL"])
        data = client.fetch(uids, ["ENVELOPE"]) if uids else {}
        return sorted(data[u][b"ENVELOPE"].subject.decode() for u in uids)
    finally:
        client.logout()


def not_reloaded(page: Page) -> None:
    page.evaluate("window.notReloaded = true")


def still_the_same_page(page: Page) -> None:
    assert page.evaluate("window.notReloaded") is True


def test_flagging_the_open_message_keeps_it_open(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill_inbox(alice, 3)
    log_in(page, daphne_server.url, alice)
    page.locator(ROWS).filter(has_text="Message 1").click()
    expect(page.locator("#preview h2.subject")).to_have_text("Message 1")
    not_reloaded(page)
    page.keyboard.press("s")
    expect(page.locator(".flash")).to_contain_text("Flagged 1 message.")
    row = page.locator(ROWS).filter(has_text="Message 1")
    expect(row).to_have_class(re.compile(r"\bflagged\b"))
    expect(row).to_have_class(re.compile(r"\bselected\b"))
    expect(page.locator("#preview h2.subject")).to_have_text("Message 1")
    # j/k go on from the open message; s again takes the flag off.
    page.keyboard.press("s")
    expect(page.locator(".flash")).to_contain_text("Unflagged 1 message.")
    expect(row).not_to_have_class(re.compile(r"\bflagged\b"))
    page.keyboard.press("j")
    expect(page.locator(ROWS).filter(has_text="Message 0")).to_have_class(
        re.compile(r"\bselected\b")
    )
    still_the_same_page(page)


def test_delete_says_so_with_undo_in_the_notice_and_undo_brings_them_back(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill_inbox(alice, 5)
    log_in(page, daphne_server.url, alice)
    expect(folder_item(page, "INBOX").locator(".unseen")).to_have_text("5")
    not_reloaded(page)
    for n in (1, 2, 3):
        page.locator(ROWS).filter(has_text=f"Message {n}").locator(".c-check input").check()
    expect(page.locator("#selected-count")).to_have_text("3 selected")
    page.get_by_role("button", name="Delete", exact=True).click()
    notice = page.locator(".flash")
    expect(notice).to_contain_text("Moved 3 messages to Trash.")
    assert subjects(page) == ["Message 4", "Message 0"]
    expect(page.locator(".list-head .count")).to_have_text("1–2 of 2")
    expect(folder_item(page, "INBOX").locator(".unseen")).to_have_text("2")
    expect(folder_item(page, "Trash").locator(".unseen")).to_have_text("3")
    expect(page.locator("#selected-count")).to_have_text("")
    assert imap_subjects(alice, "Trash") == ["Message 1", "Message 2", "Message 3"]

    notice.get_by_role("button", name="Undo").click()
    expect(notice).to_contain_text("Undone: 3 messages back.")
    assert subjects(page) == [f"Message {i}" for i in (4, 3, 2, 1, 0)]
    expect(folder_item(page, "INBOX").locator(".unseen")).to_have_text("5")
    assert imap_subjects(alice, "Trash") == []
    still_the_same_page(page)


def test_move_to_a_folder_chosen_from_the_filterable_picker(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill_inbox(alice, 2)
    alice.create_folder("Projects/Apollo")
    log_in(page, daphne_server.url, alice)
    picker = page.get_by_label("Move or copy to folder")
    expect(picker).to_have_value("")  # no folder chosen in advance
    options = page.locator("#move-folders option")
    assert "Projects/Apollo" in options.evaluate_all("(os) => os.map((o) => o.value)")
    not_reloaded(page)
    page.locator(ROWS).filter(has_text="Message 0").locator(".c-check input").check()
    picker.fill("Projects/Apollo")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("Moved 1 message to Projects/Apollo.")
    assert subjects(page) == ["Message 1"]
    assert imap_subjects(alice, "Projects/Apollo") == ["Message 0"]
    still_the_same_page(page)


def test_move_without_a_folder_or_to_an_unknown_one_is_a_clear_message(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill_inbox(alice, 1)
    log_in(page, daphne_server.url, alice)
    not_reloaded(page)
    page.locator(f"{ROWS} .c-check input").check()
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("Choose a folder.")
    page.get_by_label("Move or copy to folder").fill("No such folder")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.get_by_role("alert")).not_to_have_text("Choose a folder.")
    expect(page.get_by_role("alert")).not_to_be_empty()
    assert subjects(page) == ["Message 0"]
    still_the_same_page(page)
    assert imap_subjects(alice, "INBOX") == ["Message 0"]


def test_the_toolbar_stays_in_view_on_one_line_at_1366(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill_inbox(alice, 60)
    page.set_viewport_size({"width": 1366, "height": 800})
    log_in(page, daphne_server.url, alice)
    toolbar = page.get_by_role("toolbar", name="Actions on selected messages")
    buttons = toolbar.get_by_role("button")
    tops = {
        round(b["y"])
        for b in buttons.evaluate_all("(bs) => bs.map((b) => b.getBoundingClientRect().toJSON())")
    }
    assert len(tops) == 1, tops  # one line
    for name, tip in (("Archive", "Archive (e)"), ("Delete", "Delete (#)"), ("Flag", "Flag (s)")):
        expect(toolbar.get_by_role("button", name=name, exact=True)).to_have_attribute("title", tip)
    page.locator(".list-pane").evaluate("(el) => { el.scrollTop = el.scrollHeight; }")
    expect(toolbar).to_be_in_viewport()
    expect(toolbar.get_by_role("button", name="Delete", exact=True)).to_be_in_viewport()


def test_without_javascript_the_toolbar_posts_and_reloads(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill_inbox(alice, 2)
    log_in(page, daphne_server.url, alice)
    browser = page.context.browser
    assert browser is not None
    context = browser.new_context(
        storage_state=page.context.storage_state(), java_script_enabled=False
    )
    try:
        tab = context.new_page()
        tab.goto(f"{daphne_server.url}/mail/INBOX/")
        tab.locator(ROWS).filter(has_text="Message 1").locator(".c-check input").check()
        tab.get_by_role("button", name="Archive", exact=True).click()
        expect(tab.locator(".flash")).to_contain_text("Archived 1 message.")
        expect(tab.locator(f"{ROWS} .c-subject a")).to_have_text(["Message 0"])
        tab.locator(".flash").get_by_role("button", name="Undo").click()
        expect(tab.locator(f"{ROWS} .c-subject a")).to_have_text(["Message 1", "Message 0"])
    finally:
        context.close()
