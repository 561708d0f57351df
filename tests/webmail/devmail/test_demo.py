"""The demo mailbox and the demo command (webmail/devmail/demo.py)."""

from __future__ import annotations

import email
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import imapclient

from tests.support.dovecot import MailUser, make_dovecot_root
from tests.support.waiting import wait_until
from webmail.devmail.demo import demo_messages, seed_demo
from webmail.devmail.dovecot import Dovecot
from webmail.devmail.factories import message_bytes

REPO_ROOT = Path(__file__).resolve().parents[3]


# -- the server ---------------------------------------------------------------------------------


def test_demo_messages_content() -> None:
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    folders = demo_messages(now)
    total = sum(len(messages) for messages in folders.values())
    assert total >= 200
    assert 180 <= len(folders["INBOX"]) <= 220
    assert {"Sent", "Archive", "Projects", "Projects/2026", "Reçus"} <= set(folders)
    assert any(not name.isascii() for name in folders)

    all_messages = [(msg, flags) for messages in folders.values() for msg, flags in messages]
    parsed = [
        email.message_from_bytes(message_bytes(msg), policy=policy.default)
        for msg, _ in all_messages
    ]
    assert any(p.get_body(("html",)) is not None for p in parsed)
    assert any(p.get_content_type() == "text/html" for p in parsed)  # HTML only
    filenames = [a.get_filename() for p in parsed for a in p.iter_attachments()]
    types = {a.get_content_type() for p in parsed for a in p.iter_attachments()}
    assert {"application/pdf", "image/png", "text/csv"} <= types
    assert any(name and not name.isascii() for name in filenames)
    replies = [p for p in parsed if p["In-Reply-To"]]
    assert len(replies) >= 10
    ids = {p["Message-ID"] for p in parsed}
    assert all(p["In-Reply-To"] in ids for p in replies)
    subjects = [p["Subject"] for p in parsed]
    for sample in ("ü", "é", "来週", "ё"):
        assert any(sample in s for s in subjects), sample
    senders = [p["From"].addresses[0].display_name for p in parsed]
    assert any("山田" in s for s in senders) and any("Дмитрий" in s for s in senders)

    flags = [f for _, f in folders["INBOX"]]
    assert any("S" not in f for f in flags)  # unread
    assert any("F" in f for f in flags)  # flagged
    assert any("R" in f for f in flags)  # answered
    dates = [p["Date"].datetime for p in parsed]
    assert max(dates) <= now and min(dates) >= now - timedelta(days=190)
    assert max(dates) - min(dates) > timedelta(days=60)

    again = demo_messages(now)
    assert {k: [(message_bytes(m), f) for m, f in v] for k, v in again.items()} == {
        k: [(message_bytes(m), f) for m, f in v] for k, v in folders.items()
    }


def test_seed_demo(dovecot: Dovecot, mail_user_factory: Callable[..., MailUser]) -> None:
    user = mail_user_factory("demo")
    counts = seed_demo(dovecot, user.username, user.password)
    assert sum(counts.values()) >= 200
    client = user.client()
    subscribed = {name for _f, _s, name in client.list_sub_folders()}
    assert {"Projects", "Projects/2026", "Reçus", "Sent", "Archive"} <= subscribed
    for folder, count in counts.items():
        assert client.folder_status(folder, ["MESSAGES"])[b"MESSAGES"] == count
    client.select_folder("INBOX", readonly=True)
    assert client.search(["UNSEEN"])
    assert client.search(["FLAGGED"])
    assert client.search(["ANSWERED"])
    assert client.thread()  # THREAD=REFERENCES finds the conversations


def test_demo_command_seeds_once_and_stops_on_sigterm() -> None:
    root = make_dovecot_root("webmail-demo-")
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    command = [sys.executable, "-m", "webmail.devmail.demo", "--root", str(root)]
    command += ["--user", "demo", "--password", "demo-pw"]
    ports_file = root / "ports.json"
    try:
        for run in range(2):
            proc = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            try:

                def started(p: subprocess.Popen[str] = proc) -> bool:
                    return ports_file.exists() or p.poll() is not None

                ready = wait_until(started, timeout=60)
                assert ready and proc.poll() is None, "the demo command did not start"
                info = json.loads(ports_file.read_text())
                assert info["user"] == "demo" and info["password"] == "demo-pw"
                context = ssl.create_default_context(cafile=info["ca_file"])
                client = imapclient.IMAPClient(info["host"], port=info["imap_port"], ssl=False)
                client.starttls(context)
                client.login("demo", "demo-pw")
                inbox = client.select_folder("INBOX")[b"EXISTS"]
                assert inbox >= 180
                # The public folders (devmail/acl.py), read-only Announcements, seeded once.
                status = client.folder_status("Public/Announcements", [b"MESSAGES"])
                assert status[b"MESSAGES"] == 2
                if run == 0:
                    first_inbox = inbox
                else:
                    assert inbox == first_inbox  # not seeded again
                client.logout()
            finally:
                proc.send_signal(signal.SIGTERM)
                stdout, stderr = proc.communicate(timeout=30)
                print(stdout, stderr)  # shown if the test fails
            assert proc.returncode == 0, stderr
            lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
            assert any(line.get("imap_port") == info["imap_port"] for line in lines)
            assert any("seeded" in line for line in lines) == (run == 0)
            assert not (root / "ports.json").exists()
    finally:
        shutil.rmtree(root, ignore_errors=True)
