"""Delegation in Chromium: bob, with alice's support folders shared with him, makes a support
identity that files in the team's Sent, replies from the shared folder, and alice sees the copy."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_filters import shoot
from tests.support.acl import acl_user
from tests.support.browser import log_in
from tests.support.compose import folder_messages
from tests.support.liveserver import LiveServer, mail_env, run_daphne
from webmail.devmail.acl import acl_config
from webmail.devmail.dovecot import Dovecot
from webmail.devmail.factories import make_message
from webmail.devmail.smtp import SubmissionServer

pytestmark = pytest.mark.browser


@pytest.fixture
def acl_mail(dovecot_factory: Callable[..., Dovecot]) -> Iterator[tuple[Dovecot, LiveServer]]:
    server = dovecot_factory()
    server.stop()
    server.extra_config = acl_config(server.mail_dir)
    server.start()
    smtp = SubmissionServer.for_dovecot(server, security="starttls")
    smtp.start()
    workdir = Path(tempfile.mkdtemp(prefix="webmail-live-team-"))
    env = {
        **mail_env(server),
        **smtp.env(),
        "WEBMAIL_DEFAULT_DOMAIN": "example.org",
        "WEBMAIL_COMPOSE_DIR": str(workdir / "compose"),
    }
    try:
        with run_daphne(workdir, env) as live:
            yield server, live
    finally:
        smtp.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def test_bob_replies_as_support_and_the_copy_lands_in_the_teams_sent(
    page: Page, acl_mail: tuple[Dovecot, LiveServer]
) -> None:
    server, live = acl_mail
    alice, bob, carl = (acl_user(server, n) for n in ("alice", "bob", "carl"))
    for name in ("Support", "Support/Sent"):
        alice.create_folder(name)
    uid = alice.append(
        "Support",
        make_message(sender=carl.address, to="support@example.org", subject="Where is my order?"),
    )
    imap = alice.client()
    imap.setacl("Support", bob.username, "lrswipte")
    imap.setacl("Support/Sent", bob.username, "lrswipte")
    team_sent = f"shared/{alice.username}/Support/Sent"

    log_in(page, live.url, bob)
    page.goto(f"{live.url}/accounts/identities/new/")
    page.get_by_label("Name").fill("Support team")
    page.get_by_label("Email address").fill("support@example.org")
    page.get_by_label("Folder for sent messages").fill("Team Sent")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".errorlist")).to_contain_text("There is no folder “Team Sent”")
    page.get_by_label("Folder for sent messages").fill(team_sent)
    shoot(page, "identity-team-sent")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("tr.identity").filter(has_text="support@example.org")).to_contain_text(
        team_sent
    )

    page.goto(f"{live.url}/compose/?kind=reply&folder=shared/{alice.username}/Support&uid={uid}")
    expect(page.locator("#c-identity option:checked")).to_contain_text("support@example.org")
    page.locator("#c-send").click()
    expect(page).to_have_url(f"{live.url}/mail/INBOX/")

    def copies() -> list[str]:
        return [str(m["Subject"]) for _u, _f, m in folder_messages(alice, "Support/Sent")]

    # The copy was filed before the redirect.
    assert copies() == ["Re: Where is my order?"]
    assert folder_messages(bob, "Sent") == []
