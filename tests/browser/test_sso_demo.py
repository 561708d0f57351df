"""The SSO half of the demo as ``scripts/run`` starts it (webmail.devmail.sso_demo): the dev
provider, the demo Dovecot with its oauth2 passdb, then "Sign in with Dev IdP" as
sso@example.org lands in a seeded inbox. Also takes the login page's screenshots when
WEBMAIL_SCREENSHOT_DIR is set."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
from playwright.sync_api import Browser, expect

from tests.support.browser import INBOX_URL
from tests.support.liveserver import ROOT, LiveServer, run_daphne
from tests.support.waiting import wait_until

pytestmark = pytest.mark.browser

SECRET_KEY = "live-server-test-secret-key-0123456789"  # as run_daphne sets it


def _background(*args: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", *args],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


@pytest.fixture(scope="module")
def demo_site() -> Iterator[LiveServer]:
    workdir = Path(tempfile.mkdtemp(prefix="webmail-sso-demo-", dir="/var/tmp"))
    workdir.chmod(0o755)
    root = workdir / "mail"
    procs: list[subprocess.Popen[bytes]] = []
    log = workdir / "demo.log"
    try:
        procs.append(
            _background("webmail.devmail.sso_demo", "provider", "--root", str(root), log=log)
        )
        assert wait_until(lambda: (root / "sso.json").exists(), timeout=120), log.read_text()
        procs.append(
            _background(
                "webmail.devmail.demo",
                "--root",
                str(root),
                "--user",
                "demo@example.org",
                "--password",
                "demo",
                "--extra-config",
                str(root / "oauth2" / "extra.conf"),
                log=log,
            )
        )
        assert wait_until(lambda: (root / "ports.json").exists(), timeout=120), log.read_text()
        procs.append(
            _background("webmail.devmail.smtp", "--ports-file", str(root / "ports.json"), log=log)
        )
        assert wait_until(lambda: (root / "smtp.json").exists(), timeout=60), log.read_text()
        ports = json.loads((root / "ports.json").read_text())
        env = {
            "IMAP_HOST": "127.0.0.1",
            "IMAP_PORT": str(ports["imap_port"]),
            "IMAP_SECURITY": "starttls",
            "IMAP_CA_FILE": ports["ca_file"],
            "WEBMAIL_DEFAULT_SERVER_ANY_DOMAIN": "true",
            **json.loads((root / "smtp.json").read_text()),
        }
        with run_daphne(workdir, env) as live:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "webmail.devmail.sso_demo",
                    "configure",
                    "--root",
                    str(root),
                    "--base-url",
                    live.url,
                ],
                cwd=ROOT,
                check=True,
                env={
                    **os.environ,
                    **env,
                    "DJANGO_SETTINGS_MODULE": "webmail.settings",
                    "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
                    "SECRET_KEY": SECRET_KEY,
                    "PYTHONPATH": str(ROOT),
                },
            )
            yield live
    finally:
        for proc in reversed(procs):
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def test_the_sso_demo_user_signs_in_to_a_seeded_inbox(browser: Browser, demo_site) -> None:
    shots = os.environ.get("WEBMAIL_SCREENSHOT_DIR")
    schemes: list[tuple[str, tuple[int, int], Literal["light", "dark"]]] = [
        ("desktop-light", (1366, 800), "light"),
        ("desktop-dark", (1366, 800), "dark"),
        ("phone-light", (390, 844), "light"),
        ("phone-dark", (390, 844), "dark"),
    ]
    for name, size, scheme in schemes:
        context = browser.new_context(
            viewport={"width": size[0], "height": size[1]}, color_scheme=scheme
        )
        page = context.new_page()
        page.goto(f"{demo_site.url}/accounts/login/")
        expect(page.get_by_role("link", name="Sign in with Dev IdP")).to_be_visible()
        if shots:
            page.screenshot(path=f"{shots}/sso-login-{name}.png")
        context.close()

    context = browser.new_context(viewport={"width": 1366, "height": 800})
    page = context.new_page()
    page.goto(f"{demo_site.url}/accounts/login/")
    page.get_by_role("link", name="Sign in with Dev IdP").click()
    page.get_by_label("Username").fill("sso@example.org")
    page.get_by_label("Password").fill("sso")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(INBOX_URL)
    expect(page.locator("table.messages tr.row .c-subject a")).to_have_text(
        ["Your mailbox, without a password", "Welcome to single sign-on"]
    )
    if shots:
        page.screenshot(path=f"{shots}/sso-inbox.png")
    # Logging out ends the provider's session too (RP-initiated logout) and comes back here.
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(demo_site.url)}/accounts/login/"))
    # Signing in again asks at the provider: its session ended too.
    page.get_by_role("link", name="Sign in with Dev IdP").click()
    expect(page.get_by_role("heading", name="Dev identity provider")).to_be_visible()
    context.close()
