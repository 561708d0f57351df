"""Search as you type in Chromium: results change in place, the list page hands over to the
search page, and an answer for an older text never replaces a newer one."""

from __future__ import annotations

import contextlib
import re

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.support.browser import at, fill, log_in, pump_until, script_held_back, subjects
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser

COUNT = "#search-summary .count"


def fill_invoices(user: MailUser) -> None:
    fill(
        user,
        "INBOX",
        [
            (make_message(subject="Invoice March", date=at(1)), (), at(1)),
            (make_message(subject="Lunch plans", date=at(2)), (), at(2)),
            (make_message(subject="Invoice April", date=at(3)), (), at(3)),
        ],
    )


def test_typing_on_the_search_page_updates_the_results_in_place(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill_invoices(alice)
    log_in(page, daphne_server.url, alice)
    page.goto(f"{daphne_server.url}/search/?folder=INBOX")
    page.evaluate("window.samePage = true")
    page.locator("#search-q").press_sequentially("invoice")
    expect(page.locator(COUNT)).to_have_text("1–2 of 2")
    assert subjects(page) == ["Invoice April", "Invoice March"]
    page.locator("#search-q").press_sequentially(" apr")
    expect(page.locator(COUNT)).to_have_text("1–1 of 1")
    assert subjects(page) == ["Invoice April"]
    assert page.evaluate("window.samePage") is True  # no page load: the rows were swapped
    assert "q=invoice+apr" in page.url
    expect(page.locator("#search-q")).to_be_focused()
    # The swapped rows work with the toolbar like any others.
    page.locator("#select-all").check()
    page.get_by_role("button", name="Flag", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("Flagged 1 message")


def test_nothing_found_shows_no_toolbar_nor_pager_and_finding_something_brings_them_back(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill_invoices(alice)
    log_in(page, daphne_server.url, alice)
    page.goto(f"{daphne_server.url}/search/?folder=INBOX&q=receipt")
    expect(page.locator(COUNT)).to_have_text("No messages found")
    expect(page.locator("#actions-form")).to_be_hidden()
    expect(page.locator("#search-summary .pager")).to_have_count(0)  # no "Page 1 of 1"
    page.locator("#search-q").fill("")
    page.locator("#search-q").press_sequentially("lunch")
    expect(page.locator(COUNT)).to_have_text("1–1 of 1")
    expect(page.get_by_role("button", name="Flag", exact=True)).to_be_visible()
    expect(page.locator("#search-summary .pager")).to_be_visible()
    page.locator("#search-q").press_sequentially("eon")
    expect(page.locator(COUNT)).to_have_text("No messages found")
    expect(page.locator("#actions-form")).to_be_hidden()


def test_typing_in_a_list_pages_box_opens_the_search_page_with_the_focus_kept(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill_invoices(alice)
    log_in(page, daphne_server.url, alice)
    page.locator("#search-q").press_sequentially("lunch")
    expect(page).to_have_url(re.compile(r"/search/\?.*q=lunch"))
    expect(page.locator(COUNT)).to_have_text("1–1 of 1")
    expect(page.locator("#search-q")).to_be_focused()
    expect(page.locator("#search-q")).to_have_value("lunch")


def test_an_answer_for_an_older_text_never_replaces_a_newer_one(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill_invoices(alice)
    log_in(page, daphne_server.url, alice)
    page.goto(f"{daphne_server.url}/search/?folder=INBOX")
    held: list[Route] = []
    ended: list[str] = []
    page.on("requestfailed", lambda request: ended.append(request.url))
    page.on("requestfinished", lambda request: ended.append(request.url))

    def hold_the_first_march(route: Route) -> None:
        if "q=invoice+march" in route.request.url and not held:
            held.append(route)  # answered only after the newer search
            return
        route.continue_()

    page.route(re.compile(r"/search/\?"), hold_the_first_march)
    box = page.locator("#search-q")
    box.press_sequentially("invoice march")
    pump_until(page, lambda: bool(held))
    box.fill("")
    box.press_sequentially("invoice april")
    expect(page.locator(COUNT)).to_have_text("1–1 of 1")
    assert subjects(page) == ["Invoice April"]
    with contextlib.suppress(Exception):  # the browser may have aborted it already
        held[0].continue_()
    pump_until(page, lambda: any("q=invoice+march" in url for url in ended))
    # Aborted, or answered and dropped: the newer results stay.
    assert subjects(page) == ["Invoice April"]
    expect(page.locator(COUNT)).to_have_text("1–1 of 1")
    expect(box).to_have_value("invoice april")


def test_a_word_typed_before_the_page_script_runs_is_searched_for(
    browser: Browser, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill_invoices(alice)
    with script_held_back(browser, daphne_server.url, alice, "search.js") as (page, release):
        page.goto(f"{daphne_server.url}/mail/INBOX/", wait_until="commit")
        page.locator("#search-q").press_sequentially("lunch")
        release()
        expect(page).to_have_url(re.compile(r"/search/\?.*q=lunch"))
        expect(page.locator(COUNT)).to_have_text("1–1 of 1")
