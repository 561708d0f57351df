"""Import on every server: raw 8-bit headers arrive intact (Cyrus would turn each non-ASCII
byte into "X" silently) and the report says what was changed."""

from __future__ import annotations

from email.header import decode_header, make_header

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

pytestmark = [pytest.mark.django_db, pytest.mark.all_servers]


@pytest.mark.interop("import: raw 8-bit headers kept (RFC 2047)")
def test_raw_8bit_headers_are_encoded_before_append_and_reported(alice, login):
    raw = (
        "From: Jörg Müller <joerg@example.org>\r\nTo: bob@example.org\r\n"
        "Subject: Grüße aus Köln\r\nMessage-ID: <k@example.org>\r\n\r\nHallo\r\n"
    ).encode()
    response = login(alice).post(
        "/folders/import/",
        {"folder": "INBOX", "files": [SimpleUploadedFile("koeln.eml", raw)]},
    )
    html = response.content.decode()
    assert "1 message imported into INBOX." in html
    assert "raw non-ASCII bytes in From, Subject encoded (RFC 2047)" in html
    client = alice.client()
    client.select_folder("INBOX")
    (envelope,) = [
        v[b"ENVELOPE"] for v in client.fetch(client.search("ALL"), ["ENVELOPE"]).values()
    ]
    subject = str(make_header(decode_header(envelope.subject.decode())))
    name = str(make_header(decode_header(envelope.from_[0].name.decode())))
    assert (subject, name) == ("Grüße aus Köln", "Jörg Müller")
