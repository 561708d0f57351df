"""The compose stack's mail server (docker/mailserver.py) without Docker: the same script on
free ports must serve IMAP with the shared and public namespaces, ManageSieve, and run a Sieve
script on mail that its SMTP relay delivers, so that the compose configuration stays the one
the tests use (webmail/devmail/sieve.py and acl.py)."""

from __future__ import annotations

import os
import shutil
import smtplib
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mailview.imap.client import IMAPConnection
from mailview.imap.endpoint import Endpoint
from mailview.sieve.client import ManageSieve
from webmail.devmail.factories import make_message, message_bytes
from webmail.devmail.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
USER, PASSWORD = "demo@example.org", "demo"


@dataclass
class MailServer:
    imap: int
    smtp: int
    sieve: int


@pytest.fixture(scope="module")
def mailserver() -> Iterator[MailServer]:
    root = Path(tempfile.mkdtemp(prefix="webmail-docker-mail-", dir="/var/tmp"))
    root.chmod(0o755)
    ports = MailServer(free_port(), free_port(), free_port())
    log = (root / "out.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "docker/mailserver.py",
            "--root",
            str(root / "mail-demo"),
            "--imap-port",
            str(ports.imap),
            "--smtp-port",
            str(ports.smtp),
            "--sieve-port",
            str(ports.sieve),
            "--lmtp-port",
            str(free_port()),
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 300  # seeding the demo mailbox on a busy machine
        while b"devmail: IMAP" not in (root / "out.log").read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((root / "out.log").read_text(errors="replace"))
            time.sleep(0.2)
        yield ports
    finally:
        process.terminate()
        process.wait(30)
        log.close()
        shutil.rmtree(root, ignore_errors=True)


def test_imap_has_the_shared_and_public_namespaces_and_the_public_folders(mailserver) -> None:
    conn = IMAPConnection.open(Endpoint("127.0.0.1", mailserver.imap, "none"), USER, PASSWORD, 20)
    try:
        namespaces = conn.namespaces()
        assert [n.prefix for n in namespaces.other] == ["shared/"]
        assert [n.prefix for n in namespaces.shared] == ["Public/"]
        assert conn.my_rights("Public/Announcements") == "lrs"
        assert conn.folder_status("Public/Announcements")
    finally:
        conn.logout()


def test_managesieve_scripts_run_on_mail_the_relay_delivers(mailserver) -> None:
    script = (
        'require ["imap4flags"];\n'
        'if header :contains "subject" "urgent" { addflag "\\\\Flagged"; }\n'
    )
    with ManageSieve.open(Endpoint("127.0.0.1", mailserver.sieve, "none"), USER, PASSWORD) as sieve:
        sieve.put_script("webmail", script)
        sieve.set_active("webmail")
    msg = make_message(subject="urgent: docker check", to=USER, sender="someone@example.org")
    with smtplib.SMTP("127.0.0.1", mailserver.smtp, timeout=30) as smtp:
        smtp.sendmail("someone@example.org", [USER], message_bytes(msg))
    conn = IMAPConnection.open(Endpoint("127.0.0.1", mailserver.imap, "none"), USER, PASSWORD, 20)
    try:
        uids = conn.search_header("Subject", "urgent: docker check") if conn.select("INBOX") else []
        assert len(uids) == 1
        [summary] = conn.fetch_summaries(uids)
        assert "\\Flagged" in summary.flags
    finally:
        conn.logout()
