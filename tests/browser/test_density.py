"""The list's density is a setting: compact rows are shorter, the same rows otherwise."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import at, fill, log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser


def row_height(page: Page) -> float:
    box = page.locator("table.messages tr.row").first.bounding_box()
    assert box is not None
    return box["height"]


def test_compact_density_is_chosen_in_settings_and_fits_more_rows(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill(
        alice, "INBOX", [(make_message(subject=f"M {i}", date=at(i)), (), at(i)) for i in range(3)]
    )
    log_in(page, daphne_server.url, alice)
    comfortable = row_height(page)
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Display").click()
    expect(page.get_by_label("Comfortable")).to_be_checked()
    page.get_by_label("Compact").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    page.goto(f"{daphne_server.url}/mail/INBOX/")
    expect(page.locator("table.messages")).to_have_class("messages compact")
    assert row_height(page) < comfortable * 0.8
