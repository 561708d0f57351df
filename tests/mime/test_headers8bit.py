"""Raw 8-bit header bytes become RFC 2047 encoded words; addresses stay addresses."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

from mailview.mime.headers8bit import encode_8bit_headers


def parsed(data: bytes):
    return message_from_bytes(data, policy=default)


def test_utf8_subject_and_display_name_are_encoded_and_read_back_the_same():
    raw = (
        "From: Jörg Müller <joerg@example.org>\r\nTo: bob@example.org\r\n"
        "Subject: Grüße aus\r\n Köln\r\n\r\nBody stays ä\r\n"
    ).encode()
    data, changed = encode_8bit_headers(raw)
    assert changed == ["From", "Subject"]
    head, _sep, body = data.partition(b"\r\n\r\n")
    assert head.isascii() and body == "Body stays ä\r\n".encode()
    message = parsed(data)
    assert message["Subject"] == "Grüße aus Köln"
    assert message["From"].addresses[0].display_name == "Jörg Müller"
    assert message["From"].addresses[0].addr_spec == "joerg@example.org"
    assert message["To"] == "bob@example.org"


def test_latin1_bytes_are_read_as_latin1():
    data, changed = encode_8bit_headers(b"Subject: caf\xe9\r\n\r\nx\r\n")
    assert changed == ["Subject"]
    assert parsed(data)["Subject"] == "café"


def test_an_ascii_header_is_left_byte_for_byte():
    raw = b"Subject: plain\r\nX-Odd:  spaced  \r\n\r\n\xff body\r\n"
    assert encode_8bit_headers(raw) == (raw, [])
