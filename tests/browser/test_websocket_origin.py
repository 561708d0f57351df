"""A page of another origin (here: another port of the same host, which gets the user's
cookies) cannot open the live-mail websocket and read the user's events; the app's own page
still can."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from tests.support.waiting import wait_until
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser

SNOOPER = """<!doctype html><meta charset="utf-8"><title>snooper</title><script>
window.opened = false; window.closed = null; window.received = [];
const ws = new WebSocket("%(ws)s");
ws.onopen = () => {
  window.opened = true;
  ws.send(JSON.stringify({type: "subscribe", folder: "INBOX", view: "list"}));
};
ws.onmessage = (event) => window.received.push(event.data);
ws.onclose = (event) => { window.closed = event.code; };
</script>"""


@pytest.fixture
def snooper_url(daphne_server: LiveServer) -> Iterator[str]:
    """A page on another port of 127.0.0.1 that opens the app's ws/live/."""
    page = SNOOPER % {"ws": daphne_server.url.replace("http://", "ws://") + "/ws/live/"}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            body = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_a_page_on_another_port_cannot_read_live_events(
    page: Page, daphne_server: LiveServer, alice: MailUser, snooper_url: str
) -> None:
    log_in(page, daphne_server.url, alice)
    expect(page.locator("body")).to_have_attribute("data-live", "websocket")

    snooper = page.context.new_page()  # same browser, same cookies for 127.0.0.1
    snooper.goto(snooper_url)
    assert wait_until(lambda: snooper.evaluate("window.closed") is not None, timeout=30)
    assert snooper.evaluate("window.opened") is False

    alice.append("INBOX", make_message(subject="Secret subject"))
    # The app's own page still receives the event...
    expect(page.locator("table.messages tr.row .c-subject a").first).to_have_text("Secret subject")
    # ...and nothing reached the other origin.
    assert snooper.evaluate("window.received") == []
    assert "Secret subject" not in snooper.content()
