"""The compose page says how much one message may carry (the outgoing server's SIZE) and
refuses a file that would pass it before uploading anything."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from mailview.compose.limits import MESSAGE_OVERHEAD
from mailview.compose.store import human_size
from tests.support.browser import log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer, mail_env, run_daphne
from webmail.devmail.dovecot import Dovecot
from webmail.devmail.smtp import SubmissionServer

pytestmark = pytest.mark.browser

SIZE = 300_000
ALLOWED = (SIZE - MESSAGE_OVERHEAD) * 3 // 4
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "compose-limits"


@pytest.fixture(scope="module")
def small_smtp_server(dovecot: Dovecot) -> Iterator[LiveServer]:
    smtp = SubmissionServer.for_dovecot(dovecot, max_size=SIZE)
    smtp.start()
    workdir = Path(tempfile.mkdtemp(prefix="webmail-compose-limit-"))
    env = {
        **mail_env(dovecot),
        **smtp.env(),
        "WEBMAIL_DEFAULT_DOMAIN": "example.org",
        "WEBMAIL_COMPOSE_DIR": str(workdir / "compose"),
    }
    try:
        with run_daphne(workdir, env) as server:
            yield server
    finally:
        smtp.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def test_a_file_over_the_messages_limit_is_refused_before_upload(
    page: Page, small_smtp_server: LiveServer, alice: MailUser, tmp_path: Path
) -> None:
    log_in(page, small_smtp_server.url, alice)
    page.goto(f"{small_smtp_server.url}/compose/")
    expect(page.locator("#c-dropzone .attach-head")).to_contain_text(
        f"{human_size(ALLOWED)} in all"
    )
    first = tmp_path / "first.bin"
    first.write_bytes(b"a" * (ALLOWED - 50_000))
    second = tmp_path / "second.bin"
    second.write_bytes(b"b" * 60_000)
    page.locator("#c-files").set_input_files(str(first))
    expect(page.locator("#c-attachments li .att-name")).to_have_text(["first.bin"])
    uploads: list[str] = []
    page.on("request", lambda r: uploads.append(r.url) if "/attachments/" in r.url else None)
    page.locator("#c-files").set_input_files(str(second))
    error = page.locator("#c-attach-error")
    expect(error).to_contain_text("With “second.bin” the message would be too large")
    assert uploads == []  # refused in the page, nothing sent
    expect(page.locator("#c-attachments li .att-name")).to_have_text(["first.bin"])

    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, width, height, dark in (
        ("desktop-light", 1366, 800, False),
        ("phone-dark", 390, 844, True),
    ):
        page.set_viewport_size({"width": width, "height": height})
        page.emulate_media(color_scheme="dark" if dark else "light")
        error.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"{name}.png"))
