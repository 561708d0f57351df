"""The folder tree follows the mailbox in Chromium without a page load: the unread count of a
folder that is not open (NOTIFY on Dovecot), a folder deleted elsewhere leaves the tree, and a
shared folder whose owner stops sharing it leaves bob's open page, which says so and offers the
Inbox (issue 16)."""

from __future__ import annotations

import secrets
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import INBOX_URL, folder_item, log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer, mail_env, run_daphne
from webmail.devmail.acl import acl_config
from webmail.devmail.dovecot import Dovecot, connect
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parent.parent.parent / "var" / "screenshots"


def test_the_count_of_a_folder_not_open_changes_live(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    alice.create_folder("Projects")
    alice.create_folder("Old")
    log_in(page, daphne_server.url, alice)
    expect(page.locator("body")).to_have_attribute("data-live", "websocket")
    expect(folder_item(page, "Projects")).to_be_visible()
    expect(folder_item(page, "Projects").locator(".unseen")).to_have_count(0)
    page.evaluate("window.notReloaded = true")

    alice.append("Projects", make_message(subject="Delivered elsewhere"))
    expect(folder_item(page, "Projects").locator(".unseen")).to_have_text("1")
    alice.append("Projects", make_message(subject="And another"))
    expect(folder_item(page, "Projects").locator(".unseen")).to_have_text("2")

    alice.client().delete_folder("Old")
    expect(folder_item(page, "Old")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True


@pytest.fixture
def acl_server(dovecot_factory: Callable[..., Dovecot]) -> Iterator[tuple[Dovecot, LiveServer]]:
    """Dovecot with ACLs and the shared namespace; the app scans the tree every second (taking
    rights away is no NOTIFY event)."""
    server = dovecot_factory()
    server.stop()
    server.extra_config = acl_config(server.mail_dir)
    server.start()
    workdir = Path(tempfile.mkdtemp(prefix="webmail-live-tree-"))
    try:
        env = {**mail_env(server), "WEBMAIL_LIVE_TREE_RECHECK": "1"}
        with run_daphne(workdir, env) as live:
            yield server, live
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def make_user(server: Dovecot, name: str) -> MailUser:
    user = MailUser(f"{name}-{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(12), server)
    server.add_user(user.username, user.password)
    return user


def test_a_revoked_share_leaves_bobs_open_page(
    page: Page, acl_server: tuple[Dovecot, LiveServer]
) -> None:
    server, live = acl_server
    alice, bob = make_user(server, "alice"), make_user(server, "bob")
    alice.create_folder("Team")
    alice.append("Team", make_message(subject="Rota"))
    shared = f"shared/{alice.username}/Team"
    owner = connect(server, alice.username, alice.password)
    try:
        owner.set_acl("Team", bob.username, "lrs")
        bob.client().subscribe_folder(shared)
        log_in(page, live.url, bob)
        folder_item(page, shared).get_by_role("link").click()
        expect(page.locator("table.messages")).to_contain_text("Rota")
        expect(page.locator("body")).to_have_attribute("data-live", "websocket")

        owner.delete_acl("Team", bob.username)  # alice revokes
    finally:
        owner.logout()
    expect(folder_item(page, shared)).to_have_count(0)
    # Its parent (alice's name, not a folder) and the "Shared with me" section went with it.
    expect(folder_item(page, f"shared/{alice.username}")).to_have_count(0)
    expect(page.locator("nav#folders li.folder-section")).to_have_count(0)
    notice = page.locator(".live-notice .folder-gone")
    expect(notice).to_contain_text("“Team” is no longer there")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("desktop", (1366, 800)), ("phone", (390, 844))):
        for scheme in ("light", "dark"):
            page.set_viewport_size({"width": size[0], "height": size[1]})
            page.emulate_media(color_scheme=scheme)
            page.screenshot(path=str(SHOTS / f"folder-gone-{label}-{scheme}.png"))
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 1366, "height": 800})
    notice.get_by_role("link", name="Go to Inbox").click()
    expect(page).to_have_url(INBOX_URL)
