"""The sender policy in Chromium: the identity form says which addresses are allowed and refuses
the others (issue 12)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_hardened_logins import shoot
from tests.support.browser import log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer, mail_env, run_daphne
from webmail.devmail.dovecot import Dovecot

pytestmark = pytest.mark.browser


@pytest.fixture
def own_address_server(dovecot: Dovecot) -> Iterator[LiveServer]:
    workdir = Path(tempfile.mkdtemp(prefix="webmail-live-senders-"))
    env = {
        **mail_env(dovecot),
        "WEBMAIL_SENDER_POLICY": "own",
        "WEBMAIL_DEFAULT_DOMAIN": "example.org",
        "WEBMAIL_COMPOSE_DIR": str(workdir / "compose"),
    }
    try:
        with run_daphne(workdir, env) as server:
            yield server
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def test_the_identity_form_refuses_an_address_the_user_may_not_send_as(
    page: Page, own_address_server: LiveServer, alice: MailUser
) -> None:
    log_in(page, own_address_server.url, alice)
    page.goto(f"{own_address_server.url}/accounts/identities/new/")
    expect(page.locator("main form")).to_contain_text(f"Addresses you can send as: {alice.address}")
    page.get_by_label("Name").fill("The boss")
    page.get_by_label("Email address").fill("ceo@example.org")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".errorlist")).to_contain_text(f"You can send only as {alice.address}.")
    expect(page.get_by_label("Name")).to_have_value("The boss")  # nothing typed is lost
    shoot(page, "identity-refused")
    page.get_by_label("Email address").fill(alice.address.upper())
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{own_address_server.url}/accounts/identities/")
    expect(page.locator("main")).not_to_contain_text("ceo@example.org")
