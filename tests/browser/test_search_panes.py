"""The search results page follows the reading-pane layout like the mailbox page (issue 13):
the preview on the right (two-line rows, the folder on the first line), below the list or none,
the same splitter with the size saved for the user, and one pane at a time on a phone."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_panes import (
    LONG,
    ROWS,
    box,
    choose_layout,
    drag_splitter,
    shown_subject_chars,
)
from tests.browser.test_phone import PHONE, too_small
from tests.support.browser import ACTION_TIMEOUT_MS, at, fill, log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser

#: Every folder: the results name their folder (Inbox, Junk).
SEARCH = "/search/?folder=INBOX&scope=all&q=Quarterly"
LAYOUTS = {
    "right": "Preview on the right",
    "below": "Preview below the list",
    "none": "No preview: messages open in their own page",
}


def seed(user: MailUser) -> None:
    fill(
        user,
        "INBOX",
        [(make_message(subject=f"{LONG} {i}", date=at(i)), (), at(i)) for i in range(3)],
    )
    fill(user, "Junk", [(make_message(subject=f"{LONG} junk", date=at(-5)), (), at(-5))])


def open_search(page: Page, base_url: str, user: MailUser, layout: str) -> None:
    seed(user)
    page.set_viewport_size({"width": 1366, "height": 800})
    log_in(page, base_url, user)
    if layout != "right":  # the default
        choose_layout(page, base_url, LAYOUTS[layout])
    page.goto(base_url + SEARCH)
    expect(page.locator(ROWS)).to_have_count(4)
    page.wait_for_load_state("load")


def test_preview_right_two_line_results_with_their_folder(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    open_search(page, daphne_server.url, alice, "right")
    expect(page.locator("body")).to_have_class(re.compile(r"\blist-page\b.*\bpane-right\b"))
    list_box, preview = box(page, "main.list-pane"), box(page, "#preview")
    assert preview["x"] > list_box["x"] + list_box["width"] - 1  # side by side
    assert shown_subject_chars(page) >= 50  # as on the mailbox page
    # Two lines: sender, folder and date, then the subject.
    first = page.locator(ROWS).first
    sender, folder = box(page, f"{ROWS} >> nth=0 >> .c-from"), first.locator(".c-folder")
    subject = box(page, f"{ROWS} >> nth=0 >> .c-subject")
    assert subject["y"] >= sender["y"] + sender["height"] - 1
    expect(folder).to_be_visible()
    expect(folder).to_have_text("Inbox")
    expect(page.locator(ROWS).last.locator(".c-folder")).to_have_text("Junk")
    folder_box = box(page, f"{ROWS} >> nth=0 >> .c-folder")
    assert abs(folder_box["y"] - sender["y"]) < 4  # on the sender's line
    assert folder_box["x"] > sender["x"] + 100
    # A result opens in the preview, in place.
    first.click()
    expect(page.locator("#preview h2.subject")).to_have_text(f"{LONG} 2")
    expect(page).to_have_url(re.compile(r"/search/\?"))
    # Search as you type swaps the rows: still two lines, still opening in the preview.
    page.evaluate("window.samePage = true")
    page.locator("#search-q").fill("")
    page.locator("#search-q").press_sequentially("notes junk")
    expect(page.locator(ROWS)).to_have_count(1)
    assert page.evaluate("window.samePage") is True
    subject = box(page, f"{ROWS} >> nth=0 >> .c-subject")
    sender = box(page, f"{ROWS} >> nth=0 >> .c-from")
    assert subject["y"] >= sender["y"] + sender["height"] - 1
    page.locator(ROWS).first.click()
    expect(page.locator("#preview h2.subject")).to_have_text(f"{LONG} junk")


def test_preview_below_the_results(page: Page, daphne_server: LiveServer, alice: MailUser) -> None:
    open_search(page, daphne_server.url, alice, "below")
    expect(page.locator("body")).to_have_class(re.compile(r"\blist-page\b.*\bpane-below\b"))
    list_box, preview = box(page, "main.list-pane"), box(page, "#preview")
    assert preview["y"] >= list_box["y"] + list_box["height"] - 1  # one above the other
    assert abs(preview["x"] - list_box["x"]) < 2
    assert preview["width"] > 1000
    expect(page.locator(f"{ROWS} >> nth=0 >> .c-folder")).to_be_visible()
    splitter = page.get_by_role("separator", name="Resize the list and the preview")
    expect(splitter).to_have_attribute("aria-orientation", "horizontal")
    expect(splitter).to_have_attribute("aria-valuenow", "45")
    page.locator(ROWS).first.click()
    expect(page.locator("#preview h2.subject")).to_have_text(f"{LONG} 2")
    expect(page).to_have_url(re.compile(r"/search/\?"))


def test_no_preview_opens_results_in_their_own_page(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    open_search(page, daphne_server.url, alice, "none")
    expect(page.locator("body")).to_have_class(re.compile(r"\blist-page\b.*\bpane-none\b"))
    expect(page.locator("#preview")).to_be_hidden()
    expect(page.locator(".splitter")).to_have_count(0)
    assert box(page, "main.list-pane")["width"] > 1000
    expect(page.locator(f"{ROWS} >> nth=0 >> .c-folder")).to_be_visible()
    page.locator(ROWS).first.click()
    expect(page).to_have_url(re.compile(r"/message/INBOX/\d+/$"))
    expect(page.locator("article.message h1.subject")).to_have_text(f"{LONG} 2")


def test_the_search_pages_splitter_moves_and_is_remembered(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    open_search(page, daphne_server.url, alice, "right")
    splitter = page.get_by_role("separator", name="Resize the list and the preview")
    expect(splitter).to_be_visible()
    expect(splitter).to_have_attribute("aria-valuenow", "58")
    width = box(page, "main.list-pane")["width"]
    splitter.focus()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("PageUp")
    expect(splitter).to_have_attribute("aria-valuenow", "46")
    assert box(page, "main.list-pane")["width"] < width - 50
    dragged = drag_splitter(page, 150)
    assert dragged > 46
    expect(splitter).to_have_attribute("data-saved", str(dragged))
    page.reload()
    expect(splitter).to_have_attribute("aria-valuenow", str(dragged))
    expected = page.locator(".layout").evaluate(
        f"(el) => (el.clientWidth - 230 - 6) * {dragged} / 100"
    )
    assert abs(box(page, "main.list-pane")["width"] - expected) < 3
    # One size per user and layout: the mailbox has it too.
    page.goto(f"{daphne_server.url}/mail/INBOX/")
    expect(splitter).to_have_attribute("aria-valuenow", str(dragged))


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    yield page
    context.close()


def test_on_a_phone_the_search_page_shows_one_pane_at_a_time(
    phone: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    seed(alice)
    log_in(phone, daphne_server.url, alice)
    phone.goto(daphne_server.url + SEARCH)
    expect(phone.locator(ROWS)).to_have_count(4)
    expect(phone.locator("body")).to_have_class(re.compile(r"\bpane-right\b"))
    expect(phone.locator("#preview")).to_be_hidden()
    expect(phone.locator("nav#folders")).to_be_hidden()
    expect(phone.locator(".splitter")).to_be_hidden()
    listing = box(phone, "main.list-pane")
    assert listing["x"] < 1 and listing["width"] > 380
    # The form wraps: the box keeps its room, every control can be tapped.
    assert box(phone, "#search-q")["width"] > 200
    assert (
        too_small(phone.locator(".search-form").locator("#search-q, button, select, summary")) == []
    )
    # The phone's two-line rows: sender and date, then the subject.
    sender = box(phone, f"{ROWS} >> nth=0 >> .c-from")
    subject = box(phone, f"{ROWS} >> nth=0 >> .c-subject")
    assert subject["y"] >= sender["y"] + sender["height"] - 1
    phone.locator(ROWS).first.locator(".c-subject a").click()
    expect(phone).to_have_url(re.compile(r"/message/INBOX/\d+/$"))
    expect(phone.locator("article.message h1.subject")).to_have_text(f"{LONG} 2")
    expect(phone.locator("table.messages")).to_have_count(0)
    phone.go_back()
    expect(phone.locator(ROWS)).to_have_count(4)
