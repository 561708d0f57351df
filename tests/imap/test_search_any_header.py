"""IMAPConnection.search_any_header against the real test Dovecot: ORed HEADER criteria, a
few per command, non-ASCII values as literals, control characters refused."""

from __future__ import annotations

import pytest

from mailview.imap.errors import InvalidName
from tests.imap.test_client import open_as
from webmail.devmail.factories import make_message


def test_any_of_the_headers_matches_in_few_commands(alice) -> None:
    alice.append("INBOX", make_message(subject="one", message_id="<a1@example.org>"))
    alice.append("INBOX", make_message(subject="two", in_reply_to="<a1@example.org>"))
    alice.append("INBOX", make_message(subject="three", references=["<x@example.org>"]))
    alice.append("INBOX", make_message(subject="Grüße", headers={"X-Tag": "zwölf"}))
    alice.append("INBOX", make_message(subject="none"))
    conn = open_as(alice)
    conn.select("INBOX")
    pairs = [
        ("Message-ID", "<a1@example.org>"),
        ("In-Reply-To", "<a1@example.org>"),
        ("References", "<x@example.org>"),
        ("X-Tag", "zwölf"),
        ("Message-ID", "<nowhere@example.org>"),
    ]
    assert conn.search_any_header(pairs) == [1, 2, 3, 4]
    # Two pairs per command: three commands, the same answer.
    assert conn.search_any_header(pairs, per_command=2) == [1, 2, 3, 4]
    assert conn.search_any_header(pairs[:1]) == [1]
    assert conn.search_any_header([]) == []
    with pytest.raises(InvalidName):
        conn.search_any_header([("Subject", "a\r\nb")])
    conn.logout()
