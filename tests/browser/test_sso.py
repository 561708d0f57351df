"""Single sign-on in Chromium: from the login page through the development provider to the
inbox; reading, sending and live mail with OAuth only (the webmail never knows a password);
an access token that expires during the session is refreshed for the request pool and for the
IDLE watcher."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import INBOX_URL
from tests.support.compose import folder_messages
from tests.support.dovecot import logged, make_dovecot_root
from tests.support.idp import (
    SSOUser,
    issued_tokens,
    oauth_dovecot_for,
    register_client,
    sso_user,
)
from tests.support.liveserver import ROOT, LiveServer, mail_env, run_daphne
from tests.support.waiting import wait_until
from webmail.devmail.dovecot import Dovecot
from webmail.devmail.factories import make_message
from webmail.devmail.idp import IdentityProvider
from webmail.devmail.smtp import SubmissionServer

pytestmark = pytest.mark.browser

ACCESS_SECONDS = 8

CONFIGURE = """
import json, os, django
django.setup()
from accounts.models import Domain, OIDCProvider
from accounts.sso.secret import seal_client_secret
c = json.loads(os.environ["SSO_CONFIG"])
d = Domain.objects.create(name="example.org", imap_host=c["host"], imap_port=c["imap_port"],
    imap_security="starttls", smtp_host=c["host"], smtp_port=c["smtp_port"],
    smtp_security="starttls", ca_file=c["ca_file"])
OIDCProvider.objects.create(domain=d, name="Dev IdP", issuer=c["issuer"],
    client_id=c["client_id"], client_secret_sealed=seal_client_secret(c["client_secret"]))
"""


@dataclass
class Site:
    idp: IdentityProvider
    dovecot: Dovecot
    live: LiveServer
    client_secret: str


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    workdir = Path(tempfile.mkdtemp(prefix="webmail-sso-"))
    idp = IdentityProvider(workdir / "idp", access_seconds=ACCESS_SECONDS)
    idp.start()
    dovecot = oauth_dovecot_for(idp, make_dovecot_root())
    dovecot.start()
    smtp = SubmissionServer.for_dovecot(dovecot, security="starttls")
    smtp.start()
    env = {
        **mail_env(dovecot),
        "WEBMAIL_DEFAULT_DOMAIN": "example.org",
        "WEBMAIL_COMPOSE_DIR": str(workdir / "compose"),
        # The watchers pick up refreshed tokens at each session check.
        "WEBMAIL_LIVE_SESSION_CHECK": "1",
    }
    try:
        with run_daphne(workdir, env) as live:
            client = register_client(
                idp,
                f"{live.url}/accounts/login/sso/callback/",
                post_logout_redirect_uris=[f"{live.url}/accounts/login/"],
            )
            config = {
                "host": dovecot.host,
                "imap_port": dovecot.imap_port,
                "smtp_port": smtp.port,
                "ca_file": str(dovecot.ca_file),
                "issuer": idp.issuer,
                "client_id": client.client_id,
                "client_secret": client.client_secret,
            }
            subprocess.run(
                [sys.executable, "-c", CONFIGURE],
                cwd=ROOT,
                check=True,
                env={
                    **os.environ,
                    "DJANGO_SETTINGS_MODULE": "webmail.settings",
                    "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
                    "SECRET_KEY": "live-server-test-secret-key-0123456789",
                    "PYTHONPATH": str(ROOT),
                    "SSO_CONFIG": json.dumps(config),
                },
            )
            yield Site(idp, dovecot, live, client.client_secret)
    finally:
        smtp.stop()
        dovecot.stop()
        idp.stop()
        shutil.rmtree(dovecot.root, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)


def sign_in(page: Page, site: Site, user: SSOUser) -> None:
    page.goto(f"{site.live.url}/accounts/login/")
    page.get_by_role("link", name="Sign in with Dev IdP").click()
    expect(page.get_by_role("heading", name="Dev identity provider")).to_be_visible()
    page.get_by_label("Username").fill(user.login)
    page.get_by_label("Password").fill(user.idp_password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(INBOX_URL)
    page.wait_for_load_state("load")


def access_tokens(idp: IdentityProvider, login: str) -> list[tuple[str, str]]:
    """(token, expires) of the access tokens issued to ``login``, oldest first."""
    with closing(sqlite3.connect(idp.root / "idp.sqlite3")) as db:
        return db.execute(
            "SELECT t.token, t.expires FROM oauth2_provider_accesstoken t"
            " JOIN auth_user u ON t.user_id = u.id WHERE u.username = ? ORDER BY t.id",
            (login,),
        ).fetchall()


def test_sign_in_read_send_and_live_mail_with_oauth_only(page: Page, site: Site) -> None:
    alice, bob = sso_user(site.idp, site.dovecot, "alice"), sso_user(site.idp, site.dovecot, "bob")
    alice.mail.append("INBOX", make_message(subject="Welcome aboard", text="Signed in by SSO.\n"))
    sign_in(page, site, alice)
    expect(page.locator("body")).to_have_attribute("data-live", "websocket")
    page.locator("table.messages tr.row .c-subject a", has_text="Welcome aboard").click()
    expect(page.locator("body")).to_contain_text("Signed in by SSO.")

    page.goto(f"{site.live.url}/mail/INBOX/")
    page.get_by_role("link", name="Compose").click()
    page.get_by_label("To", exact=True).fill(bob.address)
    page.get_by_label("Subject").fill("Sent with a token")
    page.get_by_label("Message text", exact=True).fill("No password involved.\n")
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(INBOX_URL)
    assert wait_until(lambda: len(folder_messages(bob.mail, "INBOX")) == 1, timeout=15)
    assert len(folder_messages(alice.mail, "Sent")) == 1

    expect(page.locator("body")).to_have_attribute("data-live", "websocket")
    alice.mail.append("INBOX", make_message(subject="Arrived live"))
    expect(page.locator("table.messages tr.row .c-subject a").first).to_have_text("Arrived live")
    # The request pool, the watcher and the SMTP server's check each logged in with the token
    # (the PLAIN logins in the log are this test's own set-up, which knows the mail password).
    assert logged(site.dovecot, f"user=<{alice.login}>, method=OAUTHBEARER", times=3)
    # No token, provider password or client secret in the webmail's log (DEBUG level).
    secrets = [*issued_tokens(site.idp, alice.login), alice.idp_password, site.client_secret]
    assert len(secrets) >= 4
    webmail_log = site.live.log()
    assert not [s for s in secrets if s in webmail_log]


def test_an_expiring_token_is_refreshed_for_the_pool_and_the_watcher(
    page: Page, site: Site
) -> None:
    alice = sso_user(site.idp, site.dovecot, "alice")
    alice.mail.append("INBOX", make_message(subject="Before expiry"))
    sign_in(page, site, alice)
    expect(page.locator("body")).to_have_attribute("data-live", "websocket")
    first_token, first_expiry = access_tokens(site.idp, alice.login)[0]
    # The session checks refresh the token before it expires (the provider then drops the old
    # one); wait, on the provider's own record, until the first token's lifetime is over.
    assert wait_until(
        lambda: first_token not in [t for t, _ in access_tokens(site.idp, alice.login)],
        timeout=ACCESS_SECONDS * 4,
    )
    assert wait_until(
        lambda: time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()) > first_expiry[:19],
        timeout=ACCESS_SECONDS * 4,
    )
    # The server drops every connection: the watcher and the pool must log in again, which
    # only a current token can do.
    site.dovecot.kick(alice.login)
    alice.mail.append("INBOX", make_message(subject="After expiry"))
    expect(page.locator("table.messages tr.row .c-subject a").first).to_have_text(
        "After expiry", timeout=30_000
    )
    expect(page.locator("body")).to_have_attribute("data-live", "websocket")
    page.reload()
    expect(page.locator("table.messages tr.row .c-subject a")).to_have_text(
        ["After expiry", "Before expiry"]
    )
    assert first_token not in site.live.log()


def test_a_revoked_refresh_token_sends_the_user_back_through_the_provider_keeping_the_draft(
    page: Page, site: Site
) -> None:
    alice = sso_user(site.idp, site.dovecot, "alice")
    sign_in(page, site, alice)
    page.get_by_role("link", name="Compose").click()
    page.get_by_label("To", exact=True).fill("bob@example.org")
    page.get_by_label("Subject").fill("Written before the revocation")
    page.get_by_label("Message text", exact=True).fill("Please keep this.")
    expect(page.locator("#c-status")).to_contain_text("Draft saved", timeout=15_000)

    # The provider's admin revokes every token of the user (the provider's own browser
    # session stays, as after a password change elsewhere).
    assert site.idp.revoke_user(alice.login) == 1
    assert access_tokens(site.idp, alice.login) == []

    # Once the session's token is due for refresh, the refresh is refused and the next page
    # goes through the provider, which signs the user in again without a question.
    def signed_in_again() -> bool:
        page.goto(f"{site.live.url}/mail/Drafts/")
        return bool(access_tokens(site.idp, alice.login)) and page.url.endswith("/mail/Drafts/")

    assert wait_until(signed_in_again, timeout=ACCESS_SECONDS * 5)
    page.locator(
        "table.messages tr.row .c-subject a", has_text="Written before the revocation"
    ).click()
    page.get_by_role("link", name="Edit draft").first.click()
    expect(page.get_by_label("Message text", exact=True)).to_have_value(
        re.compile(r"^Please keep this\.")
    )
