"""The webmail served by a real Daphne in a subprocess, for browser tests and benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from webmail.devmail.cyrus import Cyrus
from webmail.devmail.dovecot import Dovecot, free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class LiveServer:
    url: str
    log_file: Path
    process: subprocess.Popen

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")


def mail_env(dovecot: Dovecot | Cyrus) -> dict[str, str]:
    return {
        "IMAP_HOST": dovecot.host,
        "IMAP_PORT": str(dovecot.imap_port),
        "IMAP_SECURITY": "starttls",
        "IMAP_CA_FILE": str(dovecot.ca_file),
    }


@contextmanager
def run_daphne(
    workdir: Path, env: Mapping[str, str], *, processes: int = 1
) -> Iterator[LiveServer]:
    """Migrate a fresh SQLite database in `workdir` and serve the app on a free port."""
    port = free_port()
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "webmail.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "SECRET_KEY": "live-server-test-secret-key-0123456789",
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "DEBUG",
        **env,
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=full_env,
        check=True,
    )
    log_file = workdir / "daphne.log"
    with open(log_file, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "webmail.daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "webmail.asgi:application",
            ],
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(f"http://127.0.0.1:{port}", log_file, process)
    try:
        wait_for_port(port, process, server.log, timeout=30, name="daphne ")
        yield server
    finally:
        stop_process(process)


def wait_for_port(
    port: int,
    process: subprocess.Popen,
    log: Callable[[], str],
    *,
    timeout: float = 60,
    name: str = "",
) -> None:
    """Return once `process` accepts connections on `port`; its log if it exits or never does."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{name}exited early:\n{log()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name}did not start:\n{log()}") from None
            time.sleep(0.1)


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 10 s."""
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
