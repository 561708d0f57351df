"""Shared helpers for the browser tests (no fixtures: those live in tests/conftest.py)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from playwright.sync_api import Page, expect

from tests.support.dovecot import MailUser
from webmail.devmail.dovecot import append_message

#: A fixed point in the past, so list dates and date order never depend on the clock.
BASE = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

INBOX_URL = re.compile(r"/mail/INBOX/$")
LOGIN_URL = re.compile(r"/accounts/login/")


def at(minutes: int) -> datetime:
    """``BASE`` plus ``minutes``: a later value is a newer message."""
    return BASE + timedelta(minutes=minutes)


def fill(
    user: MailUser, folder: str, items: Iterable[tuple[EmailMessage, Sequence[str], datetime]]
) -> list[int]:
    """APPEND many messages over one connection (``user.append`` logs in once per message)."""
    client = user.dovecot.client(user.username, user.password)
    try:
        return [append_message(client, folder, msg, flags, when) for msg, flags, when in items]
    finally:
        with contextlib.suppress(Exception):
            client.logout()


def log_in(page: Page, base_url: str, user: MailUser) -> None:
    """Log in through the form and wait for the inbox."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email or username").fill(user.username)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(INBOX_URL)
    expect(page.locator("table.messages")).to_be_visible()
    # The page's deferred scripts (keyboard shortcuts, live updates) have run by "load".
    page.wait_for_load_state("load")


def subjects(page: Page) -> list[str]:
    return page.locator("table.messages tr.row .c-subject a").all_inner_texts()


def folder_item(page: Page, name: str):  # noqa: ANN201 - a Locator
    return page.locator(f'nav#folders li.folder[data-folder="{name}"]')
