"""A private Dovecot 2.3 instance for development and tests.

The instance lives entirely under one directory (config, runtime sockets, state, logs, TLS
material, passwd-files and the Maildirs) and includes nothing from ``/etc/dovecot``, so several
can run side by side and next to a system Dovecot. It listens on free loopback ports chosen
when the object is built and kept across restarts.

Layout under ``root``: ``dovecot.conf``; ``run/`` (base_dir), ``state/``, ``log/dovecot.log``;
``tls/ca.crt``, ``tls/server.crt``, ``tls/server.key``; ``auth/users/<username>`` (one
passwd-file per user, PLAIN passwords); ``mail/<username>/`` (Maildir++, owned by
``webmail-vmail``).

Typical use::

    with Dovecot(Path(tempfile.mkdtemp(dir="/var/tmp"))) as server:
        server.add_user("alice", "secret")
        uid = server.append("alice", "secret", "INBOX", make_message())
"""

from __future__ import annotations

import contextlib
import grp
import hashlib
import ipaddress
import os
import pwd
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from mailview.imap.client import IMAPConnection
from mailview.imap.endpoint import Endpoint
from mailview.imap.errors import FolderNotFound

from .factories import message_bytes

if TYPE_CHECKING:
    import imapclient

__all__ = ["MAIL_USER", "Dovecot", "append_message", "ensure_mail_user", "free_port"]

#: System user owning the Maildirs (Dovecot refuses to access mail as root).
MAIL_USER = "webmail-vmail"

DOVECOT_BIN = "/usr/sbin/dovecot"
DOVEADM_BIN = "doveadm"

_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 10.0

_ports_lock = threading.Lock()
_ports_handed_out: set[int] = set()


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1 (never the same one twice in this process)."""
    with _ports_lock:
        for _ in range(100):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            if port not in _ports_handed_out:
                _ports_handed_out.add(port)
                return port
    raise RuntimeError("could not find a free port")


def ensure_mail_user(name: str = MAIL_USER) -> tuple[int, int]:
    """Create the system user owning the Maildirs if it is missing; return its (uid, gid)."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        if os.geteuid() != 0:
            raise RuntimeError(f"system user {name!r} is missing and we are not root") from None
        result = subprocess.run(
            [
                "useradd",
                "--system",
                "--user-group",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                name,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        # Exit status 9: created concurrently by another process.
        if result.returncode not in (0, 9):
            raise RuntimeError(f"useradd {name} failed: {result.stderr.strip()}") from None
        entry = pwd.getpwnam(name)
    return entry.pw_uid, entry.pw_gid


def _check_traversable(path: Path) -> None:
    """Dovecot's unprivileged processes must be able to reach ``path``."""
    for directory in [path, *path.parents]:
        mode = directory.stat().st_mode
        if not mode & 0o001:
            raise RuntimeError(
                f"{directory} is not traversable by other users (mode {mode & 0o777:o}); "
                "Dovecot's unprivileged processes could not reach "
                f"{path}. Use a directory under /tmp or /var/tmp."
            )


def _generate_certificates(tls_dir: Path) -> None:
    """A CA and a server certificate signed by it (SAN: IP 127.0.0.1, DNS localhost)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.now(UTC) - timedelta(days=1)
    until = now + timedelta(days=3650)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Webmail devmail"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"Webmail devmail CA {tls_dir.parent.name}"),
        ]
    )
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.DNSName("localhost"),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )

    pem = serialization.Encoding.PEM
    tls_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
    key_path = tls_dir / "server.key"
    key_path.touch(mode=0o600)
    key_path.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (tls_dir / "server.crt").write_bytes(cert.public_bytes(pem))
    # Written last: its presence means the set is complete.
    (tls_dir / "ca.crt").write_bytes(ca_cert.public_bytes(pem))


def _process_alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return False
    return stat.rsplit(b")", 1)[-1].split()[0] != b"Z"


def _check_config_value(value: str, what: str) -> None:
    if not value or any(c in value for c in ":\r\n\t\0"):
        raise ValueError(f"invalid {what}: {value!r}")


class Dovecot:
    """A private Dovecot instance rooted at ``root`` (see the module docstring)."""

    host: str = "127.0.0.1"

    def __init__(self, root: Path, *, extra_config: str = "", tls: bool = True) -> None:
        self.root = Path(root).absolute()
        self.extra_config = extra_config
        self.tls = tls
        self.imap_port = free_port()
        self.imaps_port = free_port() if tls else 0
        self.lmtp_port = free_port()
        self.config_file = self.root / "dovecot.conf"
        # One passwd-file per user: Dovecot re-checks a passwd-file at most once a second, so
        # with a single file a user added right after a login could stay unknown for a while;
        # a new user's file is always read fresh.
        self.users_dir = self.root / "auth" / "users"
        self.log_file = self.root / "log" / "dovecot.log"
        self.mail_dir = self.root / "mail"
        tls_dir = self.root / "tls"
        self.ca_file = tls_dir / "ca.crt"
        self.cert_file = tls_dir / "server.crt"
        self.key_file = tls_dir / "server.key"
        digest = hashlib.sha256(str(self.root).encode()).hexdigest()[:12]
        self.instance_name = f"webmail-devmail-{digest}"
        self._proc: subprocess.Popen[bytes] | None = None
        self._users_lock = threading.Lock()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Dovecot {self.root} imap={self.host}:{self.imap_port} {state}>"

    # -- life cycle ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        """Write the config (and certificates, once) and start Dovecot; wait until it accepts."""
        if self.running:
            return
        uid, gid = ensure_mail_user()
        self._prepare_directories(uid, gid)
        if self.tls and not (self.ca_file.exists() and self.key_file.exists()):
            _generate_certificates(self.ca_file.parent)
        self.config_file.write_text(self.config_text())
        stdout_log = (self.root / "log" / "dovecot.stdout").open("ab")
        try:
            self._proc = subprocess.Popen(
                [DOVECOT_BIN, "-F", "-c", str(self.config_file)],
                stdin=subprocess.DEVNULL,
                stdout=stdout_log,
                stderr=subprocess.STDOUT,
                cwd=self.root,
                start_new_session=True,
            )
        finally:
            stdout_log.close()
        # Ready = greetings on the IMAP and LMTP ports (so the login processes are connected to
        # auth), and the implicit-TLS port accepts.
        probes = [(self.imap_port, b"* OK"), (self.lmtp_port, b"220 ")]
        if self.tls:
            probes.append((self.imaps_port, None))
        deadline = time.monotonic() + _START_TIMEOUT
        for port, greeting in probes:
            while not self._ready(port, greeting):
                if self._proc.poll() is not None:
                    self._proc = None
                    raise RuntimeError(
                        f"dovecot exited during start-up (root {self.root}):\n{self.log_tail()}"
                    )
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        f"dovecot did not accept on port {port} within {_START_TIMEOUT:.0f} s "
                        f"(root {self.root}):\n{self.log_tail()}"
                    )
                time.sleep(0.02)

    def stop(self) -> None:
        """Stop Dovecot (SIGTERM, then SIGKILL after a timeout). The ports are kept."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        # Child processes that outlived the master would keep the ports or the Maildirs busy.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)

    def restart(self) -> None:
        """Stop and start again, on the same ports and with the same data."""
        self.stop()
        self.start()

    def __enter__(self) -> Dovecot:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of Dovecot's log (and of its stdout/stderr)."""
        parts = []
        for path in (self.root / "log" / "dovecot.stdout", self.log_file):
            with contextlib.suppress(OSError):
                text = path.read_text(errors="replace")
                if text.strip():
                    parts.append(f"--- {path.name}\n" + "\n".join(text.splitlines()[-lines:]))
        return "\n".join(parts) or "(no log output)"

    @staticmethod
    def _ready(port: int, greeting: bytes | None) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
                if greeting is None:
                    return True
                data = b""
                while b"\n" not in data:
                    chunk = sock.recv(512)
                    if not chunk:
                        return False
                    data += chunk
                if not data.startswith(greeting):
                    return False
                sock.sendall(b"a LOGOUT\r\n" if greeting.startswith(b"*") else b"QUIT\r\n")
                return True
        except OSError:
            return False

    def _prepare_directories(self, uid: int, gid: int) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
        _check_traversable(self.root)
        for name in ("run", "state", "log", "auth"):
            (self.root / name).mkdir(exist_ok=True)
        (self.root / "run").chmod(0o755)
        (self.root / "auth").chmod(0o755)
        self.mail_dir.mkdir(exist_ok=True)
        os.chown(self.mail_dir, uid, gid)
        self.mail_dir.chmod(0o755)
        self.users_dir.mkdir(exist_ok=True)
        self._make_readable_by_dovecot(self.users_dir, 0o750)

    @staticmethod
    def _make_readable_by_dovecot(path: Path, mode: int) -> None:
        """Owned by root, readable by group dovecot (Dovecot's auth process runs as dovecot)."""
        try:
            dovecot_gid = grp.getgrnam("dovecot").gr_gid
        except KeyError:
            path.chmod(mode | (0o005 if path.is_dir() else 0o004))
            return
        if os.geteuid() == 0:
            os.chown(path, 0, dovecot_gid)
        path.chmod(mode)

    # -- configuration ------------------------------------------------------------------------

    def config_text(self) -> str:
        """The complete Dovecot configuration of this instance."""
        root = self.root
        mailboxes = "\n".join(
            f"  mailbox {name} {{\n    auto = subscribe\n    special_use = \\{name}\n  }}"
            for name in ("Drafts", "Sent", "Junk", "Trash", "Archive")
        )
        if self.tls:
            ssl = (
                "ssl = yes\n"
                f"ssl_cert = <{self.cert_file}\n"
                f"ssl_key = <{self.key_file}\n"
                "ssl_min_protocol = TLSv1.2\n"
            )
            imaps_port = self.imaps_port
        else:
            ssl = "ssl = no\n"
            imaps_port = 0
        return f"""\
# Generated by webmail.devmail.dovecot: a private instance, complete in this one file.
instance_name = {self.instance_name}
base_dir = {root}/run
state_dir = {root}/state
log_path = {self.log_file}
info_log_path = {self.log_file}
debug_log_path = {self.log_file}
listen = 127.0.0.1
protocols = imap lmtp
shutdown_clients = yes
verbose_proctitle = yes

{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
auth_verbose = no

passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.users_dir}/%u
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {self.users_dir}/%u
  default_fields = home={self.mail_dir}/%u
}}

mail_location = maildir:{self.mail_dir}/%u
# Keep INBOX in the mailbox list index too, so that STATUS of a big INBOX (the folder tree's
# unread counts) is answered from the index instead of opening the INBOX (~30 ms at 100k).
mailbox_list_index_include_inbox = yes
mail_uid = {MAIL_USER}
mail_gid = {MAIL_USER}
first_valid_uid = 1
first_valid_gid = 1
mail_privileged_group =
mail_max_userip_connections = 500
mail_plugins = quota

namespace inbox {{
  inbox = yes
  separator = /
{mailboxes}
}}

plugin {{
  quota = maildir:User quota
  quota_rule = *:storage=1G
}}

protocol imap {{
  mail_plugins = $mail_plugins imap_quota
}}

lmtp_save_to_detail_mailbox = no
postmaster_address = postmaster@example.org

default_process_limit = 1024
default_client_limit = 4096
default_vsz_limit = 1G

service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
  service_count = 0
  process_min_avail = 2
  client_limit = 1024
}}

service imap {{
  process_limit = 1024
  client_limit = 1
}}

service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {self.lmtp_port}
  }}
}}

service anvil {{
  client_limit = 4096
  # Disables the authentication penalty (growing delays after failed logins).
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}

service auth {{
  client_limit = 4096
}}

# -- extra_config --
{self.extra_config}
"""

    # -- users and mail -----------------------------------------------------------------------

    def add_user(self, username: str, password: str) -> None:
        """Add a user, usable at once; or change its password (takes effect after ~1 s)."""
        _check_config_value(username, "username")
        _check_config_value(password, "password")
        if "/" in username or "%" in username or username.startswith(".") or " " in username:
            raise ValueError(f"invalid username: {username!r}")
        path = self.users_dir / username
        entry = f"{username}:{{PLAIN}}{password}::::::\n"
        with self._users_lock:
            self.users_dir.mkdir(parents=True, exist_ok=True)
            existed = path.exists()
            if existed and path.read_text() == entry:
                return
            tmp = self.users_dir.parent / f".{username}.{os.getpid()}.tmp"
            tmp.write_text(entry)
            self._make_readable_by_dovecot(tmp, 0o640)
            if existed:
                # Make sure Dovecot sees a change even if the size is the same.
                old = path.stat().st_mtime
                os.utime(tmp, (old + 1, old + 1))
            tmp.replace(path)
        if existed:
            # Dovecot re-checks an already known passwd-file at most once a second.
            time.sleep(1.1)

    def maildir(self, username: str) -> Path:
        """The Maildir root (= INBOX) of ``username``."""
        return self.mail_dir / username

    def doveadm(self, *args: str) -> str:
        """Run ``doveadm -c <conf> ARGS``; return stdout, raise RuntimeError on failure."""
        result = subprocess.run(
            [DOVEADM_BIN, "-c", str(self.config_file), *args],
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"doveadm {' '.join(args)} failed with status {result.returncode}: "
                f"{result.stderr.strip() or result.stdout.strip()}"
            )
        return result.stdout

    def kick(self, username: str, timeout: float = 5.0) -> None:
        """Make the server close all IMAP connections of ``username``.

        Returns once the processes serving them are gone (so the connections are closed), or
        after ``timeout`` seconds.
        """
        pids = [pid for _proto, pid in self._sessions(username)]
        result = subprocess.run(
            [DOVEADM_BIN, "-c", str(self.config_file), "kick", username],
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        # doveadm kick exits with 68 (EX_NOUSER) when there was nothing to kick.
        if result.returncode not in (0, 68):
            raise RuntimeError(
                f"doveadm kick {username} failed with status {result.returncode}: "
                f"{result.stderr.strip() or result.stdout.strip()}"
            )
        deadline = time.monotonic() + timeout
        while any(_process_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.01)

    def _sessions(self, username: str) -> list[tuple[str, int]]:
        """(protocol, pid) of each live session of ``username`` (from ``doveadm who -1``)."""
        sessions = []
        for line in self.doveadm("who", "-1", username).splitlines():
            fields = line.split()
            if len(fields) >= 3 and fields[0] == username and fields[2].isdigit():
                sessions.append((fields[1], int(fields[2])))
        return sessions

    def connection_count(self, username: str) -> int:
        """Number of live IMAP connections of ``username`` (0 if none)."""
        return sum(1 for proto, _pid in self._sessions(username) if proto == "imap")

    def client(self, username: str, password: str) -> imapclient.IMAPClient:
        """A logged-in plain (no TLS) loopback imapclient connection, for test set-up: a client
        independent of the app's IMAP layer."""
        # imapclient is a test dependency (pyproject's "test" extra), not installed with the
        # app: imported here so that the demo mail server (seed_demo) runs without it.
        import imapclient

        client = imapclient.IMAPClient(self.host, port=self.imap_port, ssl=False, timeout=30)
        try:
            client.login(username, password)
        except BaseException:
            with contextlib.suppress(Exception):
                client.shutdown()
            raise
        return client

    def append(
        self,
        username: str,
        password: str,
        folder: str,
        message: EmailMessage | bytes,
        flags: Sequence[str] = (),
        when: datetime | None = None,
    ) -> int:
        """APPEND ``message`` to ``folder`` (created if missing); return its UID."""
        client = self.client(username, password)
        try:
            return append_message(client, folder, message, flags, when)
        finally:
            with contextlib.suppress(Exception):
                client.logout()


_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]")


def append_message(
    client: imapclient.IMAPClient,
    folder: str,
    message: EmailMessage | bytes,
    flags: Sequence[str] = (),
    when: datetime | None = None,
) -> int:
    """APPEND over an existing connection, creating ``folder`` if needed; return the UID."""
    if not client.folder_exists(folder):
        client.create_folder(folder)
        client.subscribe_folder(folder)
    response = client.append(folder, message_bytes(message), flags=tuple(flags), msg_time=when)
    if isinstance(response, str):
        response = response.encode()
    match = _APPENDUID.search(response)
    if match is None:
        raise RuntimeError(f"no APPENDUID in the APPEND response: {response!r}")
    return int(match.group(2))


def connect(dovecot: Dovecot, username: str, password: str) -> IMAPConnection:
    """A logged-in plain loopback connection through the app's own IMAP layer (demo seeding)."""
    return IMAPConnection.open(
        Endpoint(dovecot.host, dovecot.imap_port, "none"), username, password, 30
    )


def ensure_folder(conn: IMAPConnection, folder: str) -> None:
    """Create and subscribe ``folder`` unless it exists."""
    try:
        conn.folder_status(folder)
    except FolderNotFound:
        conn.create_folder(folder)
    conn.set_subscribed(folder, True)
