"""A private Cyrus IMAP 3.6 instance for tests (the other server the webmail is tested against).

Like dovecot.py, everything lives under one directory and nothing is read from ``/etc``:
``imapd.conf`` and ``cyrus.conf``; ``conf/`` (configdirectory, with ``socket/`` for idled and
``log/<user>/`` protocol logs), ``spool/``, ``run/`` (pid, proc files, locks), ``sasldb2``
(users), ``tls/`` (CA and server certificate made at start) and ``log/cyrus.log`` (syslog).

Debian's cyrus-imapd conflicts with dovecot-imapd, so its binaries are unpacked (not installed)
into ``/opt/cyrus-pkg/root`` by ``scripts/setup test``; cyrus-common provides the master and the
tools. Cyrus only logs to syslog and this machine has no ``/dev/log``: the master runs in a
private mount namespace where ``/dev`` is a small tmpfs whose ``log`` is a datagram socket read
by a thread of this process (into ``log/cyrus.log``).

Two namespace modes: ``altnamespace=True`` (folders at top level, ``/`` separator, Cyrus'
``altnamespace: yes`` + ``unixhierarchysep: yes``) and ``altnamespace=False`` (Cyrus' default:
personal folders under ``INBOX.``, separator ``.``).
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from webmail.devmail.dovecot import append_message, free_port, tail_of
from webmail.devmail.dovecot_config import generate_certificates
from webmail.devmail.processes import kill_group

if TYPE_CHECKING:
    import imapclient

__all__ = ["CYRUS_PKG", "Cyrus", "cyrus_available"]

#: Where ``scripts/setup test`` unpacks cyrus-imapd (imapd, idled).
CYRUS_PKG = Path(os.environ.get("WEBMAIL_CYRUS_PKG", "/opt/cyrus-pkg")) / "root"
CYRUS_TOOLS = Path("/usr/lib/cyrus/bin")
SASLPASSWD = "/usr/sbin/saslpasswd2"

_START_TIMEOUT = 20.0
_STOP_TIMEOUT = 10.0


def cyrus_available() -> bool:
    """True when the unpacked imapd and cyrus-common's master are present and we are root."""
    return (
        (CYRUS_PKG / "usr/lib/cyrus/bin/imapd").exists()
        and (CYRUS_TOOLS / "master").exists()
        and os.geteuid() == 0
    )


# The master runs in its own mount namespace: /dev becomes a tmpfs with the few devices Cyrus
# uses and /dev/log bound to our syslog socket (argument 1); the rest of the arguments are the
# command.
_NAMESPACE_SCRIPT = """\
set -e
sock=$1; shift
mount --make-rprivate /
mkdir -p "$sock.dev"
mount --bind /dev "$sock.dev"
mount -t tmpfs -o mode=755,size=64k cyrusdev /dev
for d in null zero random urandom tty; do
  touch /dev/$d; mount --bind "$sock.dev/$d" /dev/$d
done
ln -s /proc/self/fd /dev/fd
touch /dev/log; mount --bind "$sock" /dev/log
umount "$sock.dev"
exec "$@"
"""


class Cyrus:
    """A private Cyrus instance rooted at ``root`` (see the module docstring)."""

    host: str = "127.0.0.1"

    def __init__(
        self,
        root: Path,
        *,
        altnamespace: bool = True,
        suppress_capabilities: Sequence[str] = (),
        extra_config: str = "",
        tls: bool = True,
    ) -> None:
        self.root = Path(root).absolute()
        self.altnamespace = altnamespace
        self.suppress_capabilities = tuple(suppress_capabilities)
        self.extra_config = extra_config
        self.tls = tls
        self.imap_port = free_port()
        self.imaps_port = free_port() if tls else 0
        self.lmtp_port = free_port()
        self.config_file = self.root / "imapd.conf"
        self.master_config = self.root / "cyrus.conf"
        self.confdir = self.root / "conf"
        self.sasldb = self.root / "sasldb2"
        self.log_file = self.root / "log" / "cyrus.log"
        tls_dir = self.root / "tls"
        self.ca_file = tls_dir / "ca.crt"
        self.cert_file = tls_dir / "server.crt"
        self.key_file = tls_dir / "server.key"
        self._proc: subprocess.Popen[bytes] | None = None
        self._syslog: socket.socket | None = None
        self._syslog_thread: threading.Thread | None = None
        self._users_lock = threading.Lock()

    @property
    def separator(self) -> str:
        return "/" if self.altnamespace else "."

    @property
    def personal_prefix(self) -> str:
        return "" if self.altnamespace else "INBOX."

    @property
    def name(self) -> str:
        return "cyrus-alt" if self.altnamespace else "cyrus-default"

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Cyrus {self.name} {self.root} imap={self.host}:{self.imap_port} {state}>"

    # -- configuration ------------------------------------------------------------------------

    def config_text(self) -> str:
        root = self.root
        lines = [
            f"configdirectory: {self.confdir}",
            "defaultpartition: default",
            f"partition-default: {root}/spool",
            f"proc_path: {root}/run/proc",
            f"mboxname_lockpath: {root}/run/lock",
            f"idlesocket: {self.confdir}/socket/idle",
            f"notifysocket: {self.confdir}/socket/notify",
            f"lmtpsocket: {self.confdir}/socket/lmtp",
            f"sievedir: {self.confdir}/sieve",
            "servername: localhost",
            "admins: cyrus",
            f"altnamespace: {'yes' if self.altnamespace else 'no'}",
            f"unixhierarchysep: {'yes' if self.altnamespace else 'no'}",
            "virtdomains: no",
            "hashimapspool: true",
            "allowplaintext: yes",
            "sasl_pwcheck_method: auxprop",
            "sasl_auxprop_plugin: sasldb",
            f"sasl_sasldb_path: {self.sasldb}",
            "sasl_mech_list: PLAIN LOGIN",
            "failedloginpause: 0",
            "autocreate_quota: 1048576",  # 1 GB, as the test Dovecot
            "autocreate_inbox_folders: Drafts | Sent | Trash | Junk | Archive",
            "autocreate_subscribe_folders: Drafts | Sent | Trash | Junk | Archive",
            "xlist-drafts: Drafts",
            "xlist-sent: Sent",
            "xlist-trash: Trash",
            "xlist-junk: Junk",
            "xlist-archive: Archive",
            "umask: 077",
        ]
        if self.tls:
            lines += [f"tls_server_cert: {self.cert_file}", f"tls_server_key: {self.key_file}"]
        if self.suppress_capabilities:
            lines.append(f"suppress_capabilities: {' '.join(self.suppress_capabilities)}")
        return "\n".join(lines) + "\n" + self.extra_config

    def master_text(self) -> str:
        conf = self.config_file
        bin_dir = CYRUS_PKG / "usr/lib/cyrus/bin"
        imapd = f"{bin_dir}/imapd -C {conf}"
        services = [
            f'  imap cmd="{imapd}" listen="127.0.0.1:{self.imap_port}" prefork=0 maxchild=600',
            f'  lmtp cmd="{CYRUS_TOOLS}/lmtpd -a -C {conf}" listen="127.0.0.1:{self.lmtp_port}"'
            " prefork=0",
        ]
        if self.tls:
            services.append(
                f'  imaps cmd="{imapd} -s" listen="127.0.0.1:{self.imaps_port}" prefork=0'
                " maxchild=600"
            )
        return (
            "START {\n"
            f'  recover cmd="{CYRUS_TOOLS}/ctl_cyrusdb -C {conf} -r"\n'
            "}\nSERVICES {\n" + "\n".join(services) + "\n}\nEVENTS {\n"
            f'  checkpoint cmd="{CYRUS_TOOLS}/ctl_cyrusdb -C {conf} -c" period=30\n'
            "}\nDAEMON {\n"
            f'  idled cmd="{bin_dir}/idled -C {conf}"\n'
            "}\n"
        )

    # -- life cycle ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        """Write the configuration and start the master; wait until the ports greet."""
        if self.running:
            return
        cyrus = pwd.getpwnam("cyrus")
        mail_gid = grp.getgrnam("mail").gr_gid
        self._prepare_directories(cyrus.pw_uid, mail_gid)
        if self.tls and not self.key_file.exists():
            generate_certificates(self.ca_file.parent)
            os.chown(self.key_file, cyrus.pw_uid, mail_gid)
            self.key_file.chmod(0o600)
        self.config_file.write_text(self.config_text())
        self.master_config.write_text(self.master_text())
        self._start_syslog()
        sock = self.root / "log" / "syslog.sock"
        stdout_log = (self.root / "log" / "master.stdout").open("ab")
        try:
            self._proc = subprocess.Popen(
                [
                    "unshare",
                    "-m",
                    "sh",
                    "-c",
                    _NAMESPACE_SCRIPT,
                    "cyrus-ns",
                    str(sock),
                    f"{CYRUS_TOOLS}/master",
                    "-D",
                    "-C",
                    str(self.config_file),
                    "-M",
                    str(self.master_config),
                    "-p",
                    str(self.root / "run" / "master.pid"),
                ],
                stdin=subprocess.DEVNULL,
                stdout=stdout_log,
                stderr=subprocess.STDOUT,
                cwd=self.root,
                start_new_session=True,
            )
        finally:
            stdout_log.close()
        deadline = time.monotonic() + _START_TIMEOUT
        ports = [self.imap_port] + ([self.imaps_port] if self.tls else [])
        for port in ports:
            while not self._ready(port, tls=port == self.imaps_port):
                if self._proc.poll() is not None:
                    self._proc = None
                    raise RuntimeError(f"cyrus exited during start-up:\n{self.log_tail()}")
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"cyrus did not accept on {port}:\n{self.log_tail()}")
                time.sleep(0.05)
        # idled connects its socket shortly after the master starts; without it IDLE polls.
        while not (self.confdir / "socket" / "idle").exists():
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"cyrus' idled did not start:\n{self.log_tail()}")
            time.sleep(0.05)

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            kill_group(proc.pid)
        if self._syslog is not None:
            self._syslog.close()
            self._syslog = None

    def __enter__(self) -> Cyrus:
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
        return tail_of((self.root / "log" / "master.stdout", self.log_file), lines)

    def _start_syslog(self) -> None:
        sock_path = self.root / "log" / "syslog.sock"
        with contextlib.suppress(FileNotFoundError):
            sock_path.unlink()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(str(sock_path))
        sock_path.chmod(0o666)
        self._syslog = sock
        log_file = self.log_file

        def receive() -> None:
            with log_file.open("ab") as out:
                while True:
                    try:
                        data = sock.recv(65536)
                    except OSError:
                        return
                    if not data:
                        return
                    out.write(data.rstrip(b"\0\n") + b"\n")
                    out.flush()

        self._syslog_thread = threading.Thread(target=receive, name="cyrus-syslog", daemon=True)
        self._syslog_thread.start()

    @staticmethod
    def _ready(port: int, *, tls: bool) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
                if tls:
                    return True
                data = b""
                while b"\n" not in data:
                    chunk = sock.recv(512)
                    if not chunk:
                        return False
                    data += chunk
                sock.sendall(b"a LOGOUT\r\n")
                return data.startswith(b"* OK")
        except OSError:
            return False

    def _prepare_directories(self, uid: int, gid: int) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
        for sub in ("run", "run/proc", "run/lock", "spool", "conf", "conf/socket", "conf/sieve"):
            path = self.root / sub
            path.mkdir(parents=True, exist_ok=True)
            os.chown(path, uid, gid)
        (self.confdir / "log").mkdir(exist_ok=True)
        os.chown(self.confdir / "log", uid, gid)
        (self.root / "log").mkdir(exist_ok=True)
        (self.root / "tls").mkdir(exist_ok=True)
        (self.root / "tls").chmod(0o755)

    # -- users and mail -----------------------------------------------------------------------

    def add_user(self, username: str, password: str, *, protocol_log: bool = False) -> None:
        """Add a user (or change the password); INBOX and the special folders are created at
        the first login. ``protocol_log``: record every command in ``conf/log/<user>/``."""
        if not username or any(c in username for c in "/%.: \r\n\t\0") or "\n" in password:
            raise ValueError(f"invalid username: {username!r}")
        with self._users_lock:
            subprocess.run(
                [SASLPASSWD, "-p", "-c", "-f", str(self.sasldb), "-u", "localhost", username],
                input=password.encode(),
                check=True,
                capture_output=True,
            )
            os.chown(self.sasldb, pwd.getpwnam("cyrus").pw_uid, grp.getgrnam("mail").gr_gid)
            self.sasldb.chmod(0o640)
        if protocol_log:
            log_dir = self.confdir / "log" / username
            log_dir.mkdir(exist_ok=True)
            os.chown(log_dir, pwd.getpwnam("cyrus").pw_uid, grp.getgrnam("mail").gr_gid)

    def _sessions(self, username: str) -> list[int]:
        """PIDs of the imapd processes serving ``username`` (from proc_path)."""
        pids = []
        for entry in (self.root / "run" / "proc").glob("*"):
            with contextlib.suppress(OSError, ValueError):
                fields = entry.read_text().split("\t")
                if len(fields) >= 3 and fields[2] == username:
                    pids.append(int(entry.name))
        return pids

    def session_pids(self, username: str) -> list[int]:
        """PIDs of the imapd processes serving ``username``, in order."""
        return sorted(self._sessions(username))

    def connection_count(self, username: str) -> int:
        return len(self._sessions(username))

    def kick(self, username: str, timeout: float = 5.0) -> None:
        """End all IMAP sessions of ``username`` (SIGTERM to their imapd)."""
        pids = self._sessions(username)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while any(Path(f"/proc/{pid}").exists() for pid in pids):
            if time.monotonic() > deadline:
                break
            time.sleep(0.01)

    def client(self, username: str, password: str) -> imapclient.IMAPClient:
        """A logged-in plain loopback imapclient connection, for test set-up."""
        import imapclient

        client = imapclient.IMAPClient(self.host, port=self.imap_port, ssl=False, timeout=30)
        try:
            client.login(username, password)
        except BaseException:
            with contextlib.suppress(Exception):
                client.shutdown()
            raise
        return client

    def admin_client(self) -> imapclient.IMAPClient:
        """A connection as the admin ``cyrus`` (created on first use), e.g. for shared folders."""
        if not getattr(self, "_admin_password", None):
            self._admin_password = "admin-" + os.urandom(8).hex()
            self.add_user("cyrus", self._admin_password)
        return self.client("cyrus", self._admin_password)

    def append(
        self,
        username: str,
        password: str,
        folder: str,
        message: EmailMessage | bytes,
        flags: Sequence[str] = (),
        when: datetime | None = None,
    ) -> int:
        client = self.client(username, password)
        try:
            return append_message(client, folder, message, flags, when)
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    def remove(self) -> None:
        """Stop and delete the instance's directory."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
