"""Messages whose headers the decoders cannot fully read open like any other (real Dovecot)."""

from __future__ import annotations

import pytest

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
