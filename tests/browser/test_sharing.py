"""Sharing a folder in Chromium: alice shares from the folder list, bob opens it."""

from __future__ import annotations

import secrets
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_filters import shoot
from tests.support.browser import log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer, mail_env, run_daphne
from webmail.devmail.acl import acl_config
from webmail.devmail.dovecot import Dovecot
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser


@pytest.fixture
def acl_server(dovecot_factory: Callable[..., Dovecot]) -> Iterator[tuple[Dovecot, LiveServer]]:
    server = dovecot_factory()
    server.stop()
    server.extra_config = acl_config(server.mail_dir)
    server.start()
    workdir = Path(tempfile.mkdtemp(prefix="webmail-live-acl-"))
    try:
        with run_daphne(workdir, mail_env(server)) as live:
            yield server, live
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def make_user(server: Dovecot, name: str) -> MailUser:
    user = MailUser(f"{name}-{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(12), server)
    server.add_user(user.username, user.password)
    return user


def share(page: Page, login: str, preset: str, label: str) -> None:
    page.get_by_label("Login of a user of your domain").fill(login)
    page.get_by_label("Access", exact=True).select_option(preset)
    page.get_by_role("button", name="Share").click()
    expect(page.locator(".flash")).to_contain_text(f"Shared with {login}.")
    expect(page.locator(f'#acl-table tr[data-login="{login}"]')).to_contain_text(label)


def test_alice_shares_a_folder_and_bob_reads_it(
    page: Page, acl_server: tuple[Dovecot, LiveServer]
) -> None:
    """alice shares read-only: bob reads, sees no action his rights forbid (and why) and is not
    offered the folder as a Move/Copy target; alice gives write rights: bob gets the actions."""
    server, live = acl_server
    alice, bob = make_user(server, "alice"), make_user(server, "bob")
    alice.create_folder("Projects")
    uid = alice.append("Projects", make_message(subject="Kick-off notes"))
    own = bob.append("INBOX", make_message(subject="Bob's own"))
    shared = f"shared/{alice.username}/Projects"

    log_in(page, live.url, alice)
    page.goto(f"{live.url}/folders/")
    page.locator('tr[data-folder="Projects"]').get_by_role("link", name="Share").click()
    expect(page.locator("#acl-table")).to_contain_text("Only you.")
    share(page, bob.username, "read", "Read")
    page.get_by_label("Login of a user of your domain").fill("carol@other.test")
    page.get_by_role("button", name="Share").click()
    expect(page.locator(".form-error")).to_contain_text("users of your own domain")
    shoot(page, "sharing")
    bob.client().subscribe_folder(shared)  # (the folder pane's "Shared with me" section)

    bob_page = page.context.browser.new_page()  # type: ignore[union-attr]
    try:
        log_in(bob_page, live.url, bob)
        bob_page.goto(f"{live.url}/mail/{shared}/")
        expect(bob_page.locator("table.messages")).to_contain_text("Kick-off notes")
        expect(bob_page.locator(".rights-note")).to_be_visible()  # why the toolbar is short
        shoot(bob_page, "sharing-read-only-list")
        bob_page.goto(f"{live.url}/message/{shared}/{uid}/")
        actions = bob_page.locator("form.message-actions")
        expect(actions.get_by_role("button", name="Mark unread")).to_be_visible()
        for name in ("Delete", "Move", "Flag", "Archive"):
            expect(actions.get_by_role("button", name=name, exact=True)).to_have_count(0)
        expect(bob_page.locator(".rights-note")).to_contain_text("not given you the right")
        shoot(bob_page, "sharing-read-only-message")
        bob_page.emulate_media(color_scheme="dark")
        shoot(bob_page, "sharing-read-only-message-dark")
        bob_page.emulate_media(color_scheme="light")
        bob_page.goto(f"{live.url}/message/INBOX/{own}/")
        targets = bob_page.locator("form.message-actions select[name=target] option")
        expect(targets.first).to_be_attached()
        assert shared not in [o.get_attribute("value") for o in targets.all()]
        expect(bob_page.locator(".rights-note")).to_have_count(0)

        share(page, bob.username, "read_write", "Read and write")
        bob_page.goto(f"{live.url}/message/{shared}/{uid}/")
        expect(actions.get_by_role("button", name="Delete", exact=True)).to_be_visible()
        expect(bob_page.locator(".rights-note")).to_have_count(0)
    finally:
        bob_page.close()

    page.get_by_role("button", name=f"Remove access of {bob.username}").click()
    expect(page.locator("#acl-table")).to_contain_text("Only you.")
