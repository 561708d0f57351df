"""The message list in Chromium: folders, paging, sorting, and the phone layout."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import at, fill, folder_item, log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser

ROWS = "table.messages tr.row"
ROW_SUBJECTS = "table.messages tr.row .c-subject a"


def test_open_folder_lists_its_messages(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    alice.append("INBOX", make_message(subject="In the inbox", date=at(0)), when=at(0))
    fill(
        alice,
        "Receipts",
        [
            (
                make_message(subject="Invoice 1001", sender="Shop <shop@example.com>", date=at(1)),
                ("\\Seen",),
                at(1),
            ),
            (
                make_message(subject="Invoice 1002", sender="Shop <shop@example.com>", date=at(2)),
                (),
                at(2),
            ),
        ],
    )
    log_in(page, daphne_server.url, alice)
    expect(page.locator(ROW_SUBJECTS)).to_have_text(["In the inbox"])

    folder_item(page, "Receipts").locator("a").click()

    expect(page).to_have_url(f"{daphne_server.url}/mail/Receipts/")
    expect(page.locator(".list-head h1")).to_have_text("Receipts")
    expect(page.locator(ROW_SUBJECTS)).to_have_text(["Invoice 1002", "Invoice 1001"])
    expect(page.locator(f"{ROWS} .c-from")).to_have_text(["Shop", "Shop"])
    expect(page.locator(f"{ROWS}.unread")).to_have_count(1)
    expect(page.locator(".list-head .count")).to_have_text("1–2 of 2")
    expect(folder_item(page, "Receipts")).to_have_class(re.compile(r"\bactive\b"))
    expect(folder_item(page, "INBOX")).not_to_have_class(re.compile(r"\bactive\b"))
    # The tab title keeps counting the inbox's unread messages, whatever folder is open.
    expect(page).to_have_title("(1) Receipts – Webmail")


def test_page_through_list(page: Page, daphne_server: LiveServer, alice: MailUser) -> None:
    fill(
        alice,
        "INBOX",
        [
            (make_message(subject=f"Message {i:03d}", date=at(i)), ("\\Seen",), at(i))
            for i in range(120)
        ],
    )
    log_in(page, daphne_server.url, alice)
    count = page.locator(".list-head .count")
    pager = page.locator("nav.pager")

    # Page 1: newest first.
    expect(count).to_have_text("1–50 of 120")
    expect(page.locator(ROWS)).to_have_count(50)
    expect(page.locator(ROW_SUBJECTS).first).to_have_text("Message 119")
    expect(page.locator(ROW_SUBJECTS).last).to_have_text("Message 070")
    expect(pager.locator(".pageno")).to_have_text("Page 1 of 3")
    expect(pager.locator("a[rel=prev]")).to_have_count(0)
    expect(pager.locator("a[rel=first]")).to_have_count(0)

    pager.locator("a[rel=next]").click()
    expect(count).to_have_text("51–100 of 120")
    expect(page.locator(ROWS)).to_have_count(50)
    expect(page.locator(ROW_SUBJECTS).first).to_have_text("Message 069")
    expect(page.locator(ROW_SUBJECTS).last).to_have_text("Message 020")
    expect(pager.locator(".pageno")).to_have_text("Page 2 of 3")

    pager.locator("a[rel=last]").click()
    expect(count).to_have_text("101–120 of 120")
    expect(page.locator(ROWS)).to_have_count(20)
    expect(page.locator(ROW_SUBJECTS)).to_have_text([f"Message {i:03d}" for i in range(19, -1, -1)])
    expect(pager.locator("a[rel=next]")).to_have_count(0)
    expect(pager.locator("a[rel=last]")).to_have_count(0)

    pager.locator("a[rel=prev]").click()
    expect(count).to_have_text("51–100 of 120")
    expect(page.locator(ROW_SUBJECTS).first).to_have_text("Message 069")

    pager.locator("a[rel=first]").click()
    expect(count).to_have_text("1–50 of 120")
    expect(page.locator(ROW_SUBJECTS).first).to_have_text("Message 119")


def test_sort_by_subject_and_toggle_order(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    # Date order (newest first) is Cherry, Apple, Elderberry, Banana, Damson.
    names = ["Damson", "Banana", "Elderberry", "Apple", "Cherry"]
    fill(
        alice,
        "INBOX",
        [(make_message(subject=name, date=at(i)), (), at(i)) for i, name in enumerate(names)],
    )
    log_in(page, daphne_server.url, alice)
    headers = page.locator("table.messages thead")
    expect(page.locator(ROW_SUBJECTS)).to_have_text(list(reversed(names)))
    expect(headers.locator("th.c-date")).to_have_attribute("aria-sort", "descending")
    expect(headers.locator("th.c-subject")).to_have_attribute("aria-sort", "none")

    headers.locator("th.c-subject a").click()
    expect(page).to_have_url(re.compile(r"[?&]sort=subject&order=asc$"))
    expect(page.locator(ROW_SUBJECTS)).to_have_text(sorted(names))
    expect(headers.locator("th.c-subject")).to_have_attribute("aria-sort", "ascending")
    expect(headers.locator("th.c-date")).to_have_attribute("aria-sort", "none")

    headers.locator("th.c-subject a").click()
    expect(page).to_have_url(re.compile(r"[?&]sort=subject&order=desc$"))
    expect(page.locator(ROW_SUBJECTS)).to_have_text(sorted(names, reverse=True))
    expect(headers.locator("th.c-subject")).to_have_attribute("aria-sort", "descending")


def test_phone_width_collapses_folder_pane(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    alice.append("INBOX", make_message(subject="Inbox message", date=at(0)), when=at(0))
    alice.append("Receipts", make_message(subject="Phone receipt", date=at(1)), when=at(1))
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, daphne_server.url, alice)
    folders = page.locator("nav#folders")
    toggle = page.locator(".menu-toggle")

    expect(folders).to_be_hidden()
    expect(page.locator("#preview")).to_be_hidden()
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator(ROW_SUBJECTS)).to_have_text(["Inbox message"])

    toggle.click()
    expect(folders).to_be_visible()
    expect(page.locator("body")).to_have_class(re.compile(r"\bfolders-open\b"))
    expect(toggle).to_have_attribute("aria-expanded", "true")
    box = folders.bounding_box()
    assert box is not None and box["width"] <= 390, box

    folder_item(page, "Receipts").locator("a").click()
    expect(page).to_have_url(f"{daphne_server.url}/mail/Receipts/")
    expect(page.locator(ROW_SUBJECTS)).to_have_text(["Phone receipt"])
    expect(folders).to_be_hidden()

    # Without a preview pane, a click on a row opens the message's own page.
    page.locator(ROWS).first.click()
    expect(page).to_have_url(re.compile(r"/message/Receipts/\d+/$"))
    expect(page.locator("article.message h1.subject")).to_have_text("Phone receipt")


def test_size_and_attachment_columns_are_not_cut_off(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    """Every size and the paper-clip icon fit their cells at desktop width.

    Originally found failing (docs/screenshot.png): ``.c-size`` 70px and ``.c-att`` 28px in
    static/webmail/webmail.css, minus the ``padding: .5rem`` of every ``.messages td`` with
    ``overflow: hidden; text-overflow: ellipsis``, cut "493 bytes" to "493 …" and clipped the
    18px icon to 12px with a stray ellipsis.
    """
    alice.append("INBOX", make_message(subject="Small", date=at(0)), when=at(0))
    alice.append(
        "INBOX",
        make_message(
            subject="With attachment",
            date=at(1),
            attachments=[("notes.txt", "text/plain", b"x" * 300)],
        ),
        when=at(1),
    )
    log_in(page, daphne_server.url, alice)
    expect(page.locator(ROWS)).to_have_count(2)
    expect(page.locator(f"{ROWS} .c-att svg")).to_have_count(1)
    expect(page.locator(f"{ROWS} .c-size").last).not_to_be_empty()

    overflowing = page.locator(f"{ROWS} .c-size, {ROWS} .c-att").evaluate_all(
        """cells => cells
            .filter(td => td.scrollWidth > td.clientWidth)
            .map(td => td.className + ': ' + (td.textContent.trim() || '(icon)'))"""
    )
    assert overflowing == [], f"list cells cut off at 1400px: {overflowing}"


def test_quota_is_shown_under_the_folder_tree(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    alice.append(
        "INBOX", make_message(attachments=[("a.bin", "application/x-a", b"x" * 8_000_000)])
    )
    log_in(page, daphne_server.url, alice)
    pane = page.locator("#folders")
    gauge = pane.locator(".quota-gauge")
    expect(gauge).to_be_visible()
    expect(gauge.locator(".quota-text")).to_have_text(
        "10 MB of 1 GB used"
    )  # 10,555 KiB of the test Dovecot's 1 GB
    expect(gauge).not_to_have_class(re.compile(r"\bwarning\b"))
    # The bar is a <meter> named by the text, so assistive technology reads both together.
    meter = pane.get_by_role("meter", name="10 MB of 1 GB used")
    expect(meter).to_be_visible()
    expect(meter).to_have_attribute("value", "10555")
    box, last_folder = meter.bounding_box(), folder_item(page, "Archive").bounding_box()
    assert box is not None and last_folder is not None
    assert box["width"] > 100 and box["height"] >= 4
    assert box["y"] > last_folder["y"] + last_folder["height"]  # under the tree
