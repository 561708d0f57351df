"""What an opted-in device keeps of the lists: the Inbox's first pages (a setting, 3 by
default), and the first page of the other folders the user opened; offline, the kept folders
and pages are shown with their links, an action on another folder's list is queued with that
folder and reaches the server when the network returns."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_offline import opt_in, shoot, storage
from tests.support.browser import at, fill, log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from tests.support.waiting import wait_until
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser


def test_the_inbox_first_pages_and_opened_folders_are_kept(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    base = daphne_server.url
    # Four pages of 50 in the Inbox: the first three are kept, not the fourth.
    fill(
        alice,
        "INBOX",
        [(make_message(subject=f"Inbox {i:03d}", date=at(i)), [], at(i)) for i in range(170)],
    )
    alice.append("Archive", make_message(subject="Filed away", date=at(500)), when=at(500))
    log_in(page, base, alice)
    opt_in(page, base)
    inbox_pages = [f"list:/mail/INBOX/#{n}" for n in (1, 2, 3)]
    page.goto(f"{base}/mail/INBOX/")
    assert wait_until(lambda: set(inbox_pages) <= set(storage(page)["kept"]), 60)
    assert "list:/mail/INBOX/#4" not in storage(page)["kept"]
    page.goto(f"{base}/mail/Archive/")
    assert wait_until(lambda: "list:/mail/Archive/#1" in storage(page)["kept"], 30)
    assert "Filed away" not in storage(page)["raw"]  # encrypted like the rest

    # Fewer pages in the setting: the extra ones go at the next prune.
    page.goto(f"{base}/accounts/two-factor/")  # Settings › Security
    page.get_by_label("Keep the Inbox's first").fill("2")
    page.get_by_label("Keep the Inbox's first").dispatch_event("change")
    page.goto(f"{base}/mail/INBOX/")
    assert wait_until(lambda: "list:/mail/INBOX/#3" not in storage(page)["kept"], 30)
    assert {"list:/mail/INBOX/#1", "list:/mail/INBOX/#2"} <= set(storage(page)["kept"])

    page.context.set_offline(True)
    page.goto(f"{base}/mail/INBOX/?page=2")
    expect(page.locator(".offline-banner")).to_be_visible()
    expect(page.locator("table.messages tr.row")).to_have_count(50)
    expect(page.locator("table.messages tr.row").first).to_contain_text("Inbox 119")
    pager = page.locator(".offline-pager")
    expect(pager.get_by_role("link", name="‹ Newer")).to_be_visible()
    expect(pager.get_by_role("link", name="Older ›")).to_have_count(0)  # page 3 is not kept
    folders = page.locator(".offline-folders a")
    expect(folders).to_have_text(["Inbox", "Archive"])
    shoot(page, "offline-pages")
    folders.filter(has_text="Archive").click()
    expect(page.locator("table.messages tr.row")).to_have_count(1)
    page.locator("table.messages tr.row input[name=uid]").check()
    page.get_by_role("button", name="Flag", exact=True).click()
    expect(page.locator("#offline-status")).to_contain_text("1 action waiting")
    page.goto(f"{base}/mail/Sent/")
    expect(page.locator("#offline-main")).to_contain_text("not kept on this device")

    page.context.set_offline(False)
    expect(page.locator(".offline-report")).to_contain_text(
        "Back online: 1 of 1 action made offline done.", timeout=30_000
    )
    client = alice.client()
    client.select_folder("Archive", readonly=True)
    flags = client.fetch(client.search("ALL"), ["FLAGS"])
    assert [b"\\Flagged" in f[b"FLAGS"] for f in flags.values()] == [True]
    client.logout()
