"""A literal read from a file (APPEND of a draft from disk): how it is encoded."""

from __future__ import annotations

from mailview.imap.protocol.commands import (
    SYNC_FILE_LITERAL_ABOVE,
    FileLiteral,
    Literal,
    encode_command,
    encode_streamed,
)


def test_a_small_file_literal_goes_with_literal_plus_in_one_piece() -> None:
    small = FileLiteral("/tmp/x.eml", 10)
    assert encode_streamed(b"A1", (b"APPEND", b"Drafts", small), literal_plus=True) == [
        (b"A1 APPEND Drafts {10+}\r\n", small, b"\r\n")
    ]


def test_a_large_file_literal_waits_for_the_server_even_with_literal_plus() -> None:
    big = FileLiteral("/tmp/x.eml", SYNC_FILE_LITERAL_ABOVE + 1)
    words = (b"APPEND", b"Drafts", b"(\\Draft)", big)
    expected = [
        (b"A2 APPEND Drafts (\\Draft) {%d}\r\n" % big.size,),
        (big, b"\r\n"),
    ]
    assert encode_streamed(b"A2", words, literal_plus=True) == expected
    assert encode_streamed(b"A2", words, literal_plus=False) == expected


def test_in_memory_literals_encode_as_before() -> None:
    words = (b"APPEND", b"INBOX", Literal(b"abc"))
    assert encode_command(b"A3", words, literal_plus=False) == [
        b"A3 APPEND INBOX {3}\r\n",
        b"abc\r\n",
    ]
    assert encode_command(b"A3", words, literal_plus=True) == [b"A3 APPEND INBOX {3+}\r\nabc\r\n"]
