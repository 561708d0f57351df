"""Undo send in Chromium against a real Daphne (its outbox thread sends): "Sending… Undo" after
Send, Undo back to the editor with everything, a page change during the delay still sends, and
a server killed during the delay sends it once after its restart.

WEBMAIL_SHOTS=<dir> also saves screenshots of the notice (desktop and phone, light and dark)."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.axe import axe_everywhere
from tests.support.browser import INBOX_URL, log_in
from tests.support.compose import folder_messages, text_of
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer, mail_env, run_daphne
from tests.support.waiting import wait_for
from webmail.devmail.dovecot import Dovecot
from webmail.devmail.smtp import SubmissionServer

pytestmark = pytest.mark.browser

COMPOSE_URL = re.compile(r"/compose/[0-9a-f]{32}/$")
#: Seconds the outbox worker may take to send (it sends asynchronously).
SENT_WITHIN = 60.0


def set_delay(page: Page, server: LiveServer, seconds: int) -> None:
    page.goto(f"{server.url}/accounts/settings/composing/")
    page.locator("input[name=undo_send_delay]").fill(str(seconds))
    page.get_by_role("button", name="Save").click()
    page.goto(f"{server.url}/accounts/settings/composing/")
    expect(page.locator("input[name=undo_send_delay]")).to_have_value(str(seconds))


def write(page: Page, server: LiveServer, to: str, subject: str, text: str) -> None:
    page.goto(f"{server.url}/compose/")
    expect(page).to_have_url(COMPOSE_URL)
    page.wait_for_load_state("load")
    page.get_by_label("To", exact=True).fill(to)
    page.get_by_label("Cc", exact=True).fill(to)
    page.get_by_label("Subject", exact=True).fill(subject)
    page.get_by_label("Message text", exact=True).fill(text)


def shoot(page: Page, name: str) -> None:
    target = os.environ.get("WEBMAIL_SHOTS")
    if not target:
        return
    Path(target).mkdir(parents=True, exist_ok=True)
    for width, height, kind in ((1366, 800, "desktop"), (390, 844, "phone")):
        page.set_viewport_size({"width": width, "height": height})
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.screenshot(path=f"{target}/{name}-{kind}-{scheme}.png")
    page.set_viewport_size({"width": 1400, "height": 900})
    page.emulate_media(color_scheme="light")


def test_undo_returns_to_the_editor_with_everything(
    page: Page, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    log_in(page, daphne_server.url, alice)
    set_delay(page, daphne_server, 30)
    write(page, daphne_server, bob.address, "Second thoughts", "Line one.\n\nLine two.")
    page.locator("#c-send").click()
    expect(page).to_have_url(INBOX_URL)
    notice = page.locator(".outbox-notice")
    expect(notice).to_contain_text("Sending…")
    undo = notice.get_by_role("button", name="Undo")
    expect(undo).to_be_visible()
    shoot(page, "undo-send")
    undo.click()
    expect(page.locator(".flash")).to_contain_text("Sending undone.")
    expect(page).to_have_url(COMPOSE_URL)
    expect(page.get_by_text("Sending undone.")).to_be_visible()
    expect(page.get_by_label("To", exact=True)).to_have_value(bob.address)
    expect(page.get_by_label("Cc", exact=True)).to_have_value(bob.address)
    expect(page.get_by_label("Subject", exact=True)).to_have_value("Second thoughts")
    expect(page.get_by_label("Message text", exact=True)).to_have_value("Line one.\n\nLine two.")
    expect(page.locator(".outbox-notice")).to_have_count(0)
    assert folder_messages(bob, "INBOX") == []


def test_a_page_change_during_the_delay_still_sends(
    page: Page, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    log_in(page, daphne_server.url, alice)
    set_delay(page, daphne_server, 3)
    write(page, daphne_server, bob.address, "Walk on", "Sent from the server.")
    page.locator("#c-send").click()
    expect(page).to_have_url(INBOX_URL)
    expect(page.locator(".outbox-notice")).to_contain_text("Sending…")
    # Away at once, to a page of another kind: the server sends when the delay is over.
    page.goto(f"{daphne_server.url}/accounts/settings/composing/")
    arrived = wait_for(lambda: folder_messages(bob, "INBOX"), SENT_WITHIN)
    assert len(arrived) == 1
    [(_uid, _flags, msg)] = arrived
    assert str(msg["Subject"]) == "Walk on"
    assert text_of(msg).rstrip("\n") == "Sent from the server."
    assert wait_for(lambda: folder_messages(alice, "Sent"), SENT_WITHIN)
    # The notice followed to the new page and says how it went; once said, it is not repeated.
    expect(page.locator(".outbox-notice")).to_contain_text("Message sent to")
    expect(page.locator(".outbox-notice button")).to_have_count(0)
    page.goto(f"{daphne_server.url}/mail/INBOX/")
    expect(page.locator("table.messages")).to_be_visible()
    expect(page.locator(".outbox-notice")).to_have_count(0)
    assert len(folder_messages(bob, "INBOX")) == 1


def test_the_notice_follows_the_sending_on_the_page(
    page: Page, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    log_in(page, daphne_server.url, alice)
    set_delay(page, daphne_server, 2)
    write(page, daphne_server, bob.address, "Watch", "x")
    page.locator("#c-send").click()
    expect(page).to_have_url(INBOX_URL)
    # The page stays: the notice asks the server once the delay is over and shows the outcome.
    expect(page.locator(".outbox-notice")).to_contain_text("Message sent to", timeout=60_000)
    expect(page.locator(".outbox-notice").get_by_role("button", name="Undo")).to_have_count(0)
    assert len(folder_messages(bob, "INBOX")) == 1


def test_a_killed_server_loses_nothing_and_sends_once_after_restart(
    page: Page, dovecot: Dovecot, smtp_server: SubmissionServer, alice: MailUser, bob: MailUser
) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="webmail-restart-"))
    env = {
        **mail_env(dovecot),
        **smtp_server.env(),
        "WEBMAIL_DEFAULT_DOMAIN": "example.org",
        "WEBMAIL_COMPOSE_DIR": str(workdir / "compose"),
    }
    try:
        with run_daphne(workdir, env) as first:
            log_in(page, first.url, alice)
            set_delay(page, first, 15)
            write(page, first, bob.address, "Survives", "Still here.")
            page.locator("#c-send").click()
            expect(page).to_have_url(INBOX_URL)
            expect(page.locator(".outbox-notice")).to_contain_text("Sending…")
            first.process.kill()  # no goodbye: the worker's memory is gone
            first.process.wait()
        assert folder_messages(bob, "INBOX") == []
        # A new process on the same database and disk; the user's open page comes back.
        with run_daphne(workdir, env) as second:
            page.goto(f"{second.url}/mail/INBOX/")
            expect(page.locator(".outbox-notice")).to_contain_text("Sending…")
            arrived = wait_for(lambda: folder_messages(bob, "INBOX"), SENT_WITHIN)
            assert [str(m["Subject"]) for _u, _f, m in arrived] == ["Survives"]
            assert wait_for(lambda: folder_messages(alice, "Sent"), SENT_WITHIN)
            expect(page.locator(".outbox-notice")).to_contain_text("Message sent to")
            assert len(folder_messages(bob, "INBOX")) == 1
            assert "Traceback" not in second.log()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def test_the_sending_notice_has_no_axe_violations(
    browser: Browser, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 800}, bypass_csp=True)
    try:
        page = context.new_page()
        log_in(page, daphne_server.url, alice)
        set_delay(page, daphne_server, 30)
        write(page, daphne_server, bob.address, "Checked", "x")
        page.locator("#c-send").click()
        expect(page.locator(".outbox-notice")).to_contain_text("Sending…")
        bad = axe_everywhere(page)
        assert not bad, json.dumps(bad, indent=1)
        page.locator(".outbox-notice").get_by_role("button", name="Undo").click()
        expect(page).to_have_url(COMPOSE_URL)
    finally:
        context.close()
