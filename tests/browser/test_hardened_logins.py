"""Issue 12 in Chromium: staff pass the two-factor step at the admin login; every spelling of a
two-factor user's login is asked for the code; a server over its connection limit says so."""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_admin import create_admin, time_step, totp_code
from tests.support.browser import INBOX_URL, LOGIN_URL, log_in
from tests.support.dovecot import MailUser, make_dovecot_root
from tests.support.liveserver import LiveServer, mail_env, run_daphne
from webmail.devmail.dovecot import Dovecot

pytestmark = pytest.mark.browser

ADMIN_LOGIN_URL = re.compile(r"/admin/login/")
SHOTS = Path(tempfile.gettempdir()) / "webmail-screenshots-h12a"


def shoot(page: Page, name: str) -> None:
    """The page as it is, at desktop and phone width, light and dark (for looking at)."""
    SHOTS.mkdir(exist_ok=True)
    for width, height in ((1366, 800), (390, 844)):
        for scheme in ("light", "dark"):
            page.set_viewport_size({"width": width, "height": height})
            page.emulate_media(color_scheme=scheme)
            page.screenshot(path=str(SHOTS / f"{name}-{width}-{scheme}.png"), full_page=True)


@pytest.fixture
def staff_2fa_server(dovecot: Dovecot) -> Iterator[LiveServer]:
    workdir = Path(tempfile.mkdtemp(prefix="webmail-live-staff2fa-"))
    try:
        with run_daphne(workdir, {**mail_env(dovecot), "WEBMAIL_STAFF_REQUIRE_2FA": "true"}) as s:
            yield s
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def admin_password_step(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("input[type=submit], button[type=submit]").first.click()


def test_staff_set_up_and_then_give_a_code_at_the_admin_login(
    browser: Browser, page: Page, staff_2fa_server: LiveServer
) -> None:
    base = staff_2fa_server.url
    username, password = create_admin(staff_2fa_server)
    admin_password_step(page, base, username, password)
    # Required for staff: set up an authenticator before the admin opens.
    expect(page.locator(".otp-qr svg")).to_be_visible()
    page.goto(f"{base}/admin/")
    expect(page).to_have_url(ADMIN_LOGIN_URL)
    page.goto(f"{base}/accounts/two-factor/setup/")
    secret = page.locator("#otp-secret").inner_text()
    enrolled = time_step()
    page.get_by_label("Code shown by the app").fill(totp_code(secret, enrolled))
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.goto(f"{base}/admin/")
    expect(page.locator("#site-name")).to_contain_text("Webmail administration")

    page.context.clear_cookies()
    admin_password_step(page, base, username, password)
    expect(page.get_by_role("heading", name="Two-factor code")).to_be_visible()
    shoot(page, "admin-code-step")
    page.goto(f"{base}/admin/")
    expect(page).to_have_url(ADMIN_LOGIN_URL)
    page.goto(f"{base}/accounts/login/code/")
    page.get_by_label("Code").fill(totp_code(secret, enrolled + 1))  # see totp_code
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#site-name")).to_contain_text("Webmail administration")


def test_an_upper_case_login_of_a_two_factor_user_is_asked_for_the_code(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    log_in(page, daphne_server.url, alice)
    page.goto(f"{daphne_server.url}/accounts/two-factor/setup/")
    secret = page.locator("#otp-secret").inner_text()
    page.get_by_label("Code shown by the app").fill(totp_code(secret, time_step()))
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)

    page.context.clear_cookies()
    page.goto(f"{daphne_server.url}/accounts/login/")
    page.get_by_label("Email or username").fill(alice.username.upper())
    page.get_by_label("Password").fill(alice.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Two-factor code")).to_be_visible()
    page.goto(f"{daphne_server.url}/mail/INBOX/")
    expect(page).to_have_url(LOGIN_URL)


@pytest.fixture
def limited_server() -> Iterator[tuple[Dovecot, LiveServer]]:
    """A Dovecot allowing one connection per user and address, and an app in front of it."""
    root = make_dovecot_root()
    server = Dovecot(root, extra_config="mail_max_userip_connections = 1\n")
    workdir = Path(tempfile.mkdtemp(prefix="webmail-live-limit-"))
    try:
        server.start()
        with run_daphne(workdir, mail_env(server)) as live:
            yield server, live
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)


def test_a_server_over_its_connection_limit_is_not_a_wrong_password(
    browser: Browser, page: Page, limited_server: tuple[Dovecot, LiveServer]
) -> None:
    server, live = limited_server
    user = MailUser(f"gina-{uuid.uuid4().hex[:8]}", "gina-password", server)
    server.add_user(user.username, user.password)
    phone = server.client(user.username, user.password)
    page.goto(f"{live.url}/accounts/login/")
    page.get_by_label("Email or username").fill(user.username)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".form-error")).to_contain_text("Too many connections to your mailbox")
    shoot(page, "login-limit")
    with contextlib.suppress(Exception):
        phone.logout()
    log_in(page, live.url, user)
    expect(page).to_have_url(INBOX_URL)
