"""Drafts written to disk and APPENDed from the file (issue 12): a large draft comes back byte
for byte; a server that refuses the APPEND (over quota) gets a clear message and nothing is
lost; the streamed message is exactly what the email package would have built in memory."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mailview.compose.addresses import Recipient
from mailview.compose.build import AttachmentFile, Outgoing, build_message
from mailview.compose.spool import write_message
from mailview.compose.store import ComposeStore
from tests.support.compose import folder_messages, start
from tests.support.dovecot import MailUser
from webmail.devmail.dovecot import Dovecot

MB = 1024 * 1024


def _save(client: Client, compose_id: str, **fields: str) -> Any:
    data = {"to": "", "subject": "", "text": "", "format": "text"}
    data.update(fields)
    return client.post(f"/compose/{compose_id}/save/", data)


def _upload(client: Client, compose_id: str, name: str, data: bytes) -> None:
    response = client.post(
        f"/compose/{compose_id}/attachments/",
        {"file": SimpleUploadedFile(name, data, content_type="application/octet-stream")},
    )
    assert response.status_code == 200, response.content[:500]


def _fixed_boundaries(msg: EmailMessage) -> None:
    for n, part in enumerate(p for p in msg.walk() if p.is_multipart()):
        part.set_boundary(f"==boundary-{n}==")


def test_the_streamed_message_is_what_the_email_package_builds(tmp_path: Path) -> None:
    files = []
    for n, size in enumerate((0, 1, 56, 57, 58, 300_001)):
        path = tmp_path / f"f{n}"
        path.write_bytes(os.urandom(size))
        files.append(AttachmentFile(path, f"file {n}.bin", "application/octet-stream", size))
    files.append(AttachmentFile(tmp_path / "f5", "Ünïcode – name.pdf", "application/pdf", 0))
    out = Outgoing(
        sender=Recipient("Alice", "alice@example.org"),
        to=[Recipient("Bob", "bob@example.org")],
        subject="Streamed ✓",
        text="Hello\n",
        attachments=files,
        message_id="<fixed@example.org>",
    )
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    in_memory = build_message(out, include_bcc=True, draft=True, now=now)
    _fixed_boundaries(in_memory)
    placeholders: dict[bytes, AttachmentFile] = {}
    streamed = build_message(out, include_bcc=True, draft=True, now=now, placeholders=placeholders)
    _fixed_boundaries(streamed)
    target = tmp_path / "out.eml"
    size = write_message(streamed, placeholders, target)
    assert target.read_bytes() == in_memory.as_bytes()
    assert size == target.stat().st_size
    assert target.stat().st_mode & 0o777 == 0o600


def test_a_large_draft_round_trips_byte_exact(
    compose_settings: Any, login: Callable[..., Client], alice: MailUser
) -> None:
    client = login(alice)
    compose_id = start(client)
    payloads = {"first.bin": os.urandom(9 * MB), "second.bin": os.urandom(9 * MB + 17)}
    for name, data in payloads.items():
        _upload(client, compose_id, name, data)
    response = _save(client, compose_id, to="bob@example.org", subject="Big", text="see files")
    assert response.status_code == 200 and response.json()["ok"], response.content[:500]
    uid = response.json()["uid"]
    [(_uid, _flags, draft)] = folder_messages(alice, "Drafts")
    got = {a.get_filename(): a.get_content() for a in draft.iter_attachments()}
    assert got == payloads
    # No spool file is left behind.
    store_dir = Path(compose_settings.WEBMAIL_COMPOSE_DIR)
    assert not list(store_dir.rglob("spool-*"))
    # Reopened, the draft's attachments are the same bytes on disk again.
    reopened = start(client, f"draft={uid}")
    user_id = client.session["_auth_user_id"]
    store = ComposeStore(int(user_id), store_dir)
    state = store.load(reopened)
    assert {f.filename: f.path.read_bytes() for f in store.files(state)} == payloads


def _limit_quota(user: MailUser, storage: str) -> None:
    """A per-user quota (passwd-file userdb extra field), set before the user's first login."""
    server = user.dovecot
    assert isinstance(server, Dovecot)
    entry = f"{user.username}:{{PLAIN}}{user.password}::::::userdb_quota_rule=*:storage={storage}\n"
    (server.users_dir / user.username).write_text(entry)


def test_a_refused_append_says_why_and_loses_nothing(
    compose_settings: Any,
    login: Callable[..., Client],
    mail_user_factory: Callable[..., MailUser],
) -> None:
    alice = mail_user_factory("alice")
    _limit_quota(alice, "1M")
    client = login(alice)
    compose_id = start(client)
    first = _save(client, compose_id, to="bob@example.org", subject="v1", text="small")
    assert first.status_code == 200 and first.json()["ok"]
    _upload(client, compose_id, "big.bin", os.urandom(2 * MB))
    refused = _save(client, compose_id, to="bob@example.org", subject="v2", text="with file")
    assert refused.status_code == 507
    assert refused.json() == {
        "ok": False,
        "error": "The draft could not be saved: your mailbox is full. What you wrote is still "
        "here; free some space (empty the Trash) or remove attachments, then save again.",
    }
    # The previous version is still in Drafts; the attachment and the form are still here.
    [(uid, _flags, draft)] = folder_messages(alice, "Drafts")
    assert uid == first.json()["uid"] and str(draft["Subject"]) == "v1"
    page = client.get(f"/compose/{compose_id}/").content.decode()
    assert "big.bin" in page and 'value="v2"' in page
    # The connection is still good: without the attachment the draft saves.
    state = ComposeStore(int(client.session["_auth_user_id"]), compose_settings.WEBMAIL_COMPOSE_DIR)
    attachment = state.load(compose_id).attachments[0]
    client.post(f"/compose/{compose_id}/attachments/{attachment.id}/remove/")
    again = _save(client, compose_id, to="bob@example.org", subject="v3", text="no file")
    assert again.status_code == 200 and again.json()["ok"], again.content[:300]
    [(_uid, _flags, draft)] = folder_messages(alice, "Drafts")
    assert str(draft["Subject"]) == "v3"
