"""The list's snippet from the first bytes of a message (mailview/mime/snippet.py): decoded,
without markup, quoted lines or a broken last character; PREVIEW text is only tidied."""

from __future__ import annotations

import base64
import quopri

from mailview.imap.values import PARTIAL_TEXT_BYTES
from mailview.mime.snippet import SNIPPET_CHARS, snippet, snippet_from_partial
from webmail.devmail.factories import make_message


def piece(message_bytes: bytes) -> bytes:
    """What the row's FETCH brings: the two header lines and the body's first bytes."""
    head, _sep, body = message_bytes.partition(b"\n\n")
    keep = [
        line
        for line in head.replace(b"\r\n", b"\n").replace(b"\n ", b" ").split(b"\n")
        if line.lower().startswith((b"content-type:", b"content-transfer-encoding:"))
    ]
    return b"\r\n".join(keep) + b"\r\n\r\n" + body[:PARTIAL_TEXT_BYTES]


def test_plain_text_is_shown_on_one_line() -> None:
    msg = make_message(text="Hello Bob,\n\nthe meeting   moves to Friday.\n")
    assert snippet_from_partial(piece(msg.as_bytes())) == "Hello Bob, the meeting moves to Friday."


def test_quoted_printable_and_base64_are_decoded_even_when_cut() -> None:
    text = "Grüße aus Köln – " * 40
    qp = (
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        + quopri.encodestring(text.encode())[:PARTIAL_TEXT_BYTES]
    )
    assert snippet_from_partial(qp).startswith("Grüße aus Köln – Grüße")
    b64 = (
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(text.encode())[: PARTIAL_TEXT_BYTES - 3]
    )
    shown = snippet_from_partial(b64)
    assert shown.startswith("Grüße aus Köln") and "\ufffd" not in shown[:-1]
    assert len(shown) <= SNIPPET_CHARS


def test_html_only_mail_shows_its_text_without_markup_or_styles() -> None:
    source = (
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><head><style>p { color: red }</style></head><body><p>Your <b>order</b>"
        b" &amp; invoice</p><p>shipped today</p><img src=x onerror=alert(1)"
    )
    assert snippet_from_partial(source) == "Your order & invoice shipped today"


def test_the_first_text_part_of_a_multipart_message() -> None:
    msg = make_message(
        text="Minutes attached, see you.",
        html="<p>Minutes attached, <i>see you</i>.</p>",
        attachments=[("minutes.pdf", "application/pdf", b"%PDF-1.4 " * 200)],
    )
    assert snippet_from_partial(piece(msg.as_bytes())) == "Minutes attached, see you."


def test_quoted_lines_are_left_out() -> None:
    msg = make_message(text="Sounds good!\n> On Monday you wrote:\n> old text\nSee you")
    assert snippet_from_partial(piece(msg.as_bytes())) == "Sounds good! See you"


def test_nothing_to_show_gives_an_empty_snippet() -> None:
    assert snippet_from_partial(b"") == ""
    assert snippet_from_partial(b"Content-Type: image/png\r\n\r\n\x89PNG") == ""
    assert snippet_from_partial(b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n") == ""


def test_the_servers_preview_is_used_as_it_is_tidied() -> None:
    assert snippet("  Hi  there\r\nall ", b"ignored") == "Hi there all"
    assert snippet(None, b"Content-Type: text/plain\r\n\r\nfrom the body") == "from the body"
