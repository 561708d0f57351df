"""Public folders in Chromium: bob shows them from the folder list, finds them in the tree's
"Shared folders" section, opens the read-only one (no delete, move or flag offered)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_filters import shoot
from tests.support.acl import acl_user, public_folder
from tests.support.browser import log_in
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
    workdir = Path(tempfile.mkdtemp(prefix="webmail-live-public-"))
    try:
        with run_daphne(workdir, mail_env(server)) as live:
            yield server, live
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def test_bob_shows_and_opens_a_read_only_public_folder(
    page: Page, acl_server: tuple[Dovecot, LiveServer]
) -> None:
    server, live = acl_server
    admin, bob = acl_user(server, "postmaster"), acl_user(server, "bob")
    public_folder(
        server,
        "Announcements",
        {"anyone": "lrs"},
        [make_message(subject="Office closed on Friday")],
        seeder=admin,
    )
    log_in(page, live.url, bob)
    page.goto(f"{live.url}/folders/")
    row = page.locator('tr[data-folder="Public/Announcements"]')
    expect(page.locator('tr.folder-section[data-section="shared"]')).to_contain_text(
        "Shared folders"
    )
    expect(row.get_by_role("button", name="Rename")).to_have_count(0)
    row.get_by_role("button", name="Show").click()
    page.goto(f"{live.url}/mail/INBOX/")
    section = page.locator('#folders .folder-section[data-section="shared"]')
    expect(section).to_contain_text("Shared folders")
    page.locator('#folders a[href="/mail/Public/Announcements/"]').click()
    expect(page.locator("table.messages")).to_contain_text("Office closed on Friday")
    for action in ("delete", "move", "flag"):
        expect(page.locator(f'button[name="action"][value="{action}"]')).to_have_count(0)
    shoot(page, "public-folder")
    page.emulate_media(color_scheme="dark")
    shoot(page, "public-folder-dark")
