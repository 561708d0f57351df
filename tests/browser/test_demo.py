"""The demo mailbox (webmail.devmail.demo) in Chromium; also makes docs/screenshot.png.

Run with ``WEBMAIL_SCREENSHOT=/work/main/docs/screenshot.png`` to save the screenshot.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import folder_item, log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from webmail.devmail.demo import demo_messages, seed_demo
from webmail.devmail.dovecot import Dovecot

pytestmark = pytest.mark.browser


def test_demo_mailbox_renders(
    page: Page, daphne_server: LiveServer, mail_user_factory: Callable[..., MailUser]
) -> None:
    user = mail_user_factory("demo")
    now = datetime.now(UTC).replace(microsecond=0)
    assert isinstance(user.dovecot, Dovecot)  # the demo seeds Dovecot
    counts = seed_demo(user.dovecot, user.username, user.password, now=now)
    folders = demo_messages(now)
    inbox_total = counts["INBOX"]
    inbox_unseen = sum("S" not in flags for _msg, flags in folders["INBOX"])
    assert inbox_total > 50 and inbox_unseen > 0

    log_in(page, daphne_server.url, user)

    expect(page.locator("nav#folders li.folder .label")).to_have_text(
        ["Inbox", "Drafts", "Sent", "Junk", "Trash", "Archive", "Projects", "2026", "Reçus"]
    )
    for name in ("Projects/2026", "Reçus", "Junk"):
        unseen = sum("S" not in flags for _msg, flags in folders[name])
        expect(folder_item(page, name).locator(".unseen")).to_have_text(str(unseen))
    expect(folder_item(page, "INBOX").locator(".unseen")).to_have_text(str(inbox_unseen))
    expect(page).to_have_title(f"({inbox_unseen}) Inbox – Webmail")
    expect(page.locator("table.messages tr.row")).to_have_count(50)
    expect(page.locator(".list-head .count")).to_have_text(f"1–50 of {inbox_total}")

    # Open the newest message in the preview pane, as a user would.
    first = page.locator("table.messages tr.row").first
    subject = first.locator(".c-subject a").inner_text()
    first.click()
    expect(page.locator("#preview article.message h2.subject")).to_have_text(subject)

    target = os.environ.get("WEBMAIL_SCREENSHOT")
    if target:
        page.mouse.move(0, 0)  # no hover highlight in the picture
        page.screenshot(path=target)

    # A folder with a non-ASCII name (modified UTF-7 on the wire) opens and lists its mail.
    folder_item(page, "Reçus").locator("a").click()
    expect(page.locator(".list-head h1")).to_have_text("Reçus")
    total = counts["Reçus"]
    expect(page.locator(".list-head .count")).to_have_text(f"1–{total} of {total}")
    expect(page.locator("table.messages tr.row")).to_have_count(total)
