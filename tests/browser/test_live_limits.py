"""A page refused an IDLE watcher (the login holds WEBMAIL_LIVE_WATCHERS_PER_USER) says so and
keeps its list current by polling."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer, mail_env, run_daphne
from webmail.devmail.dovecot import Dovecot
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "live-limits"


@pytest.fixture(scope="module")
def one_watcher_server(dovecot: Dovecot) -> Iterator[LiveServer]:
    workdir = Path(tempfile.mkdtemp(prefix="webmail-live-limit-"))
    env = {
        **mail_env(dovecot),
        "WEBMAIL_LIVE_WATCHERS_PER_USER": "1",
        "WEBMAIL_LIVE_POLL_INTERVAL": "2",
    }
    try:
        with run_daphne(workdir, env) as server:
            yield server
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def test_a_page_refused_a_watcher_says_so_and_polls(
    page: Page, browser: Browser, one_watcher_server: LiveServer, alice: MailUser
) -> None:
    alice.client().create_folder("Work")
    log_in(page, one_watcher_server.url, alice)
    expect(page.locator("body")).to_have_attribute("data-live", "websocket")  # INBOX: the one
    page.goto(f"{one_watcher_server.url}/mail/Work/")
    expect(page.locator("body")).to_have_attribute("data-live", "limited")
    notice = page.locator(".flash.live-notice")
    expect(notice).to_contain_text("Live updates for this folder are paused")
    alice.append("Work", make_message(subject="Polled in"))
    expect(page.locator("table.messages tr.row .c-subject a").first).to_have_text("Polled in")

    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, width, height, dark in (
        ("desktop-light", 1366, 800, False),
        ("phone-dark", 390, 844, True),
    ):
        page.set_viewport_size({"width": width, "height": height})
        page.emulate_media(color_scheme="dark" if dark else "light")
        expect(notice).to_be_visible()
        page.screenshot(path=str(SHOTS / f"{name}.png"))
