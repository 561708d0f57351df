"""Seeding folders by writing Maildir files (webmail/devmail/maildir.py)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.dovecot import MailUser
from webmail.devmail.dovecot import Dovecot
from webmail.devmail.factories import make_message, message_bytes
from webmail.devmail.maildir import folder_path, index_folder, write_maildir

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_write_maildir_1000_messages(dovecot: Dovecot, alice: MailUser) -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    flag_cycle = ["", "S", "FS", "RS", "S"]
    template = message_bytes(make_message(subject="Message NUMBER", text="Hi.\n" * 10))
    messages = [
        (
            template.replace(b"NUMBER", str(i).encode()),
            base + timedelta(minutes=i),
            flag_cycle[i % len(flag_cycle)],
        )
        for i in range(1000)
    ]
    start = time.monotonic()
    count = write_maildir(alice.maildir, "INBOX", messages)
    elapsed = time.monotonic() - start
    assert count == 1000
    assert elapsed < 5, elapsed

    client = alice.client()
    assert client.select_folder("INBOX", readonly=True)[b"EXISTS"] == 1000
    assert len(client.search(["UNSEEN"])) == 200
    assert len(client.search(["FLAGGED"])) == 200
    assert len(client.search(["ANSWERED"])) == 200
    data = client.fetch(
        [1, 3, 4, 1000], ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "BODY.PEEK[HEADER]"]
    )
    assert set(data[1][b"FLAGS"]) - {b"\\Recent"} == set()
    assert set(data[3][b"FLAGS"]) - {b"\\Recent"} == {b"\\Flagged", b"\\Seen"}
    assert set(data[4][b"FLAGS"]) - {b"\\Recent"} == {b"\\Answered", b"\\Seen"}
    assert b"Subject: Message 0\r\n" in data[1][b"BODY[HEADER]"]
    assert b"Subject: Message 999\r\n" in data[1000][b"BODY[HEADER]"]
    internal = data[1000][b"INTERNALDATE"]
    if internal.tzinfo is None:
        internal = internal.astimezone()
    assert internal == base + timedelta(minutes=999)
    assert data[1][b"RFC822.SIZE"] == len(template.replace(b"NUMBER", b"0"))


def test_write_maildir_subfolder_is_subscribed_and_indexed(
    dovecot: Dovecot, alice: MailUser
) -> None:
    when = datetime(2025, 12, 24, 18, 0, tzinfo=UTC)
    raw = message_bytes(make_message(subject="Joyeux Noël"))
    assert write_maildir(alice.maildir, "Reçus/2025", [(raw, when, "S")] * 5) == 5
    assert folder_path(alice.maildir, "Reçus/2025") == alice.maildir / ".Re&AOc-us.2025"
    assert (alice.maildir / ".Re&AOc-us.2025" / "maildirfolder").exists()
    assert (alice.maildir / "subscriptions").read_text().endswith("Re&AOc-us\t2025\n")
    assert (alice.maildir / ".Re&AOc-us.2025" / "cur").stat().st_uid == (
        dovecot.maildir(alice.username).stat().st_uid
    )
    index_folder(dovecot, alice.username, "Reçus/2025")
    client = alice.client()
    assert "Reçus/2025" in [name for _f, _s, name in client.list_sub_folders()]
    assert client.folder_status("Reçus/2025", ["MESSAGES", "UNSEEN"]) == {
        b"MESSAGES": 5,
        b"UNSEEN": 0,
    }


def test_write_maildir_appends_after_existing_messages(alice: MailUser) -> None:
    uid = alice.append("INBOX", make_message(subject="first, via IMAP"))
    when = datetime(2026, 2, 2, tzinfo=UTC)
    write_maildir(alice.maildir, "INBOX", [(message_bytes(make_message()), when, "")])
    client = alice.client()
    client.select_folder("INBOX")
    assert client.search(["ALL"]) == [uid, uid + 1]


def test_write_maildir_rejects_bad_names_and_flags(tmp_path: Path) -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        write_maildir(tmp_path / "m", "a.b", [], owner="root")
    with pytest.raises(ValueError):
        write_maildir(tmp_path / "m", "INBOX", [(b"x", when, "X")], owner="root")


# -- connections --------------------------------------------------------------------------------
