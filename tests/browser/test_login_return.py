"""Where a login returns to: the page the user was on, never the address a background request
asked for (the live poll's JSON) when the session ended under it."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import INBOX_URL, LOGIN_URL, at, log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer, mail_env, run_daphne
from webmail.devmail.dovecot import Dovecot
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def polling_server(dovecot: Dovecot) -> Iterator[LiveServer]:
    """The app polling every 2 s when its websocket is blocked (the default is 30 s)."""
    workdir = Path(tempfile.mkdtemp(prefix="webmail-login-return-"))
    try:
        with run_daphne(
            workdir, {**mail_env(dovecot), "WEBMAIL_LIVE_POLL_INTERVAL": "2"}
        ) as server:
            yield server
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def test_logging_out_while_polling_returns_to_the_mailbox_not_to_json(
    page: Page,
    polling_server: LiveServer,
    alice: MailUser,
) -> None:
    alice.create_folder("Receipts")
    alice.append("Receipts", make_message(subject="Invoice", date=at(0)), when=at(0))
    page.route_web_socket(re.compile(r"/ws/live/"), lambda ws: ws.close(code=1011))
    log_in(page, polling_server.url, alice)
    page.goto(f"{polling_server.url}/mail/Receipts/")
    expect(page.locator("body")).to_have_attribute("data-live", "polling")

    # Logged out in another tab: this tab's next poll runs into the login page.
    other = page.context.new_page()
    other.goto(f"{polling_server.url}/mail/INBOX/")
    other.get_by_role("button", name="Log out").click()
    expect(other).to_have_url(LOGIN_URL)
    other.close()

    expect(page).to_have_url(LOGIN_URL, timeout=20_000)
    assert "updates" not in page.url
    page.get_by_label("Email or username").fill(alice.username)
    page.get_by_label("Password").fill(alice.password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/mail/Receipts/$"))
    expect(page.locator("table.messages tr.row .c-subject a")).to_have_text(["Invoice"])


def test_a_poll_address_as_next_leads_to_the_inbox(
    page: Page,
    polling_server: LiveServer,
    alice: MailUser,
) -> None:
    page.goto(f"{polling_server.url}/accounts/login/?next=/updates/INBOX/%3Fsince%3D1")
    page.get_by_label("Email or username").fill(alice.username)
    page.get_by_label("Password").fill(alice.password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(INBOX_URL)
    expect(page.locator("table.messages")).to_be_visible()
