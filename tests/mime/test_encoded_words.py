"""Headers with malformed RFC 2047 encoded words: decoded as far as they go, never an error."""

from __future__ import annotations

import pytest

from mailview.imap.values import decode_text
from mailview.mime.parse import parse_headers


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        # Invalid base64: not base64 at all is shown as written; a short last quantum is read.
        ("=?utf-8?b?!!!notbase64?=", "=?utf-8?b?!!!notbase64?="),
        ("=?utf-8?b?SGVsbG8?=", "Hello"),
        ("=?utf-8?b?SGVsbG8gd29ybGQ?=", "Hello world"),
        ("=?utf-8?b?AAAAA?=", "\x00\x00\x00"),
        ("=?utf-8?b?Y=Q?=", "=?utf-8?b?Y=Q?="),
        # A missing terminator: shown as written.
        ("=?utf-8?b?SGVsbG8", "=?utf-8?b?SGVsbG8"),
        ("Hi =?utf-8?q?caf=C3=A9", "Hi =?utf-8?q?caf=C3=A9"),
        # Unknown charsets are read as UTF-8; an unknown encoding is shown as written.
        ("=?x-klingon?q?caf=C3=A9?=", "café"),
        ("=?utf-8?b?SGVsbG8=?= =?bogus?b?SGk=?=", "HelloHi"),
        ("=?utf-8?x?abc?=", "=?utf-8?x?abc?="),
        # Bytes the charset cannot read are marked.
        ("=?utf-8?q?caf=E9?=", "caf\ufffd"),
        ("=?utf-8?q?a=ZZb?=", "a=ZZb"),
    ],
)
def test_malformed_encoded_words_are_shown_best_effort(raw: str, shown: str) -> None:
    assert decode_text(raw) == shown
    assert decode_text(raw.encode()) == shown


def test_well_formed_words_still_decode_as_rfc_2047_says() -> None:
    # Adjacent words are joined (white space between them dropped), a character split between
    # two words of one charset comes out whole, text around words is kept.
    assert decode_text("=?UTF-8?Q?J=C3=BCrgen_M?= =?UTF-8?Q?=C3=BCller?= <j@x>") == (
        "Jürgen Müller <j@x>"
    )
    assert decode_text("=?utf-8?q?=E2=82?=\r\n =?utf-8?q?=AC?=") == "€"
    assert decode_text("Re: =?iso-8859-1?q?caf=E9?= et =?utf-8?b?w6k=?=!") == "Re: café et é!"
    assert decode_text("=?utf-8*fr?q?oui?=") == "oui"


@pytest.mark.parametrize(
    "word",
    [
        b"=?utf-8?b?!!!?=",
        b"=?utf-8?b?AAAAA?=",
        b"=?utf-8?b?SGVsbG8",
        b"=?x-klingon?q?abc?=",
        b"=?utf-8?q?=FF=FE?=",
        b"=?\x1c?b?YQ==?=",
    ],
)
def test_every_displayed_header_survives_a_malformed_word(word: bytes) -> None:
    headers = parse_headers(
        b"From: " + word + b" <a@example.org>\r\nTo: " + word + b" <b@example.org>\r\n"
        b"Subject: Re: " + word + b"\r\n\r\n"
    )
    assert headers.subject.startswith("Re: ")
    assert headers.sender[0].email == "a@example.org"
    assert headers.to[0].email == "b@example.org"
    assert all(ch >= " " for ch in headers.subject)
