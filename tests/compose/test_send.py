"""Sending through the real SMTP server into the real Dovecot: from alice to bob."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from tests.support.compose import folder_messages, start, text_of
from tests.support.dovecot import MailUser
from webmail.devmail.factories import make_message


def _upload(client: Client, compose_id: str, name: str, data: bytes, ctype: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"/compose/{compose_id}/attachments/",
        {"file": SimpleUploadedFile(name, data, content_type=ctype)},
    )


def test_send_with_attachment_arrives_in_bobs_inbox_intact(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser, bob: MailUser
) -> None:
    client = login(alice)
    compose_id = start(client)
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 40
    response = _upload(client, compose_id, "Résumé 2026 – été.pdf", pdf, "application/pdf")
    assert response.status_code == 200, response.content
    assert response.json()["attachments"][0]["filename"] == "Résumé 2026 – été.pdf"
    response = client.post(
        f"/compose/{compose_id}/send/",
        {
            "to": f"Böb Müller <{bob.address}>",
            "cc": "",
            "bcc": "",
            "subject": "Grüße aus Köln ✓",
            "text": "Hallo Bob,\n\nschöne Grüße.\n",
            "format": "text",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    assert response["Location"] == "/mail/INBOX/"

    [(_uid, _flags, msg)] = folder_messages(bob, "INBOX")
    assert str(msg["Subject"]) == "Grüße aus Köln ✓"
    assert msg["To"].addresses[0].display_name == "Böb Müller"
    assert msg["From"].addresses[0].addr_spec == alice.address
    assert msg["Message-ID"] and msg["Date"]
    assert text_of(msg) == "Hallo Bob,\n\nschöne Grüße.\n"
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == "Résumé 2026 – été.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == pdf
    # The raw headers are ASCII: RFC 2047 words and an RFC 2231 file name.
    raw = msg.as_bytes()
    assert b"filename*" in raw

    [(_uid, flags, sent)] = folder_messages(alice, "Sent")
    assert "\\Seen" in flags
    assert sent["Message-ID"] == msg["Message-ID"]
    assert folder_messages(alice, "Drafts") == []


def test_bcc_recipient_gets_it_but_is_not_in_the_headers(
    compose_settings: Any,
    login: Callable[..., Client],
    alice: MailUser,
    bob: MailUser,
    mail_user_factory: Callable[..., MailUser],
) -> None:
    carol = mail_user_factory("carol")
    client = login(alice)
    compose_id = start(client)
    response = client.post(
        f"/compose/{compose_id}/send/",
        {"to": bob.address, "bcc": carol.address, "subject": "secret", "text": "x"},
    )
    assert response.status_code == 302
    for user in (bob, carol):
        [(_uid, _flags, msg)] = folder_messages(user, "INBOX")
        assert msg["Bcc"] is None
        # Only the delivery trace of carol's own copy (added by the servers) may name her.
        written = [
            f"{name}: {value}"
            for name, value in msg.items()
            if name.lower() not in ("delivered-to", "received", "return-path")
        ]
        assert not [line for line in written if carol.username in line]
    [(_uid, _flags, sent)] = folder_messages(alice, "Sent")
    assert carol.address in str(sent["Bcc"])


def test_sending_is_audited_with_count_and_size_never_content(
    compose_settings: Any,
    login: Callable[..., Client],
    alice: MailUser,
    bob: MailUser,
    mail_user_factory: Callable[..., MailUser],
) -> None:
    from accounts.models import AuditEvent

    carol = mail_user_factory("carol")
    client = login(alice)
    compose_id = start(client)
    response = client.post(
        f"/compose/{compose_id}/send/",
        {"to": bob.address, "cc": carol.address, "subject": "Quarterly", "text": "Numbers."},
    )
    assert response.status_code == 302
    [entry] = AuditEvent.objects.filter(event=AuditEvent.MESSAGE_SENT)
    assert entry.login == alice.username
    assert entry.details["recipients"] == 2
    [(_uid, _flags, sent)] = folder_messages(alice, "Sent")
    # The submitted bytes (CRLF line ends), about the size of the copy in Sent (LF).
    assert abs(entry.details["size"] - len(sent.as_bytes())) < 40
    assert "Quarterly" not in str(entry.details) and "Numbers" not in str(entry.details)


def test_html_message_is_alternative_with_text_and_sanitized(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser, bob: MailUser
) -> None:
    client = login(alice)
    compose_id = start(client)
    html = '<p>Hello <strong>Bob</strong></p><script>alert(1)</script><img src="http://x/t.gif">'
    response = client.post(
        f"/compose/{compose_id}/send/",
        {"to": bob.address, "subject": "html", "html": html, "text": "", "format": "html"},
    )
    assert response.status_code == 302
    [(_uid, _flags, msg)] = folder_messages(bob, "INBOX")
    assert msg.get_content_type() == "multipart/alternative"
    plain, rich = msg.get_body(("plain",)), msg.get_body(("html",))
    assert plain is not None and rich is not None
    assert "Hello Bob" in plain.get_content()
    body = rich.get_content()
    assert "<strong>Bob</strong>" in body
    assert "<script" not in body and "alert" not in body
    assert "http://x/t.gif" not in body  # no remote load (tracking pixel) leaves with our mail


def test_reply_threads_and_marks_the_original_answered(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser, bob: MailUser
) -> None:
    original = make_message(
        subject="Plan",
        sender=f"Bob <{bob.address}>",
        to=f"Alice <{alice.address}>",
        cc="Dora <dora@example.net>",
        message_id="<plan-1@example.org>",
        references=["<root@example.org>"],
        text="Shall we meet?\nTomorrow?\n",
    )
    uid = alice.append("INBOX", original)
    client = login(alice)
    compose_id = start(client, f"kind=reply_all&folder=INBOX&uid={uid}")
    page = client.get(f"/compose/{compose_id}/")
    content = page.content.decode()
    assert "Re: Plan" in content
    assert "&gt; Shall we meet?" in content
    assert "dora@example.net" in content
    response = client.post(
        f"/compose/{compose_id}/send/",
        {"to": bob.address, "subject": "Re: Plan", "text": "Yes.\n\n> Shall we meet?"},
    )
    assert response.status_code == 302, response.content[:2000]
    [(_uid, _flags, reply)] = folder_messages(bob, "INBOX")
    assert reply["In-Reply-To"] == "<plan-1@example.org>"
    assert reply["References"].split() == ["<root@example.org>", "<plan-1@example.org>"]
    [(_uid, flags, _msg)] = folder_messages(alice, "INBOX")
    assert "\\Answered" in flags


def test_forward_keeps_attachments_and_sets_forwarded(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser, bob: MailUser
) -> None:
    original = make_message(
        subject="Photos",
        sender="Eve <eve@example.net>",
        to=alice.address,
        text="See attached.\n",
        attachments=[("ünïcode.png", "image/png", b"\x89PNG\r\n\x1a\nfake")],
    )
    uid = alice.append("INBOX", original)
    client = login(alice)
    compose_id = start(client, f"kind=forward&folder=INBOX&uid={uid}")
    page = client.get(f"/compose/{compose_id}/").content.decode()
    assert "Fwd: Photos" in page and "ünïcode.png" in page
    response = client.post(
        f"/compose/{compose_id}/send/",
        {"to": bob.address, "subject": "Fwd: Photos", "text": "FYI"},
    )
    assert response.status_code == 302
    [(_uid, _flags, msg)] = folder_messages(bob, "INBOX")
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == "ünïcode.png"
    assert attachment.get_content() == b"\x89PNG\r\n\x1a\nfake"
    [(_uid, flags, _msg)] = folder_messages(alice, "INBOX")
    assert "$Forwarded" in flags


def test_forward_as_attachment_sends_message_rfc822(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser, bob: MailUser
) -> None:
    uid = alice.append("INBOX", make_message(subject="Original", text="inner text\n"))
    client = login(alice)
    compose_id = start(client, f"kind=forward_attached&folder=INBOX&uid={uid}")
    response = client.post(
        f"/compose/{compose_id}/send/", {"to": bob.address, "subject": "Fwd", "text": "see"}
    )
    assert response.status_code == 302
    [(_uid, _flags, msg)] = folder_messages(bob, "INBOX")
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_content_type() == "message/rfc822"
    inner = attachment.get_content()
    assert str(inner["Subject"]) == "Original"
    assert text_of(inner) == "inner text\n"
