"""Reading hostile and rich mail in Chromium: the sandboxed frame, remote content, inline
images and attachment downloads. Remote images come from a second HTTP server on 127.0.0.2."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import at, log_in
from tests.support.corpus import PNG, related_message
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser

ROWS = "table.messages tr.row"
PREVIEW = "#preview article.message"


class RemoteServer:
    """A "remote" image host on another loopback address; remembers every path asked for."""

    def __init__(self) -> None:
        hits: list[str] = []
        self.hits = hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                hits.append(self.path)
                self.send_response(200)
                kind = "font/woff2" if self.path.endswith(".woff2") else "image/png"
                self.send_header("Content-Type", kind)
                self.send_header("Access-Control-Allow-Origin", "*")  # fonts are CORS requests
                self.send_header("Content-Length", str(len(PNG)))
                self.end_headers()
                self.wfile.write(PNG)

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
        self.url = f"http://127.0.0.2:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def remote() -> Iterator[RemoteServer]:
    server = RemoteServer()
    yield server
    server.close()


def record_requests(page: Page) -> list[str]:
    urls: list[str] = []
    page.context.on("request", lambda request: urls.append(request.url))
    return urls


def hostile_html(remote: RemoteServer) -> str:
    return (
        "<p>Quarterly <b>newsletter</b></p>"
        "<script>window.parent.__pwned = 1; window.top.__pwned = 1;</script>"
        f'<img id="tracker" src="{remote.url}/track.png" alt="tracker">'
        f'<div style="background-image: url({remote.url}/bg.png)">styled</div>'
        f"<style>@import url({remote.url}/x.css); p {{ color: #333 }}</style>"
        f"<style>@font-face {{ font-family: Remote; src: url({remote.url}/font.woff2)"
        ' format("woff2") } .brand { font-family: Remote, serif }</style>'
        '<p class="brand">Brand text</p>'
        f'<img id="responsive" alt="r" src="{remote.url}/small.png"'
        f' srcset="{remote.url}/srcset-1x.png 1x, {remote.url}/srcset-2x.png 2x">'
        f'<video id="clip" poster="{remote.url}/poster.png" src="{remote.url}/clip.mp4"></video>'
        '<img src="x" onerror="window.parent.__pwned = 2">'
        '<svg><script>window.parent.__pwned = 3</script><animate attributeName="href" '
        'to="javascript:parent.__pwned=4"/></svg>'
        '<a id="out" href="https://example.org/">read online</a>'
        '<form action="https://evil.example/"><input name="password"></form>'
    )


def test_html_message_runs_no_script_and_loads_nothing_remote_until_asked(
    page: Page, daphne_server: LiveServer, alice: MailUser, remote: RemoteServer
) -> None:
    alice.append(
        "INBOX",
        make_message(
            subject="Newsletter",
            sender="News <news@shop.example>",
            date=at(1),
            text="plain version",
            html=hostile_html(remote),
        ),
        when=at(1),
    )
    log_in(page, daphne_server.url, alice)
    requests = record_requests(page)

    page.locator(ROWS).first.click()
    preview = page.locator(PREVIEW)
    expect(preview.locator("h2.subject")).to_have_text("Newsletter")
    bar = preview.locator(".remote-bar")
    # tracker, background, @import, font, responsive src and srcset, video src and poster
    expect(bar).to_contain_text("Remote content blocked (8 items)")
    iframe = preview.locator("iframe.body-html")
    expect(iframe).to_have_attribute("sandbox", re.compile(r"^(?!.*allow-scripts)"))
    frame = page.frame_locator("#preview iframe.body-html")
    expect(frame.locator("b")).to_have_text("newsletter")
    expect(frame.locator("#out")).to_have_attribute("rel", "noopener noreferrer")
    expect(frame.locator("#out")).to_have_attribute("target", "_blank")
    expect(frame.locator("script, svg, form, input")).to_have_count(0)
    expect(frame.locator("#tracker")).not_to_have_attribute("src", re.compile(".+"))
    expect(frame.locator("#responsive")).not_to_have_attribute("srcset", re.compile(".*"))
    expect(frame.locator("video")).to_have_count(0)
    expect(frame.locator(".brand")).to_have_text("Brand text")
    page.wait_for_timeout(500)  # room for anything (fonts, posters) that would load late

    assert page.evaluate("typeof window.__pwned") == "undefined"
    hosts = {urlsplit(url).netloc for url in requests}
    assert hosts == {urlsplit(daphne_server.url).netloc}, requests
    assert remote.hits == []

    bar.get_by_role("link", name="Show remote content").click()
    expect(preview.locator(".remote-bar")).to_have_count(0)
    expect(frame.locator("#tracker")).to_have_attribute("src", f"{remote.url}/track.png")
    # The images load (the tracker too), fonts, srcset and video posters; the video itself only
    # if played.
    expect(frame.locator("#clip")).to_have_attribute("poster", f"{remote.url}/poster.png")
    wanted = {"/track.png", "/bg.png", "/font.woff2", "/srcset-1x.png", "/poster.png"}
    for _ in range(150):
        if wanted <= set(remote.hits):
            break
        page.wait_for_timeout(100)
    assert wanted <= set(remote.hits), remote.hits
    assert "/clip.mp4" not in remote.hits and "/x.css" not in remote.hits
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_always_for_this_sender_loads_remote_content_next_time(
    page: Page, daphne_server: LiveServer, alice: MailUser, remote: RemoteServer
) -> None:
    for minute in (1, 2):
        alice.append(
            "INBOX",
            make_message(
                subject=f"Promo {minute}",
                sender="Deals <deals@shop.example>",
                date=at(minute),
                text=None,
                html=f'<p>Deal</p><img id="pic" src="{remote.url}/deal{minute}.png">',
            ),
            when=at(minute),
        )
    log_in(page, daphne_server.url, alice)
    page.locator(ROWS).first.click()
    preview = page.locator(PREVIEW)
    preview.get_by_role("button", name="Always for this sender").click()
    frame = page.frame_locator("#preview iframe.body-html")
    expect(frame.locator("#pic")).to_have_attribute("src", f"{remote.url}/deal2.png")
    expect(preview.locator(".remote-bar")).to_have_count(0)

    page.locator(ROWS).nth(1).click()
    expect(preview.locator("h2.subject")).to_have_text("Promo 1")
    expect(frame.locator("#pic")).to_have_attribute("src", f"{remote.url}/deal1.png")
    expect(preview.locator(".remote-bar")).to_have_count(0)


def test_inline_cid_image_is_displayed(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    uid = alice.append(
        "INBOX",
        related_message(
            '<p>Our logo:</p><img id="logo" src="cid:logo@example.org" alt="logo">',
            {"logo@example.org": PNG},
            subject="With logo",
        ),
    )
    log_in(page, daphne_server.url, alice)
    requests = record_requests(page)
    page.goto(f"{daphne_server.url}/message/INBOX/{uid}/")
    frame = page.frame_locator("main iframe.body-html")
    logo = frame.locator("#logo")
    expect(logo).to_have_attribute("src", re.compile(rf"^/message-part/INBOX/{uid}/2\.2/"))
    loaded = logo.evaluate(
        "img => img.complete ? img.naturalWidth : new Promise(resolve => {"
        " img.addEventListener('load', () => resolve(img.naturalWidth));"
        " img.addEventListener('error', () => resolve(0)); })"
    )
    assert loaded == 1
    expect(page.locator(".remote-bar")).to_have_count(0)
    assert {urlsplit(url).netloc for url in requests} == {urlsplit(daphne_server.url).netloc}


def test_attachment_download_and_plain_text_features(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    data = bytes(range(256)) * 4096  # 1 MB
    uid = alice.append(
        "INBOX",
        make_message(
            subject="Report attached",
            text=(
                "Figures at https://example.org/figures\n\n"
                "> Earlier you wrote:\n> send the report\n"
            ),
            attachments=[("report/../Q1 <final>.bin", "application/octet-stream", data)],
        ),
    )
    log_in(page, daphne_server.url, alice)
    page.goto(f"{daphne_server.url}/message/INBOX/{uid}/")
    body = page.locator("main .body-text")
    expect(body.get_by_role("link", name="https://example.org/figures")).to_have_attribute(
        "target", "_blank"
    )
    quote = body.locator("details.quoted")
    expect(quote.locator("summary")).to_have_text("Quoted text")
    expect(quote.locator("blockquote")).to_contain_text("send the report")

    attachment = page.locator(".attachments li.attachment")
    expect(attachment.locator(".name")).to_have_text("Q1 <final>.bin")
    expect(attachment.locator(".size")).to_have_text("1.0 MB")
    with page.expect_download() as info:
        attachment.locator(".name").click()
    download = info.value
    assert (
        download.suggested_filename == "Q1 _final_.bin"
        or download.suggested_filename.startswith("Q1")
    )
    with open(download.path(), "rb") as f:
        assert f.read() == data


FRAME_OVERFLOW = (
    "f => { const r = f.contentDocument.documentElement;"
    " return {height: f.getBoundingClientRect().height, inner: r.clientHeight,"
    " content: r.scrollHeight, overflow: r.scrollHeight - r.clientHeight}; }"
)


def test_html_frame_grows_to_its_content_and_runs_no_script(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    paragraphs = "".join(
        f"<p>Paragraph {n}: a long letter that goes on and on about nothing much.</p>"
        for n in range(150)
    )
    long_uid = alice.append(
        "INBOX",
        make_message(
            subject="Long letter",
            date=at(2),
            text=None,
            html=paragraphs
            + '<p id="last">The end.</p><script>window.parent.__pwned = 1</script>'
            + '<img src="x" onerror="window.parent.__pwned = 2">',
        ),
        when=at(2),
    )
    alice.append(
        "INBOX",
        make_message(subject="Short note", date=at(1), text=None, html="<p>Just a line.</p>"),
        when=at(1),
    )
    log_in(page, daphne_server.url, alice)

    # In the preview pane: the long message's frame shows all of it, without a scrollbar.
    page.locator(ROWS).first.click()
    preview = page.locator(PREVIEW)
    expect(preview.locator("h2.subject")).to_have_text("Long letter")
    iframe = preview.locator("iframe.body-html")
    expect(iframe).to_have_class(re.compile(r"\bfitted\b"))
    expect(iframe).to_have_attribute("sandbox", re.compile(r"^(?!.*allow-scripts)"))
    size = iframe.evaluate(FRAME_OVERFLOW)
    assert size["overflow"] <= 0, size
    assert size["height"] > 900 * 0.7 + 1000, size  # far taller than the fixed 70vh it had
    frame = page.frame_locator("#preview iframe.body-html")
    expect(frame.locator("#last")).to_have_text("The end.")

    # A short message gets a short frame.
    page.locator(ROWS).nth(1).click()
    expect(preview.locator("h2.subject")).to_have_text("Short note")
    expect(iframe).to_have_class(re.compile(r"\bfitted\b"))
    short = iframe.evaluate(FRAME_OVERFLOW)
    assert short["overflow"] <= 0 and short["height"] < 200, short

    # On its own page, in a narrower window: the text rewraps and the frame follows.
    page.goto(f"{daphne_server.url}/message/INBOX/{long_uid}/")
    iframe = page.locator("main iframe.body-html")
    expect(iframe).to_have_class(re.compile(r"\bfitted\b"))
    wide = iframe.evaluate(FRAME_OVERFLOW)
    assert wide["overflow"] <= 0, wide
    page.set_viewport_size({"width": 420, "height": 800})
    page.wait_for_function(
        "([f, before]) => f.getBoundingClientRect().height > before * 1.3"
        " && f.contentDocument.documentElement.scrollHeight"
        " <= f.contentDocument.documentElement.clientHeight",
        arg=[iframe.element_handle(), wide["height"]],
        timeout=15000,
    )
    assert iframe.evaluate(FRAME_OVERFLOW)["overflow"] <= 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
