"""The list rows' FETCH carries the snippet's material: PREVIEW where offered, else a bounded
partial body with the two headers needed to decode it (mailview/imap/values.py)."""

from __future__ import annotations

from mailview.imap.values import PARTIAL_TEXT_BYTES, row_fetch_argument, summary_from_fetch


def test_preview_is_asked_for_where_the_server_offers_it() -> None:
    argument = row_fetch_argument(frozenset({"IMAP4REV1", "PREVIEW"}))
    assert argument.endswith(b" PREVIEW)")
    assert b"BODY.PEEK[TEXT]" not in argument


def test_without_preview_a_bounded_partial_body_is_asked_for() -> None:
    argument = row_fetch_argument(frozenset({"IMAP4REV1", "SNIPPET=FUZZY"}))
    assert b"PREVIEW" not in argument
    assert b"BODY.PEEK[TEXT]<0.%d>" % PARTIAL_TEXT_BYTES in argument
    assert b"BODY.PEEK[HEADER.FIELDS (CONTENT-TYPE CONTENT-TRANSFER-ENCODING)]" in argument
    assert PARTIAL_TEXT_BYTES <= 512


def test_the_summary_keeps_the_preview_or_the_partial_body() -> None:
    base = {b"RFC822.SIZE": 10, b"FLAGS": ()}
    with_preview = summary_from_fetch(1, {**base, b"PREVIEW": b"Hi there"})
    assert with_preview.preview == "Hi there" and with_preview.preview_source == b""
    nil_preview = summary_from_fetch(2, {**base, b"PREVIEW": None})
    assert nil_preview.preview is None
    header = b"Content-Type: text/plain\r\n"
    partial = summary_from_fetch(
        3, {**base, b"BODY[HEADER.FIELDS (CONTENT-TYPE)]": header, b"BODY[TEXT]<0>": b"Hello"}
    )
    assert partial.preview is None
    assert partial.preview_source == header + b"\r\nHello"
