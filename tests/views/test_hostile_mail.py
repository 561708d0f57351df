"""Hostile mail through the views and real Dovecot: headers the decoders cannot fully read,
HTML beyond the sanitizer's budget. Each opens like any other message, never an error page."""

from __future__ import annotations

import pytest

from tests.views.test_message import frame_url
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.django_db

BROKEN_WORDS = (
    b"=?utf-8?b?!!!notbase64?=",  # invalid base64
    b"=?utf-8?b?AAAAA?=",  # a quantum of one character
    b"=?utf-8?b?SGVsbG8",  # no terminator
    b"=?x-klingon?q?Qapla=27?=",  # unknown charset
)


def broken_message(word: bytes) -> bytes:
    return (
        b"From: " + word + b" <mallory@example.org>\r\n"
        b"To: alice@example.org\r\n"
        b"Subject: Invoice " + word + b" =?utf-8?q?caf=C3=A9?=\r\n"
        b"Date: Thu, 03 Dec 2026 10:00:00 +0000\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nbody text\r\n"
    )


@pytest.mark.parametrize("word", BROKEN_WORDS)
def test_malformed_encoded_words_open_in_the_list_and_the_message(alice, bob, login, word):
    uid = alice.append("INBOX", broken_message(word))
    client = login(alice)
    listing = client.get("/mail/INBOX/")
    assert listing.status_code == 200
    assert "Invoice" in listing.content.decode()
    page = client.get(f"/message/INBOX/{uid}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Invoice" in html and "café" in html and "body text" in html
    assert "mallory@example.org" in html
    # Another user cannot open it.
    assert login(bob).get(f"/message/INBOX/{uid}/").status_code == 404


def test_a_well_formed_neighbour_is_still_decoded(alice, login):
    uid = alice.append("INBOX", make_message(subject="Grüße aus Köln", text="x"))
    html = login(alice).get(f"/message/INBOX/{uid}/").content.decode()
    assert "Grüße aus Köln" in html


def test_pathological_html_opens_flattened_with_a_notice(alice, bob, login):
    markup = "<div>" * 10_000 + "<p>The deep words</p>" + "</div>" * 10_000
    uid = alice.append("INBOX", make_message(subject="Deep", html=markup))
    client = login(alice)
    page = client.get(f"/message/INBOX/{uid}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "This message is too complex to display; view its source." in html
    assert "Show source" in html
    frame = client.get(frame_url(html))
    assert frame.status_code == 200
    body = frame.content.decode()
    assert "The deep words" in body and "too complex to display" in body
    assert body.count("<div") < 10
    assert login(bob).get(frame_url(html)).status_code == 404
