"""Kept mail after the browser (or the installed app) restarts, in a real Chromium profile that
is closed and opened again: the session's key is gone with the tab, so the offline page asks
for the password of the last login on this device; a wrong one opens nothing; a device whose
login had no password (single sign-on; or the opt-in came after the login) says it cannot
unlock. An action queued offline after the restart is sent by the next login; logout wipes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.test_offline import opt_in, shoot, storage
from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.support.browser import at, log_in
from tests.support.cutoff import Cutoff, cutoff
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from tests.support.waiting import wait_until
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser


@pytest.fixture
def restartable(browser: Browser, tmp_path: Path) -> Iterator[Callable[[], Page]]:
    """A browser profile on disk: each call closes the running browser and starts it again,
    as after a restart (sessionStorage and the session cookie are gone; IndexedDB, Cache Storage
    and the service worker stay)."""
    running: list[BrowserContext] = []

    def start() -> Page:
        if running:
            running.pop().close()
        context = browser.browser_type.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1366, "height": 800},
        )
        # The session cookie ends with the browser (SESSION_EXPIRE_AT_BROWSER_CLOSE).
        context.clear_cookies()
        running.append(context)
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield start
    for context in running:
        context.close()


@pytest.fixture
def net(daphne_server: LiveServer) -> Iterator[Cutoff]:
    """The browser reaches the app through a relay whose network the test cuts (see cutoff)."""
    with cutoff(daphne_server.url) as relay:
        yield relay


def offline(page: Page, net: Cutoff, cut: bool) -> None:
    """The network gone (or back) for the page and its service worker alike."""
    if cut:
        net.cut()
    else:
        net.restore()
    page.context.set_offline(cut)


def kept_after_login(page: Page, base: str, uid: int) -> None:
    page.goto(f"{base}/message/INBOX/{uid}/")
    assert wait_until(lambda: f"message:/message/INBOX/{uid}/" in storage(page)["kept"], 30)
    assert wait_until(lambda: "list:/mail/INBOX/#1" in storage(page)["kept"], 30)


def test_kept_mail_opens_after_a_restart_with_the_password(
    restartable: Callable[[], Page], net: Cutoff, alice: MailUser, bob: MailUser
) -> None:
    base = net.url
    uid = alice.append(
        "INBOX", make_message(subject="Train timetable", sender=bob.address, date=at(0)), when=at(0)
    )

    # Opted in during a session: that login had no password to wrap the key with (as a single
    # sign-on login never has): after a restart the device says it cannot open its mail.
    page = restartable()
    log_in(page, base, alice)
    opt_in(page, base)
    expect(page.locator("#offline-usage")).to_contain_text("from your next login")
    kept_after_login(page, base, uid)
    assert "unlock" not in storage(page)["kept"]
    page = restartable()
    offline(page, net, True)
    page.goto(f"{base}/mail/INBOX/")
    expect(page.locator("#offline-main")).to_contain_text("a single sign-on login has none")
    expect(page.locator("table.messages")).to_have_count(0)
    offline(page, net, False)
    # Back online, the offline page loads the real one: the login page (the session ended).
    expect(page.get_by_role("button", name="Log in")).to_be_visible(timeout=30_000)

    # The next login with the password (this device opted in for alice) wraps the key.
    log_in(page, base, alice)
    kept_after_login(page, base, uid)
    assert wait_until(lambda: "unlock" in storage(page)["kept"], 30)
    assert alice.password not in storage(page)["raw"]
    # The offline page's modules are all kept with it (app.js imports unlock.js).
    shell = {entry.rsplit("/static/webmail/", 1)[-1] for entry in storage(page)["entries"]}
    modules = {"offline/app.js", "offline/store.js", "offline/effects.js", "offline/unlock.js"}
    assert modules <= shell

    page = restartable()
    offline(page, net, True)
    page.goto(f"{base}/mail/INBOX/")
    expect(page.locator(".offline-banner")).to_be_visible()
    assert storage(page)["key"] is None  # the tab's key went with the browser
    password = page.get_by_label("Password")
    password.fill("not the password")
    page.get_by_role("button", name="Unlock").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Wrong password: the mail kept on this device stays locked."
    )
    shoot(page, "offline-unlock")
    expect(page.locator("table.messages")).to_have_count(0)
    password.fill(alice.password)
    page.get_by_role("button", name="Unlock").click()
    expect(page.locator("table.messages tr.row")).to_have_count(1)
    page.get_by_role("link", name="Train timetable").click()
    expect(page.locator("article.message .subject")).to_have_text("Train timetable")
    page.get_by_role("button", name="Mark unread").click()
    expect(page.locator("#offline-status")).to_contain_text("1 action waiting")

    # Back online, the session has ended with the browser: the login page keeps the sealed
    # queue, the login with the password opens it and sends it.
    offline(page, net, False)
    expect(page.get_by_role("button", name="Log in")).to_be_visible(timeout=30_000)
    assert storage(page)["outbox"] == 1
    log_in(page, base, alice)
    expect(page.locator(".offline-report")).to_contain_text(
        "Back online: 1 of 1 action made offline done.", timeout=30_000
    )
    client = alice.client()
    client.select_folder("INBOX", readonly=True)
    assert b"\\Seen" not in client.get_flags([uid])[uid]
    client.logout()

    # Logout wipes everything, the wrapped key too: offline after that, nothing opens.
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    assert wait_until(lambda: storage(page)["dbs"] == [] and storage(page)["caches"] == [], 30)
    offline(page, net, True)
    with pytest.raises(Exception, match="ERR_INTERNET_DISCONNECTED|ERR_FAILED"):
        page.goto(f"{base}/mail/INBOX/")
