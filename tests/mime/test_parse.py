"""BODYSTRUCTURE parsing (from the real Dovecot), header and body decoding, what is shown."""

from __future__ import annotations

from mailview.mime.parse import (
    decode_body,
    decode_params,
    parse_bodystructure,
    parse_headers,
    plan,
    safe_filename,
)
from tests.support.corpus import PNG, related_message
from webmail.devmail.factories import make_message


def structure(user, message):
    uid = user.append("INBOX", message)
    client = user.client()
    client.select_folder("INBOX", readonly=True)
    return parse_bodystructure(client.fetch([uid], ["BODYSTRUCTURE"])[uid][b"BODYSTRUCTURE"])


def test_sections_of_a_nested_message_follow_rfc3501(alice):
    inner = make_message(
        subject="Inner", text="t", html="<p>h</p>", attachments=[("a.txt", "text/plain", b"x")]
    )
    outer = make_message(
        text="t", html="<p>h</p>", attachments=[("Résumé €.pdf", "application/pdf", b"%PDF")]
    )
    outer.add_attachment(inner)
    root = structure(alice, outer)
    leaves = [(p.section, p.mimetype) for p in root.walk() if not p.is_multipart]
    assert leaves == [
        ("1.1", "text/plain"),
        ("1.2", "text/html"),
        ("2", "application/pdf"),
        ("3", "message/rfc822"),
        ("3.1.1", "text/plain"),
        ("3.1.2", "text/html"),
        ("3.2", "text/plain"),
    ]
    shown = plan(root, prefer_html=True)
    assert [p.section for p in shown.bodies] == ["1.2"]
    assert [p.section for p in shown.attachments] == ["2", "3"]
    assert shown.attachments[0].filename == "Résumé €.pdf"  # RFC 2231 filename*
    assert plan(root, prefer_html=False).bodies[0].section == "1.1"
    assert plan(root.find("3").message).bodies[0].section == "3.1.2"


def test_related_images_are_inline_not_attachments(alice):
    root = structure(alice, related_message('<img src="cid:i@x">', {"i@x": PNG}))
    shown = plan(root)
    assert [p.mimetype for p in shown.bodies] == ["text/html"]
    assert shown.attachments == ()
    assert shown.inline == {"i@x": "2.2"}


def test_rfc2231_continuations_and_charsets():
    assert decode_params((b"filename*0*", b"utf-8''%E2%82%AC", b"filename*1", b" euro.txt")) == {
        "filename": "€ euro.txt"
    }
    assert decode_params((b"name*", b"iso-8859-1'de'M%FCller")) == {"name": "Müller"}
    assert decode_params((b"name", b"=?utf-8?q?caf=C3=A9?=")) == {"name": "café"}
    assert decode_params((b"name*", b"x-bogus''%FF%FE")) == {"name": "ÿþ"}


def test_malformed_bodystructure_does_not_raise():
    assert parse_bodystructure(None).mimetype == "text/plain"
    assert parse_bodystructure((b"text",)).section == "1"
    assert parse_bodystructure(((), ((), ()), b"mixed")).is_multipart


def test_bodies_in_known_unknown_and_wrong_charsets():
    assert decode_body("Grüße".encode("iso-8859-1"), "8bit", "iso-8859-1") == ("Grüße", [])
    assert decode_body("日本".encode("shift_jis"), "8bit", "shift_jis") == ("日本", [])
    text, notices = decode_body(b"caf\xc3\xa9", "8bit", "x-klingon")
    assert text == "café" and "Unknown character set" in notices[0]
    text, notices = decode_body(b"caf\xe9", "8bit", "utf-8")
    assert text == "café" and "Windows-1252" in notices[0]
    text, notices = decode_body("café".encode(), "8bit", "utf-16")
    assert text == "café" and "not valid" in notices[0]
    text, notices = decode_body(b"SGVsbG8=!!", "base64", "utf-8")
    assert text.startswith("Hello")
    assert decode_body(b"caf=C3=A9=\r\n au lait", "quoted-printable", "utf-8")[0] == "café au lait"


def test_headers_are_decoded_and_cleaned():
    headers = parse_headers(
        b"From: =?utf-8?q?J=C3=BCrgen?= <j@example.org>\r\n"
        b"To: =?iso-8859-1?q?Ren=E9e?= <r@example.org>, b@example.org\r\n"
        b"Subject: =?utf-8?b?R3LDvMOfZQ==?=\r\n\tfolded\r\n"
        b"Date: not a date\r\n\r\n"
    )
    assert headers.sender[0].name == "Jürgen" and headers.sender[0].email == "j@example.org"
    assert [a.name or a.email for a in headers.to] == ["Renée", "b@example.org"]
    assert headers.subject == "Grüße folded"
    assert headers.date is None and headers.notices


def test_filenames_lose_paths_and_control_characters():
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("..\\..\\win.ini") == "win.ini"
    assert safe_filename("a\r\nb\x00c\u202e.txt") == "abc.txt"
    assert safe_filename("...") == "attachment"
    assert safe_filename(".htaccess") == "htaccess"
