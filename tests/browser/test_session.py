"""Logging in and out in Chromium: folder tree and unread counts, errors, logout, loopback only."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import ACTION_TIMEOUT_MS, LOGIN_URL, at, fill, folder_item, log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser

SEEN = ("\\Seen",)


def test_login_shows_inbox_with_folder_tree_and_unread_counts(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill(
        alice,
        "INBOX",
        [
            (make_message(subject=f"Inbox {i}", date=at(i)), SEEN if i < 2 else (), at(i))
            for i in range(5)
        ],
    )
    alice.create_folder("Projects/2026")
    fill(
        alice,
        "Projects/2026",
        [
            (make_message(subject=f"Project {i}", date=at(i)), SEEN if i == 0 else (), at(i))
            for i in range(3)
        ],
    )

    log_in(page, daphne_server.url, alice)

    # Inbox first, the special folders in their fixed order, then the user's own, nested.
    expect(page.locator("nav#folders li.folder .label")).to_have_text(
        ["Inbox", "Drafts", "Sent", "Junk", "Trash", "Archive", "Projects", "2026"]
    )
    names = page.locator("nav#folders li.folder").evaluate_all(
        "items => items.map(li => li.dataset.folder)"
    )
    assert names == [
        "INBOX",
        "Drafts",
        "Sent",
        "Junk",
        "Trash",
        "Archive",
        "Projects",
        "Projects/2026",
    ]
    expect(folder_item(page, "Projects")).to_have_class(re.compile(r"\bdepth-0\b"))
    expect(folder_item(page, "Projects/2026")).to_have_class(re.compile(r"\bdepth-1\b"))
    parent_box = folder_item(page, "Projects").locator(".label").bounding_box()
    child_box = folder_item(page, "Projects/2026").locator(".label").bounding_box()
    assert parent_box and child_box
    assert child_box["x"] > parent_box["x"] + 8, (parent_box, child_box)  # indented

    # Unread counts: 3 in the inbox, 2 in Projects/2026, none anywhere else.
    expect(folder_item(page, "INBOX").locator(".unseen")).to_have_text("3")
    expect(folder_item(page, "Projects/2026").locator(".unseen")).to_have_text("2")
    expect(page.locator("nav#folders .unseen")).to_have_count(2)

    # The inbox is the open folder; its list shows the unread messages as such.
    inbox = folder_item(page, "INBOX")
    expect(inbox).to_have_class(re.compile(r"\bactive\b"))
    expect(inbox).to_have_attribute("aria-current", "page")
    expect(page.locator("table.messages tr.row")).to_have_count(5)
    expect(page.locator("table.messages tr.row.unread")).to_have_count(3)
    expect(page).to_have_title("(3) Inbox – Webmail")


def test_wrong_password_shows_error_on_login_form(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    page.goto(f"{daphne_server.url}/accounts/login/")
    page.get_by_label("Email or username").fill(alice.username)
    page.get_by_label("Password").fill(alice.password + "-wrong")
    page.get_by_role("button", name="Log in").click()

    expect(page.locator(".form-error")).to_have_text("Wrong username or password.")
    expect(page).to_have_url(LOGIN_URL)
    expect(page).to_have_title("Log in – Webmail")
    expect(page.get_by_label("Email or username")).to_have_value(alice.username)
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page.locator("table.messages")).to_have_count(0)


def test_logout_returns_to_login_and_ends_session(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    uid = alice.append("INBOX", make_message(subject="Before logout", date=at(0)), when=at(0))
    log_in(page, daphne_server.url, alice)

    page.get_by_role("button", name="Log out").click()

    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_role("button", name="Log in")).to_be_visible()

    # The session is gone: the mailbox and a message page both send us back to the login form.
    page.goto(f"{daphne_server.url}/mail/INBOX/")
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    expect(page.locator("table.messages")).to_have_count(0)

    page.goto(f"{daphne_server.url}/message/INBOX/{uid}/")
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_text("Before logout")).to_have_count(0)


def test_deep_link_before_login_opens_after_login(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    uid = alice.append("INBOX", make_message(subject="Linked message", date=at(0)), when=at(0))

    page.goto(f"{daphne_server.url}/message/INBOX/{uid}/")
    expect(page).to_have_url(LOGIN_URL)
    page.get_by_label("Email or username").fill(alice.username)
    page.get_by_label("Password").fill(alice.password)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(f"{daphne_server.url}/message/INBOX/{uid}/")
    expect(page.locator("article.message h1.subject")).to_have_text("Linked message")


def test_dates_follow_browser_time_zone(
    browser: Browser, daphne_server: LiveServer, alice: MailUser
) -> None:
    # The login form reports the browser's zone; the app then shows dates in it.
    alice.append("INBOX", make_message(subject="Tokyo time", date=at(0)), when=at(0))
    context = browser.new_context(viewport={"width": 1400, "height": 900}, timezone_id="Asia/Tokyo")
    try:
        page = context.new_page()
        page.set_default_timeout(ACTION_TIMEOUT_MS)
        log_in(page, daphne_server.url, alice)
        row = page.locator("table.messages tr.row").first
        # 2026-01-05 09:00 UTC is 18:00 in Tokyo.
        expect(row.locator(".c-date")).to_have_attribute("title", "Mon, 5 Jan 2026 18:00")
        row.click()
        expect(page.locator("#preview dd.date")).to_have_text("Mon, 5 Jan 2026 18:00")
    finally:
        context.close()


def test_no_request_leaves_loopback(page: Page, daphne_server: LiveServer, alice: MailUser) -> None:
    fill(
        alice,
        "INBOX",
        [
            (
                make_message(
                    subject=f"Newsletter {i}",
                    date=at(i),
                    text=f"Read more at https://news.example.com/{i}\n",
                    html=(
                        f'<p>Issue {i}</p><img src="https://tracker.example.com/{i}.gif">'
                        '<link rel="stylesheet" href="https://cdn.example.com/x.css">'
                    ),
                ),
                (),
                at(i),
            )
            for i in range(3)
        ],
    )
    alice.append("Receipts", make_message(subject="Receipt", date=at(9)), when=at(9))
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.on("websocket", lambda ws: urls.append(ws.url))

    log_in(page, daphne_server.url, alice)
    page.locator("table.messages tr.row").first.click()
    expect(page.locator("#preview article.message h2.subject")).to_have_text("Newsletter 2")
    page.locator("th.c-subject a").click()
    # Sorting keeps the open message open (its address, ?msg=, carries over).
    expect(page).to_have_url(re.compile(r"/mail/INBOX/\?sort=subject&order=asc(&msg=\d+)?$"))
    folder_item(page, "Receipts").locator("a").click()
    expect(page.locator("table.messages tr.row .c-subject a")).to_have_text(["Receipt"])
    page.wait_for_load_state("load")  # the last page's stylesheet and script included

    assert len(urls) >= 6, urls
    outside = [url for url in urls if urlsplit(url).hostname != "127.0.0.1"]
    assert outside == [], outside
