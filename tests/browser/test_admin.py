"""The admin panel and the protections in Chromium: disabling an account, ending a session,
login throttling, two-factor enrolment and login."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from base64 import b32decode
from collections.abc import Iterator
from pathlib import Path

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import INBOX_URL, LOGIN_URL, log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import ROOT, LiveServer, mail_env, run_daphne
from webmail.devmail.dovecot import Dovecot

pytestmark = pytest.mark.browser


def create_admin(server: LiveServer) -> tuple[str, str]:
    """A staff user in the live server's database, made the way an operator does."""
    username, password = f"admin-{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    workdir = server.log_file.parent
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "webmail.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "DJANGO_SUPERUSER_PASSWORD": password,
    }
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "createsuperuser",
            "--noinput",
            "--username",
            username,
            "--email",
            f"{username}@example.org",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return username, password


def admin_log_in(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("input[type=submit], button[type=submit]").first.click()
    expect(page.locator("#site-name")).to_contain_text("Webmail administration")


def run_action(page: Page, row_text: str, action_label: str) -> None:
    row = page.locator("#result_list tbody tr", has_text=row_text)
    row.locator("input[name=_selected_action]").check()
    page.locator("select[name=action]").select_option(label=action_label)
    page.locator("button[name=index]").click()


def test_an_admin_disables_an_account_and_the_users_open_session_ends(
    browser: Browser, daphne_server: LiveServer, alice: MailUser
) -> None:
    username, password = create_admin(daphne_server)
    user_ctx, admin_ctx = browser.new_context(), browser.new_context()
    try:
        user = user_ctx.new_page()
        log_in(user, daphne_server.url, alice)
        admin = admin_ctx.new_page()
        admin_log_in(admin, daphne_server.url, username, password)
        admin.get_by_role("link", name="Mail accounts").click()
        row = admin.locator("#result_list tbody tr", has_text=alice.username)
        expect(row.locator("td.field-active_session_count")).to_have_text("1")
        run_action(admin, alice.username, "Disable (and end their sessions now)")
        expect(admin.locator(".messagelist")).to_contain_text("1 account disabled.")
        # The user's session is over: the next page they open is the login form.
        user.locator("nav#folders li.folder[data-folder='INBOX'] a").click()
        expect(user).to_have_url(LOGIN_URL)
        # And they cannot log in again.
        user.get_by_label("Email or username").fill(alice.username)
        user.get_by_label("Password").fill(alice.password)
        user.get_by_role("button", name="Log in").click()
        expect(user.locator(".form-error")).to_contain_text("This account is disabled.")
        # The disabling is in the audit log.
        admin.goto(f"{daphne_server.url}/admin/accounts/auditevent/?q={alice.username}")
        expect(admin.locator("#result_list")).to_contain_text("login refused")
        admin.goto(f"{daphne_server.url}/admin/accounts/auditevent/?q={username}")
        expect(admin.locator("#result_list")).to_contain_text(
            f"account={alice.username}, action=disable account"
        )
    finally:
        user_ctx.close()
        admin_ctx.close()


def test_an_admin_ends_a_session(
    browser: Browser, daphne_server: LiveServer, alice: MailUser
) -> None:
    username, password = create_admin(daphne_server)
    phone_ctx, laptop_ctx, admin_ctx = (browser.new_context() for _ in range(3))
    try:
        phone = phone_ctx.new_page()
        phone.set_extra_http_headers({"User-Agent": "PhoneBrowser/1.0"})
        log_in(phone, daphne_server.url, alice)
        laptop = laptop_ctx.new_page()
        log_in(laptop, daphne_server.url, alice)
        admin = admin_ctx.new_page()
        admin_log_in(admin, daphne_server.url, username, password)
        admin.goto(f"{daphne_server.url}/admin/accounts/activesession/?q={alice.username}")
        expect(admin.locator("#result_list tbody tr")).to_have_count(2)
        run_action(admin, "PhoneBrowser/1.0", "End session")
        expect(admin.locator(".messagelist")).to_contain_text("1 session ended.")
        phone.reload()
        expect(phone).to_have_url(LOGIN_URL)
        # The other session goes on.
        laptop.reload()
        expect(laptop).to_have_url(INBOX_URL)
        expect(laptop.locator("table.messages")).to_be_visible()
    finally:
        for ctx in (phone_ctx, laptop_ctx, admin_ctx):
            ctx.close()


@pytest.fixture
def strict_server(dovecot: Dovecot) -> Iterator[LiveServer]:
    """A server of its own: the throttling it records must not lock out the other tests."""
    workdir = Path(tempfile.mkdtemp(prefix="webmail-live-throttle-"))
    try:
        env = {**mail_env(dovecot), "WEBMAIL_LOGIN_FAILURE_LIMIT": "3"}
        with run_daphne(workdir, env) as server:
            yield server
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def test_repeated_wrong_passwords_are_throttled(
    page: Page, strict_server: LiveServer, alice: MailUser
) -> None:
    page.goto(f"{strict_server.url}/accounts/login/")
    for attempt in range(3):
        page.get_by_label("Email or username").fill(alice.username)
        page.get_by_label("Password").fill(f"wrong-{attempt}")
        page.get_by_role("button", name="Log in").click()
        if attempt < 2:
            expect(page.locator(".form-error")).to_have_text("Wrong username or password.")
    expect(page.locator(".form-error")).to_have_text(
        "Too many failed login attempts. Try again in 15 minutes."
    )
    # Now even the right password is refused, with the same message.
    page.get_by_label("Password").fill(alice.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".form-error")).to_have_text(
        "Too many failed login attempts. Try again in 15 minutes."
    )
    expect(page).to_have_url(LOGIN_URL)


def time_step() -> int:
    """The current 30-second step of an authenticator app."""
    return int(time.time() // 30)


def totp_code(secret: str, step: int) -> str:
    """The authenticator app's code of ``step``. After a first code, give the code of the step
    after *that one*, not of the step after now: the server takes each step once and keeps how
    late the first code came (django-otp's drift), so "now + 1" falls outside its window when
    the first code was checked a step after it was made (a busy machine, once in CI)."""
    key = b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    totp = TOTP(key)
    totp.time = step * 30
    return f"{totp.token():06d}"


def test_two_factor_enrolment_and_login(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    log_in(page, daphne_server.url, alice)
    page.goto(f"{daphne_server.url}/accounts/settings/")
    page.get_by_role("link", name="Security").click()
    expect(page.locator("#two-factor-status")).to_contain_text("Off")
    page.get_by_role("link", name="Set up an authenticator app").click()
    expect(page.locator(".otp-qr svg")).to_be_visible()
    secret = page.locator("#otp-secret").inner_text()
    enrolled = time_step()
    page.get_by_label("Code shown by the app").fill(totp_code(secret, enrolled))
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name=re.compile("I have saved them")).click()
    expect(page).to_have_url(INBOX_URL)

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(LOGIN_URL)
    page.get_by_label("Email or username").fill(alice.username)
    page.get_by_label("Password").fill(alice.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Two-factor code")).to_be_visible()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".form-error")).to_contain_text("not valid")
    time.sleep(1.2)  # django-otp holds the device back for 1 s after a wrong code
    # The next time step's code: the enrolment code cannot be replayed.
    page.get_by_label("Code").fill(totp_code(secret, enrolled + 1))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(INBOX_URL)
    expect(page.locator("table.messages")).to_be_visible()
