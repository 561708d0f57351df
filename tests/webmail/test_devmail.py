"""Tests of webmail.devmail against a real Dovecot (no mocks)."""

from __future__ import annotations

import contextlib
import email
import imaplib
import json
import os
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import imapclient
import pytest

from tests.support.dovecot import MailUser, make_dovecot_root
from webmail.devmail.demo import demo_messages, make_pdf, make_png, seed_demo
from webmail.devmail.dovecot import Dovecot, free_port
from webmail.devmail.factories import make_message, message_bytes
from webmail.devmail.maildir import folder_path, index_folder, write_maildir

REPO_ROOT = Path(__file__).resolve().parents[2]  # tests/webmail/ is two below the repository


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def tls_context(server: Dovecot) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(server.ca_file))


# -- the server ---------------------------------------------------------------------------------


def test_server_runs_on_distinct_loopback_ports(dovecot: Dovecot) -> None:
    assert dovecot.running
    assert dovecot.host == "127.0.0.1"
    ports = {dovecot.imap_port, dovecot.imaps_port, dovecot.lmtp_port}
    assert len(ports) == 3 and 0 not in ports
    assert dovecot.ca_file.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    config = dovecot.config_file.read_text()
    assert "!include" not in config and "/etc/dovecot" not in config


def test_free_port_never_repeats() -> None:
    ports = [free_port() for _ in range(20)]
    assert len(set(ports)) == 20


def test_starttls_login_with_verified_certificate(dovecot: Dovecot, alice: MailUser) -> None:
    client = imapclient.IMAPClient(dovecot.host, port=dovecot.imap_port, ssl=False, timeout=10)
    try:
        assert b"STARTTLS" in client.capabilities()
        client.starttls(tls_context(dovecot))
        client.login(alice.username, alice.password)
        assert client.select_folder("INBOX")[b"EXISTS"] == 0
        cert = client._imap.sock.getpeercert()
        assert ("IP Address", "127.0.0.1") in cert["subjectAltName"]
        assert ("DNS", "localhost") in cert["subjectAltName"]
    finally:
        client.logout()


def test_starttls_rejects_unknown_ca(dovecot: Dovecot) -> None:
    client = imapclient.IMAPClient(dovecot.host, port=dovecot.imap_port, ssl=False, timeout=10)
    with pytest.raises(ssl.SSLCertVerificationError):
        client.starttls(ssl.create_default_context())
    with contextlib.suppress(OSError):
        client.shutdown()


def test_implicit_tls_login(dovecot: Dovecot, alice: MailUser) -> None:
    client = imapclient.IMAPClient(
        dovecot.host, port=dovecot.imaps_port, ssl=True, ssl_context=tls_context(dovecot)
    )
    try:
        client.login(alice.username, alice.password)
        assert client.folder_exists("INBOX")
    finally:
        client.logout()


def test_certificate_valid_for_localhost(dovecot: Dovecot) -> None:
    context = tls_context(dovecot)
    with socket.create_connection((dovecot.host, dovecot.imaps_port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            assert tls.recv(100).startswith(b"* OK")


def test_wrong_password_fails_fast(dovecot: Dovecot, alice: MailUser) -> None:
    start = time.monotonic()
    for _ in range(3):
        with pytest.raises(imapclient.exceptions.LoginError):
            dovecot.client(alice.username, "wrong password")
    # No growing auth penalty; Dovecot only rounds the failure delay to 0.5 s ticks.
    assert time.monotonic() - start < 3.0
    dovecot.client(alice.username, alice.password).logout()


def test_users_can_log_in_right_after_creation(
    dovecot: Dovecot, mail_user_factory: Callable[..., MailUser]
) -> None:
    for _ in range(10):
        user = mail_user_factory("quick")
        user.client().noop()


def test_password_change(dovecot: Dovecot, alice: MailUser) -> None:
    alice.client().noop()
    dovecot.add_user(alice.username, "a new password")
    with pytest.raises(imapclient.exceptions.LoginError):
        dovecot.client(alice.username, alice.password)
    dovecot.client(alice.username, "a new password").logout()


def test_capabilities_include_sort_quota_special_use(dovecot: Dovecot, alice: MailUser) -> None:
    capabilities = set(alice.client().capabilities())
    assert {b"SORT", b"THREAD=REFERENCES", b"UIDPLUS", b"QUOTA", b"SPECIAL-USE", b"MOVE"} <= (
        capabilities
    )


def test_special_use_folders_exist(alice: MailUser) -> None:
    folders = {name: flags for flags, _sep, name in alice.client().list_folders()}
    for name in ("Drafts", "Sent", "Junk", "Trash", "Archive"):
        assert ("\\" + name).encode() in folders[name]
    assert "INBOX" in folders


def test_quota_is_reported(alice: MailUser) -> None:
    client = alice.client()
    quotas = client.get_quota("INBOX")
    assert any(q.resource == "STORAGE" and q.limit == 1024 * 1024 for q in quotas)


def test_users_are_isolated(alice: MailUser, bob: MailUser) -> None:
    alice.append("INBOX", make_message(subject="for alice"))
    client = bob.client()
    assert client.select_folder("INBOX")[b"EXISTS"] == 0
    with pytest.raises(imapclient.exceptions.LoginError):
        bob.dovecot.client(bob.username, alice.password)


# -- append -------------------------------------------------------------------------------------


def test_append_returns_uid_and_stores_message(alice: MailUser) -> None:
    subject = "Grüße aus Köln – 会議 – Отчёт ☕"
    when = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    msg = make_message(subject=subject, sender="Jürgen Müller <juergen@example.de>")
    uid1 = alice.append("INBOX", msg, flags=["\\Seen", "\\Flagged"], when=when)
    uid2 = alice.append("INBOX", message_bytes(make_message(subject="second")))
    assert uid2 == uid1 + 1

    client = alice.client()
    client.select_folder("INBOX", readonly=True)
    data = client.fetch([uid1], ["FLAGS", "INTERNALDATE", "RFC822"])[uid1]
    assert set(data[b"FLAGS"]) >= {b"\\Seen", b"\\Flagged"}
    internal = data[b"INTERNALDATE"]
    if internal.tzinfo is None:
        internal = internal.astimezone()
    assert internal == when
    parsed = email.message_from_bytes(data[b"RFC822"], policy=policy.default)
    assert parsed["Subject"] == subject
    assert parsed["From"].addresses[0].display_name == "Jürgen Müller"


def test_append_creates_missing_folder(alice: MailUser) -> None:
    uid = alice.append("Projects/2026", make_message(subject="nested"))
    assert uid == 1
    client = alice.client()
    assert client.folder_exists("Projects/2026")
    assert "Projects/2026" in [name for _f, _s, name in client.list_sub_folders()]


def test_create_folder_non_ascii(alice: MailUser) -> None:
    alice.create_folder("Reçus")
    assert alice.client().folder_exists("Reçus")
    assert (alice.maildir / ".Re&AOc-us" / "cur").is_dir()


# -- maildir seeding ----------------------------------------------------------------------------


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


def test_connection_count(dovecot: Dovecot, alice: MailUser, bob: MailUser) -> None:
    assert dovecot.connection_count(alice.username) == 0
    clients = [alice.client() for _ in range(3)]
    bob.client()
    assert wait_for(lambda: dovecot.connection_count(alice.username) == 3)
    assert dovecot.connection_count(bob.username) == 1
    clients[0].logout()
    assert wait_for(lambda: dovecot.connection_count(alice.username) == 2)


def test_many_connections_for_one_user(dovecot: Dovecot, alice: MailUser) -> None:
    clients = [alice.client() for _ in range(200)]
    for client in clients:
        client.noop()
    assert wait_for(lambda: dovecot.connection_count(alice.username) == 200)


def test_kick_drops_connections(dovecot: Dovecot, alice: MailUser, bob: MailUser) -> None:
    client = alice.client()
    client.select_folder("INBOX")
    other = bob.client()
    assert wait_for(lambda: dovecot.connection_count(alice.username) == 1)
    dovecot.kick(alice.username)
    with pytest.raises((imaplib.IMAP4.abort, OSError)):
        client.noop()
    assert wait_for(lambda: dovecot.connection_count(alice.username) == 0)
    other.noop()  # other users are not affected
    dovecot.kick(alice.username)  # nothing to kick: no error
    alice.client().noop()  # and the user can log in again


# -- life cycle ---------------------------------------------------------------------------------


def test_restart_keeps_ports_and_data(private_dovecot: Dovecot) -> None:
    server = private_dovecot
    server.add_user("carol", "secret")
    uid = server.append("carol", "secret", "INBOX", make_message(subject="survives restarts"))
    ports = (server.imap_port, server.imaps_port, server.lmtp_port)
    ca = server.ca_file.read_bytes()
    client = server.client("carol", "secret")

    server.restart()
    assert server.running
    assert (server.imap_port, server.imaps_port, server.lmtp_port) == ports
    assert server.ca_file.read_bytes() == ca  # certificates are generated once
    with pytest.raises((imaplib.IMAP4.abort, OSError)):
        client.noop()  # the old connection died with the old server
    fresh = server.client("carol", "secret")
    fresh.select_folder("INBOX")
    data = fresh.fetch([uid], ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])
    assert b"survives restarts" in data[uid][b"BODY[HEADER.FIELDS (SUBJECT)]"]
    fresh.logout()


def test_stop_closes_the_ports(private_dovecot: Dovecot) -> None:
    private_dovecot.stop()
    assert not private_dovecot.running
    with pytest.raises(OSError):
        socket.create_connection((private_dovecot.host, private_dovecot.imap_port), timeout=2)
    private_dovecot.stop()  # idempotent
    private_dovecot.start()
    assert private_dovecot.running


def test_context_manager_and_no_tls() -> None:
    root = make_dovecot_root()
    try:
        with Dovecot(root, tls=False) as server:
            assert server.imaps_port == 0
            server.add_user("dave", "pw")
            client = server.client("dave", "pw")
            assert b"STARTTLS" not in client.capabilities()
            client.logout()
        assert not server.running
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_start_failure_reports_log(dovecot_factory: Callable[..., Dovecot]) -> None:
    with pytest.raises(RuntimeError, match="dovecot"):
        dovecot_factory(extra_config="this is not valid dovecot config\n")


def test_extra_config_can_remove_sort(
    dovecot: Dovecot, alice: MailUser, dovecot_factory: Callable[..., Dovecot]
) -> None:
    capabilities = [cap.decode() for cap in alice.client().capabilities()]
    assert "SORT" in capabilities
    without_sort = [c for c in capabilities if c not in ("SORT", "SORT=DISPLAY", "ESORT")]
    server = dovecot_factory(extra_config=f"imap_capability = {' '.join(without_sort)}\n")
    server.add_user("erin", "pw")
    client = server.client("erin", "pw")
    try:
        caps = client.capabilities()
        assert b"SORT" not in caps and b"ESORT" not in caps
        assert b"THREAD=REFERENCES" in caps
    finally:
        client.logout()


def test_lmtp_delivery(dovecot: Dovecot, alice: MailUser) -> None:
    msg = make_message(subject="Delivered über LMTP", to=alice.address)
    with smtplib.LMTP(dovecot.host, dovecot.lmtp_port, timeout=10) as lmtp:
        refused = lmtp.sendmail("sender@example.org", [alice.username], message_bytes(msg))
    assert refused == {}
    client = alice.client()
    client.select_folder("INBOX", readonly=True)
    (uid,) = client.search(["ALL"])
    data = client.fetch([uid], ["ENVELOPE"])[uid]
    assert b"Delivered" in data[b"ENVELOPE"].subject


# -- factories and demo content -----------------------------------------------------------------


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
    assert parsed.get_body(("html",)).get_content().rstrip() == "<p>Hallo</p>"
    assert sum(1 for _ in raw.split(b"\r\n") if _.startswith(b"MIME-Version")) == 1


def test_generated_attachments_are_valid() -> None:
    pdf = make_pdf("Invoice (test)", ["Total: 10 EUR"])
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    xref = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert pdf[xref:].startswith(b"xref")
    png = make_png(8, 4, seed=1)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png.endswith(b"IEND\xaeB`\x82")


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
                ready = wait_for(
                    lambda p=proc: ports_file.exists() or p.poll() is not None, timeout=60
                )
                assert ready and proc.poll() is None, "the demo command did not start"
                info = json.loads(ports_file.read_text())
                assert info["user"] == "demo" and info["password"] == "demo-pw"
                context = ssl.create_default_context(cafile=info["ca_file"])
                client = imapclient.IMAPClient(info["host"], port=info["imap_port"], ssl=False)
                client.starttls(context)
                client.login("demo", "demo-pw")
                inbox = client.select_folder("INBOX")[b"EXISTS"]
                assert inbox >= 180
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
