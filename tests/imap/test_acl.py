"""RFC 4314 rights letters: what a server that also speaks RFC 2086 reports."""

from __future__ import annotations

from mailview.imap.acl import normalize, preset_of


def test_compatibility_letters_of_a_modern_answer_are_not_expanded() -> None:
    # Dovecot's MYRIGHTS for "lrswipte" adds "d" (RFC 4314 2.1.1: any of x, t, e): the folder
    # itself may still not be deleted.
    assert normalize("lrswipted") == "lrswipte"
    assert "x" not in normalize("lrswipted")
    assert preset_of("lrswipted") == "read_write"
    assert normalize("lrswipkxtecda") == "lrswipkxtea"


def test_an_rfc2086_answer_is_expanded() -> None:
    assert normalize("lrswicda") == "lrswikxtea"
    assert normalize("lrsd") == "lrsxte"
