"""Message factories (webmail/devmail/factories.py)."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

from webmail.devmail.demo import make_pdf, make_png
from webmail.devmail.factories import make_message, message_bytes

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_make_message_encodes_non_ascii_and_uses_crlf() -> None:
    msg = make_message(
        subject="Привет, 世界",
        sender="Françoise Lefèvre <f@example.fr>",
        cc=["Jürgen <j@example.de>"],
        html="<p>Hallo</p>",
        attachments=[
            ("données.csv", "text/csv", b"a;b\n1;2\n"),
            ("x.bin", "application/octet-stream", b"\x00\xff"),
        ],
        in_reply_to="<a@example.org>",
        references=["<root@example.org>", "<a@example.org>"],
        headers={"X-Test": "yes"},
    )
    raw = message_bytes(msg)
    assert raw.isascii()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == "Привет, 世界"
    assert parsed["From"].addresses[0].display_name == "Françoise Lefèvre"
    assert parsed["References"] == "<root@example.org> <a@example.org>"
    assert parsed["X-Test"] == "yes"
    assert parsed.get_content_type() == "multipart/mixed"
    assert [p.get_filename() for p in parsed.iter_attachments()] == ["données.csv", "x.bin"]
    html = parsed.get_body(("html",))
    assert html is not None and html.get_content().rstrip() == "<p>Hallo</p>"
    assert sum(1 for _ in raw.split(b"\r\n") if _.startswith(b"MIME-Version")) == 1


def test_generated_attachments_are_valid() -> None:
    pdf = make_pdf("Invoice (test)", ["Total: 10 EUR"])
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    xref = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert pdf[xref:].startswith(b"xref")
    png = make_png(8, 4, seed=1)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png.endswith(b"IEND\xaeB`\x82")
