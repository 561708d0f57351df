"""Live mail in Chromium: rows, counts and the title follow changes made by another connection,
over the websocket and, when websockets are blocked, by polling."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import at, folder_item, log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer, mail_env, run_daphne
from webmail.devmail.dovecot import Dovecot
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser

ROW_SUBJECTS = "table.messages tr.row .c-subject a"


@pytest.fixture(scope="module")
def polling_server(dovecot: Dovecot) -> Iterator[LiveServer]:
    """The app polling every 2 s when its websocket is blocked (the default is 30 s)."""
    workdir = Path(tempfile.mkdtemp(prefix="webmail-live-poll-"))
    try:
        env = {**mail_env(dovecot), "WEBMAIL_LIVE_POLL_INTERVAL": "2"}
        with run_daphne(workdir, env) as server:
            yield server
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def check_live_changes(page: Page, alice: MailUser) -> None:
    """Append, flag and expunge from another connection; the open list follows each change."""
    page.evaluate("window.notReloaded = true")
    uid = alice.append(
        "INBOX", make_message(subject="Fresh <b>mail</b>", sender="Zoë Live <zoe@example.org>")
    )
    first = page.locator("table.messages tr.row").first
    expect(first.locator(".c-subject a")).to_have_text("Fresh <b>mail</b>")
    expect(first.locator(".c-from")).to_have_text("Zoë Live")
    expect(first).to_have_class(re.compile(r"\bunread\b"))
    expect(first.locator(".c-subject a")).to_have_attribute("href", f"/message/INBOX/{uid}/")
    expect(folder_item(page, "INBOX").locator(".unseen")).to_have_text("2")
    expect(page).to_have_title(re.compile(r"^\(2\) Inbox – Webmail$"))
    expect(page.locator(".list-head .count")).to_have_text("1–2 of 2")

    other = alice.client()
    other.select_folder("INBOX")
    other.add_flags([uid], ["\\Seen", "\\Flagged"])
    expect(first).not_to_have_class(re.compile(r"\bunread\b"))
    expect(first.locator(".icon.flag")).to_be_visible()
    expect(folder_item(page, "INBOX").locator(".unseen")).to_have_text("1")
    expect(page).to_have_title(re.compile(r"^\(1\) Inbox"))

    other.add_flags([uid], ["\\Deleted"])
    other.uid_expunge([uid])
    expect(page.locator(ROW_SUBJECTS)).to_have_text(["Old news"])
    expect(page.locator(".list-head .count")).to_have_text("1–1 of 1")
    assert page.evaluate("window.notReloaded") is True


def test_new_mail_flags_and_expunges_appear_without_reload(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    alice.append("INBOX", make_message(subject="Old news", date=at(0)), when=at(0))
    log_in(page, daphne_server.url, alice)
    expect(page.locator("body")).to_have_attribute("data-live", "websocket")
    expect(page).to_have_title(re.compile(r"^\(1\) Inbox"))
    check_live_changes(page, alice)


def test_new_mail_in_inbox_updates_the_tree_while_another_folder_is_open(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    alice.append("Receipts", make_message(subject="Invoice", date=at(0)), when=at(0))
    log_in(page, daphne_server.url, alice)
    page.goto(f"{daphne_server.url}/mail/Receipts/")
    expect(page.locator("body")).to_have_attribute("data-live", "websocket")
    alice.append("INBOX", make_message(subject="Elsewhere"))
    expect(folder_item(page, "INBOX").locator(".unseen")).to_have_text("1")
    expect(page.locator(ROW_SUBJECTS)).to_have_text(["Invoice"])  # not this folder's row
    alice.append("Receipts", make_message(subject="Invoice 2"))
    expect(page.locator(ROW_SUBJECTS)).to_have_text(["Invoice 2", "Invoice"])
    expect(folder_item(page, "Receipts").locator(".unseen")).to_have_text("2")


def test_sound_is_off_by_default_and_the_choice_is_kept(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    log_in(page, daphne_server.url, alice)
    sound = page.get_by_role("button", name="Sound")
    expect(sound).to_have_attribute("aria-pressed", "false")
    sound.click()
    expect(sound).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(page.get_by_role("button", name="Sound")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Notifications")).to_be_visible()


def test_blocked_websocket_falls_back_to_polling_with_the_same_behaviour(
    page: Page, polling_server: LiveServer, alice: MailUser
) -> None:
    attempts = []

    def refuse(ws) -> None:  # noqa: ANN001 - a Playwright WebSocketRoute
        attempts.append(ws.url)
        ws.close(code=1011, reason="blocked by a proxy")

    page.route_web_socket(re.compile(r"/ws/live/"), refuse)
    alice.append("INBOX", make_message(subject="Old news", date=at(0)), when=at(0))
    log_in(page, polling_server.url, alice)
    expect(page.locator("body")).to_have_attribute("data-live", "polling")
    assert attempts
    check_live_changes(page, alice)


def test_polling_endpoint_serves_only_the_users_own_mailbox(
    page: Page, polling_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    alice.create_folder("Private")
    alice.append("Private", make_message(subject="alice's secret"))
    log_in(page, polling_server.url, bob)
    response = page.request.get(f"{polling_server.url}/updates/Private/?since=1")
    assert response.status == 404
    assert "alice's secret" not in response.text()
    own = page.request.get(f"{polling_server.url}/updates/INBOX/?since=1")
    assert own.status == 200 and own.json()["events"][-1]["kind"] == "counts"
