"""CSS that a removed comment would have joined into a remote load (`u/**/rl/**/(...)`) loads
nothing in a real browser, with remote content blocked."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from tests.support.waiting import wait_until
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser


@pytest.fixture
def remote() -> Iterator[tuple[str, list[str]]]:
    """An image host on another loopback address that remembers every path asked for."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.2:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def test_comment_joined_css_loads_nothing_remote(
    page: Page, daphne_server: LiveServer, alice: MailUser, remote: tuple[str, list[str]]
) -> None:
    base, hits = remote
    html = (
        f'<div id="a" style="height:20px;background:u/**/rl/**/({base}/attr.png)">a</div>'
        f"<style>#b {{ height:20px; background-image: u/**/rl/**/({base}/style.png) }}</style>"
        '<div id="b">b</div><p id="done">done</p>'
    )
    uid = alice.append("INBOX", make_message(subject="Joined", html=html, text="t"))
    log_in(page, daphne_server.url, alice)
    requests: list[str] = []
    page.context.on("request", lambda request: requests.append(request.url))
    page.goto(f"{daphne_server.url}/message/INBOX/{uid}/")
    frame = page.frame_locator("iframe.body-html")
    expect(frame.locator("#done")).to_have_text("done")
    # The frame has loaded completely: images its CSS asked for would have been requested.
    assert wait_until(
        lambda: page.frames[-1].evaluate("document.readyState") == "complete", timeout=30
    )
    assert hits == []
    assert {urlsplit(url).netloc for url in requests} == {urlsplit(daphne_server.url).netloc}
