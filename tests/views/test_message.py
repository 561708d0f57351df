"""The message view, its HTML frame, parts and downloads, through the views, on every server
(Dovecot, Cyrus in both namespace modes)."""

from __future__ import annotations

import base64
import imaplib
import io
import os
import quopri
import re
import time
import zipfile
from html import unescape

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.test import AsyncClient

from mailview.mime.decode import decoder_for
from mailview.models import TrustedSender
from mailview.services import downloads
from mailview.services import message as reading
from mailview.services.session import MailSession
from tests.support.checks import assert_inert
from tests.support.corpus import PNG, html_message, nasty_messages, related_message
from tests.support.cyrus import server_name
from webmail.devmail.factories import make_message

pytestmark = [pytest.mark.django_db, pytest.mark.all_servers]


def flags(user, uid: int) -> set[bytes]:
    client = user.client()
    client.select_folder("INBOX", readonly=True)
    return set(client.get_flags([uid])[uid])


def frame_url(html: str) -> str:
    match = re.search(r'<iframe class="body-html"[^>]* src="([^"]+)"', html)
    assert match, html
    return unescape(match.group(1))


def async_get(client, url: str):
    """GET through Django's ASGI handler, with the sync client's cookies (a streamed body)."""
    aclient = AsyncClient()
    aclient.cookies = client.cookies

    async def run():
        response = await aclient.get(url)
        body = b""
        if response.streaming:
            async for chunk in response.streaming_content:
                body += chunk
        else:
            body = response.content
        return response, body

    return async_to_sync(run)()


def test_plain_text_message_is_shown_and_marked_seen(alice, login):
    uid = alice.append(
        "INBOX",
        make_message(
            subject="Plans",
            sender="Jürgen Müller <j@example.de>",
            cc="Carol <c@example.org>",
            text="See https://example.org/x?a=1&b=2 now.\n> quoted line\nmail <bob@example.org>\n",
        ),
    )
    assert b"\\Seen" not in flags(alice, uid)
    response = login(alice).get(f"/message/INBOX/{uid}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="subject" dir="auto">Plans</h1>' in html
    assert "Jürgen Müller" in html and "Carol" in html
    assert '<a href="https://example.org/x?a=1&amp;b=2" rel="noopener noreferrer"' in html
    assert '<a href="mailto:bob@example.org"' in html
    assert (
        '<details class="quoted" open><summary>Quoted text</summary><blockquote>quoted line' in html
    )
    assert b"\\Seen" in flags(alice, uid)


def test_view_without_mark_seen_keeps_message_unread(alice, mail_server):
    uid = alice.append("INBOX", make_message(subject="Keep unread"))
    mail = MailSession(alice.username, mail_server, lambda: alice.password)
    _, view = reading.message_view(
        mail,
        reading.ViewRequest("INBOX", uid, mark_seen=False),
        lambda s: f"/p/{s}/",
        lambda _s: False,
    )
    assert view.subject == "Keep unread"
    assert b"\\Seen" not in flags(alice, uid)
    mail.pool.close_all()


def test_html_message_is_framed_sanitized_and_remote_content_counted(alice, login):
    html = (
        "<p>Hello <b>there</b></p><script>parent.__pwned=1</script>"
        '<img src="https://tracker.example/t.png"><a href="https://example.org/">link</a>'
    )
    uid = alice.append("INBOX", html_message(html, text="plain version"))
    client = login(alice)
    page = client.get(f"/message/INBOX/{uid}/").content.decode()
    assert "Remote content blocked (1 item)" in page
    assert 'sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"' in page
    assert "allow-scripts" not in page
    assert "plain version" not in page  # HTML preferred by default
    frame = client.get(frame_url(page))
    body = frame.content.decode()
    assert frame.status_code == 200
    csp = frame["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox allow-same-origin" in csp
    assert "script" not in csp
    assert "https:" not in csp.split("img-src", 1)[1].split(";", 1)[0]
    assert "font-src" not in csp and "media-src" not in csp  # default-src 'none' for both
    assert frame["X-Frame-Options"] == "SAMEORIGIN"
    assert "<b>there</b>" in body
    assert "<script" not in body and "tracker.example" not in body
    assert 'href="https://example.org/" target="_blank" rel="noopener noreferrer"' in body

    shown = client.get(f"/message/INBOX/{uid}/?remote=1").content.decode()
    assert "Remote content blocked" not in shown
    remote_frame = client.get(frame_url(shown))
    assert "https://tracker.example/t.png" in remote_frame.content.decode()
    remote_csp = remote_frame["Content-Security-Policy"]
    for directive in ("img-src", "font-src", "media-src"):
        sources = remote_csp.split(directive, 1)[1].split(";", 1)[0].split()
        assert {"https:", "http:"} <= set(sources), (directive, remote_csp)
    assert "script" not in remote_csp and "sandbox allow-same-origin" in remote_csp

    text = client.get(f"/message/INBOX/{uid}/?view=text").content.decode()
    assert "plain version" in text and "<iframe" not in text


def test_always_for_this_sender_remembers_the_sender(alice, login):
    uid = alice.append(
        "INBOX",
        make_message(
            sender="News <news@shop.example>",
            html='<img src="https://shop.example/x.png">',
            text=None,
        ),
    )
    client = login(alice)
    page = client.get(f"/message/INBOX/{uid}/").content.decode()
    assert "Always for this sender" in page
    response = client.post(
        "/trusted-senders/", {"email": "News@Shop.example", "next": f"/message/INBOX/{uid}/"}
    )
    assert response.status_code == 302 and response["Location"] == f"/message/INBOX/{uid}/"
    assert TrustedSender.objects.filter(email="news@shop.example").count() == 1
    page = client.get(f"/message/INBOX/{uid}/").content.decode()
    assert "Remote content blocked" not in page
    assert "https://shop.example/x.png" in client.get(frame_url(page)).content.decode()
    evil = client.post("/trusted-senders/", {"email": "x@y.z", "next": "https://evil.example/"})
    assert evil["Location"] == "/"


def test_inline_cid_images_are_served_from_the_message(alice, login):
    msg = related_message(
        '<p>Logo: <img src="cid:logo@example.org" alt="logo"></p>', {"logo@example.org": PNG}
    )
    uid = alice.append("INBOX", msg)
    client = login(alice)
    page = client.get(f"/message/INBOX/{uid}/").content.decode()
    assert "Remote content blocked" not in page
    frame = client.get(frame_url(page)).content.decode()
    src = re.search(r'<img[^>]* src="([^"]+)"', frame).group(1)
    assert src.startswith(f"/message-part/INBOX/{uid}/") and src.endswith("?inline=1")
    response, body = async_get(client, unescape(src))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert body == PNG


def test_attachment_download_is_streamed_with_safe_headers(alice, login):
    data = bytes(range(256)) * 20000  # 5 MB: several chunks
    uid = alice.append(
        "INBOX",
        make_message(
            subject="Files",
            attachments=[
                ("../../Résumé\r\n2026.bin", "application/octet-stream", data),
                ("page.html", "text/html", b"<script>alert(1)</script>"),
                ("pic.png", "image/png", PNG),
            ],
        ),
    )
    client = login(alice)
    page = client.get(f"/message/INBOX/{uid}/").content.decode()
    assert "3 attachments" in page
    assert "Download all (zip)" in page
    sections = re.findall(r'<li class="attachment" data-section="([^"]+)"', page)
    assert sections == ["2", "3", "4"]

    response, body = async_get(client, f"/message-part/INBOX/{uid}/2/")
    assert body == data
    disposition = response["Content-Disposition"]
    assert (
        disposition.startswith("attachment;") and "filename*=utf-8''R%C3%A9sum%C3%A9" in disposition
    )
    assert "/" not in disposition.split("''", 1)[1] and "\r" not in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]

    response, body = async_get(client, f"/message-part/INBOX/{uid}/3/?inline=1")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert body.strip() == b"<script>alert(1)</script>"

    response, body = async_get(client, f"/message-part/INBOX/{uid}/4/?inline=1")
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")
    assert "sandbox" in response["Content-Security-Policy"]

    response, body = async_get(client, f"/message-zip/INBOX/{uid}/")
    assert response["Content-Disposition"].startswith('attachment; filename="Files.zip"')
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.namelist() == ["Résumé2026.bin", "page.html", "pic.png"]
    assert archive.read("Résumé2026.bin") == data
    assert archive.read("pic.png") == PNG


def test_source_and_eml_download(alice, login):
    msg = make_message(subject="Source me", text="body text\n")
    uid = alice.append("INBOX", msg)
    client = login(alice)
    response, body = async_get(client, f"/message-source/INBOX/{uid}/")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert b"Subject: Source me" in body and b"body text" in body
    response, eml = async_get(client, f"/message-source/INBOX/{uid}/?download=1")
    assert response["Content-Disposition"] == 'attachment; filename="Source me.eml"'
    assert eml == body


def test_attached_message_is_viewable(alice, login):
    inner = make_message(
        subject="Inner subject", sender="Inner <in@example.org>", text="inner body\n"
    )
    outer = make_message(subject="Outer", text="see attached\n")
    outer.add_attachment(inner)
    uid = alice.append("INBOX", outer)
    client = login(alice)
    page = client.get(f"/message/INBOX/{uid}/").content.decode()
    link = re.search(r'<a class="view-message" href="([^"]+)"', page).group(1)
    inner_page = client.get(unescape(link)).content.decode()
    assert '<h1 class="subject" dir="auto">Inner subject</h1>' in inner_page
    assert "inner body" in inner_page
    assert "Attached message" in inner_page


@pytest.mark.parametrize(
    ("name", "data"), nasty_messages(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_nasty_messages_render_without_error(alice, login, name, data):
    try:
        uid = alice.append("INBOX", data)
    except imaplib.IMAP4.error as refused:
        # Cyrus refuses a message with NUL bytes ("Message contains NUL characters"): there is
        # nothing to render (an import says so: test_transfer.py).
        assert server_name(alice.dovecot) != "dovecot" and b"\0" in data, refused
        assert "NUL" in str(refused)
        return
    client = login(alice)
    response = client.get(f"/message/INBOX/{uid}/")
    assert response.status_code == 200, name
    page = response.content.decode()
    after_header = page.split("</header>", 1)[1].lower()
    assert "<script" not in after_header.replace('<script type="module" src="/static', "")
    for url in re.findall(r'<iframe class="body-html"[^>]* src="([^"]+)"', page):
        frame = client.get(unescape(url))
        assert frame.status_code == 200
        assert_inert(frame.content.decode(), frame=True)


def test_bob_cannot_reach_alices_message_or_parts(alice, bob, login):
    uid = alice.append(
        "INBOX",
        make_message(
            subject="Alice secret",
            html="<p>secret html</p>",
            attachments=[("s.txt", "text/plain", b"secret")],
        ),
    )
    client = login(bob)
    for url in (
        f"/message/INBOX/{uid}/",
        f"/message/INBOX/{uid}/?pane=1",
        f"/message-frame/INBOX/{uid}/1.2/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Alice secret" not in response.content.decode()
        assert "secret html" not in response.content.decode()
    for url in (
        f"/message-part/INBOX/{uid}/2/",
        f"/message-source/INBOX/{uid}/",
        f"/message-zip/INBOX/{uid}/",
    ):
        response, body = async_get(client, url)
        assert response.status_code == 404, url
        assert b"secret" not in body


def test_bad_sections_and_unknown_parts_are_404(alice, login):
    uid = alice.append("INBOX", make_message(subject="x"))
    client = login(alice)
    assert client.get(f"/message-frame/INBOX/{uid}/1/").status_code == 404  # text/plain
    assert client.get(f"/message-frame/INBOX/{uid}/0.1/").status_code == 404
    assert client.get(f"/message/INBOX/{uid}/?part=1]").status_code == 404
    response, _ = async_get(client, f"/message-part/INBOX/{uid}/9/")
    assert response.status_code == 404


# -- streamed downloads: one leased connection per download, resumable, bounded ----------------


def _raw_attachment_message(parts: list[tuple[str, bytes]]) -> bytes:
    """multipart/mixed with parts given as (Content-Transfer-Encoding, encoded body)."""
    out = [
        b"From: a@example.org\r\nTo: b@example.org\r\nSubject: Encoded\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=BOUND\r\n\r\n"
        b"--BOUND\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
    ]
    for n, (encoding, body) in enumerate(parts):
        out.append(
            b"--BOUND\r\nContent-Type: application/octet-stream\r\n"
            + f'Content-Disposition: attachment; filename="f{n}.bin"\r\n'.encode()
            + f"Content-Transfer-Encoding: {encoding}\r\n\r\n".encode()
            + body
            + b"\r\n"
        )
    out.append(b"--BOUND--\r\n")
    return b"".join(out)


def _base64_lines(data: bytes, width: int) -> bytes:
    encoded = base64.b64encode(data)
    return b"\r\n".join(encoded[i : i + width] for i in range(0, len(encoded), width))


def _download(mail, uid: int, section: str) -> bytes:

    async def run() -> bytes:
        download = await sync_to_async(downloads.part_download)(mail, "INBOX", uid, section)
        stream = await downloads.stream_part(mail, "INBOX", uid, download)
        return b"".join([piece async for piece in stream])

    return async_to_sync(run)()


def test_downloads_decode_every_line_layout_across_chunks(alice, mail_server):
    data = os.urandom(1_300_000)  # several 512 KB FETCH chunks
    text = b"".join(b"line %d caf\xc3\xa9 \xe2\x82\xac " % i * 3 + b"\n" for i in range(30000))
    parts = [
        ("base64", _base64_lines(data, 76)),  # what every mailer writes
        ("base64", _base64_lines(data, 70)),  # lines that split base64 quanta
        ("base64", base64.b64encode(data)),  # one line longer than a chunk
        ("base64", _base64_lines(data, 64).replace(b"\r\n", b"\n")),  # bare LF
        ("quoted-printable", quopri.encodestring(text)),  # soft line breaks
        ("8bit", text.replace(b"\n", b"\r\n")),
    ]
    uid = alice.append("INBOX", _raw_attachment_message(parts))
    mail = MailSession(alice.username, mail_server, lambda: alice.password)
    for n in range(4):
        assert _download(mail, uid, str(n + 2)) == data, f"base64 part {n}"
    assert _download(mail, uid, "6") == text.replace(b"\n", b"\r\n")
    assert _download(mail, uid, "7") == text.replace(b"\n", b"\r\n")
    stats = mail.pool.stats()
    assert stats["busy"] == 0 and stats["opened"] == 1  # one connection served them all


def test_download_resumes_after_the_connection_drops(alice, mail_server):
    data = os.urandom(4_000_000)
    uid = alice.append(
        "INBOX",
        make_message(subject="Big", attachments=[("big.bin", "application/octet-stream", data)]),
    )
    mail = MailSession(alice.username, mail_server, lambda: alice.password)

    async def run() -> bytes:
        download = await sync_to_async(downloads.part_download)(mail, "INBOX", uid, "2")
        stream = await downloads.stream_part(mail, "INBOX", uid, download)
        pieces = [await anext(stream)]
        await sync_to_async(alice.dovecot.kick)(alice.username)  # the server drops it
        pieces += [piece async for piece in stream]
        return b"".join(pieces)

    assert async_to_sync(run)() == data
    assert mail.pool.stats()["opened"] == 2


def test_abandoned_download_gives_its_connection_back(alice, mail_server):
    data = os.urandom(6_000_000)
    uid = alice.append(
        "INBOX",
        make_message(subject="Big", attachments=[("big.bin", "application/octet-stream", data)]),
    )
    mail = MailSession(alice.username, mail_server, lambda: alice.password)

    async def run() -> None:
        download = await sync_to_async(downloads.part_download)(mail, "INBOX", uid, "2")
        stream = await downloads.stream_part(mail, "INBOX", uid, download)
        await anext(stream)
        await stream.aclose()  # the client went away after the first piece

    async_to_sync(run)()
    deadline = time.monotonic() + 30
    while mail.pool.stats()["busy"] and time.monotonic() < deadline:
        time.sleep(0.05)
    stats = mail.pool.stats()
    assert stats == {**stats, "busy": 0, "idle": 1}
    # The connection is healthy and in a clean state: the next download uses it.
    assert _download(mail, uid, "2") == data
    assert mail.pool.stats()["opened"] == 1


def test_download_of_a_vanished_message_fails_before_the_first_byte(alice, mail_server):
    from mailview.imap.errors import MessageNotFound

    uid = alice.append("INBOX", make_message(attachments=[("a.bin", "application/x-a", b"a")]))
    mail = MailSession(alice.username, mail_server, lambda: alice.password)
    download = downloads.part_download(mail, "INBOX", uid, "2")

    async def run() -> None:
        await downloads.stream_part(mail, "INBOX", uid + 100, download)

    with pytest.raises(MessageNotFound):
        async_to_sync(run)()
    assert mail.pool.stats()["busy"] == 0


@pytest.mark.parametrize("width", [76, 70, 4, 1, 10_000])
@pytest.mark.parametrize("piece", [1, 3, 77, 4096, 100_000])
def test_incremental_base64_matches_whole_decoding_at_any_split(width, piece):
    data = os.urandom(20_000) + b"end"  # ends with a padded quantum
    encoded = _base64_lines(data, width) + (b"\r\n" if width % 2 else b"")
    decoder = decoder_for("base64")
    out = b"".join(
        decoder.feed(encoded[start : start + piece]) for start in range(0, len(encoded), piece)
    )
    assert out + decoder.flush() == data
