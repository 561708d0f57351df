"""Shared fixtures: the real Dovecot (tests/conftest_dovecot.py), the app pointed at it,
logged-in clients, a Daphne live server and Chromium through Playwright."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.servers import MailServer, clear_domain_cache
from mailview.imap import pool as pool_module
from tests.support.liveserver import LiveServer, mail_env, run_daphne
from tests.support.servers import point_at
from webmail.devmail.cyrus import Cyrus
from webmail.devmail.dovecot import Dovecot
from webmail.devmail.smtp import SubmissionServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from pytest_django.fixtures import Settings

    from tests.support.dovecot import MailUser

# Undo send: a new user's delay is 0 in tests (the sending tests expect the message sent when the
# send request returns); the undo-send tests set their delay (tests/compose/test_outbox.py).
# In the environment for the Daphne of the browser tests; `outbox_by_hand` for this process.
os.environ.setdefault("WEBMAIL_UNDO_SEND_DEFAULT", "0")

# Tests in parallel (pytest-xdist, scripts/test): each process takes its servers' ports from a
# range of its own, below the kernel's ephemeral ports (webmail.devmail.dovecot.free_port).
# WEBMAIL_TEST_PORT_SLOT shifts the ranges of a second run going on at the same time
# (scripts/test runs the PostgreSQL + Redis configuration beside the browser tests).
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and _worker[2:].isdigit():
    _slot = int(os.environ.get("WEBMAIL_TEST_PORT_SLOT", "0")) + int(_worker[2:])
    _first = 10_000 + _slot % 9 * 2_500
    os.environ.setdefault("WEBMAIL_PORT_RANGE", f"{_first}-{_first + 2_499}")

pytest_plugins = [
    "tests.support.dovecot",
    "tests.support.cyrus",
    "tests.support.capabilities",
    "tests.support.smtp",
    "tests.support.sieve",
    "tests.support.idp",
    "tests.support.acl",
    "tests.support.catalogs",
    "tests.support.failures",
]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def mail_server(imap_server: Dovecot | Cyrus, settings: Settings) -> MailServer:
    """The app's default server is the test Dovecot, or each server of an ``all_servers`` test
    (STARTTLS, certificate verified)."""
    return point_at(settings, imap_server)


@pytest.fixture(autouse=True)
def outbox_by_hand(settings: Settings) -> Iterator[None]:
    """Undo send: no delay unless a test sets one, and no worker thread in the test process
    (tests/compose/test_outbox.py runs the worker by hand)."""
    from mailview.compose import outbox_worker

    settings.WEBMAIL_UNDO_SEND_DEFAULT = 0
    settings.WEBMAIL_OUTBOX_THREAD = False
    outbox_worker._worker = None
    yield
    outbox_worker._worker = None


@pytest.fixture(autouse=True)
def fresh_pool() -> Iterator[None]:
    """Each test starts with an empty process pool and leaves none behind."""
    pool_module._pool = None
    yield
    if pool_module._pool is not None:
        pool_module._pool.close_all()
    pool_module._pool = None


@pytest.fixture
def empty_page_store() -> Iterator[None]:
    """No kept page or piece of one (mailview/render/pages.py) from an earlier test before or
    after this one."""
    from mailview.render.pages import fragment_store, page_store

    page_store.clear()
    fragment_store.clear()
    yield
    page_store.clear()
    fragment_store.clear()


@pytest.fixture
def login(mail_server: MailServer, db: None) -> Callable[..., Client]:
    """log in a MailUser through the real login form; returns their own test client."""

    def _login(user: MailUser) -> Client:
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": user.username, "password": user.password}
        )
        assert response.status_code == 302, response.content[:2000]
        return client

    return _login


@pytest.fixture(scope="session")
def daphne_server(dovecot: Dovecot, smtp_server: SubmissionServer) -> Iterator[LiveServer]:
    workdir = Path(tempfile.mkdtemp(prefix="webmail-live-"))
    # Writing mail (issue 4): send through the test SMTP server, uploads in the workdir.
    compose_env = {
        **smtp_server.env(),
        "WEBMAIL_DEFAULT_DOMAIN": "example.org",
        "WEBMAIL_COMPOSE_DIR": str(workdir / "compose"),
    }
    try:
        with run_daphne(workdir, {**mail_env(dovecot), **compose_env}) as server:
            yield server
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import expect, sync_playwright

    from tests.support.browser import EXPECT_TIMEOUT_MS

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    from tests.support.browser import ACTION_TIMEOUT_MS
    from tests.support.failures import RequestLog, failed, server_logs

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    requests = RequestLog(context)
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    yield page
    if failed(request.node):
        print(requests.report())
        print(server_logs(request.node))
    context.close()


@pytest.fixture(autouse=True)
def _fresh_domain_cache() -> Iterator[None]:
    """Domains are cached per process: every test starts without any."""
    clear_domain_cache()
    yield
    clear_domain_cache()


@pytest.fixture
def admin_user(db: None) -> Any:
    return get_user_model().objects.create_superuser(
        "root-admin", "root@example.org", "admin-password-123"
    )


@pytest.fixture
def admin_client(admin_user: Any) -> Client:
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "root-admin", "password": "admin-password-123"},
    )
    assert response.status_code == 302, response.content[:500]
    return client
