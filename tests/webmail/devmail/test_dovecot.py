"""The private Dovecot of tests and the demo (webmail/devmail/dovecot.py), run for real."""

from __future__ import annotations

import contextlib
import email
import imaplib
import shutil
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import imapclient
import pytest

from tests.support.dovecot import MailUser, make_dovecot_root
from tests.support.waiting import wait_until
from webmail.devmail.dovecot import Dovecot, free_port
from webmail.devmail.factories import make_message, message_bytes

REPO_ROOT = Path(__file__).resolve().parents[3]


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
        cert = client.socket().getpeercert()
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


def test_connection_count(dovecot: Dovecot, alice: MailUser, bob: MailUser) -> None:
    assert dovecot.connection_count(alice.username) == 0
    clients = [alice.client() for _ in range(3)]
    bob.client()
    assert wait_until(lambda: dovecot.connection_count(alice.username) == 3)
    assert dovecot.connection_count(bob.username) == 1
    clients[0].logout()
    assert wait_until(lambda: dovecot.connection_count(alice.username) == 2)


def test_many_connections_for_one_user(dovecot: Dovecot, alice: MailUser) -> None:
    clients = [alice.client() for _ in range(200)]
    for client in clients:
        client.noop()
    assert wait_until(lambda: dovecot.connection_count(alice.username) == 200)


def test_kick_drops_connections(dovecot: Dovecot, alice: MailUser, bob: MailUser) -> None:
    client = alice.client()
    client.select_folder("INBOX")
    other = bob.client()
    assert wait_until(lambda: dovecot.connection_count(alice.username) == 1)
    dovecot.kick(alice.username)
    with pytest.raises((imaplib.IMAP4.abort, OSError)):
        client.noop()
    assert wait_until(lambda: dovecot.connection_count(alice.username) == 0)
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
