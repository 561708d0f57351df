"""The concurrent part of bench/list_pages.py with 1 and then 2 Daphne worker processes.

    .venv/bin/python -m bench.workers [--users 50] [--duration 10] [--workers 1 2] [--same-user]

Seeds a 1,000-message INBOX for each load user (as bench.list_pages does), then, for each worker
count, serves the app with `python -m webmail.serve --workers N` (a SO_REUSEPORT socket per
worker, `daphne --fd`) and runs bench.list_pages.run_load: every user requests their INBOX list
page back to back. `--same-user`: 50 sessions of one user instead of 50 users. Reported per
worker: the client connections it held (sampled during the run, largest sample) and the CPU it
used, i.e. how evenly the kernel spread the load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.list_pages import LOAD_PREFIX, Folder, expected_rows, log, ms, run_load, seed
from tests.support.liveserver import ROOT, mail_env
from tests.support.procnet import child_pids, connections_by_pid, cpu_seconds
from webmail.devmail.dovecot import Dovecot, free_port


def serve(workdir: Path, dovecot: Dovecot, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        **mail_env(dovecot),
        "DJANGO_SETTINGS_MODULE": "webmail.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "SECRET_KEY": "bench-secret-key-0123456789-0123456789",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "webmail.serve", "--port", str(port), "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=(workdir / "serve.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError((workdir / "serve.log").read_text()) from None
            time.sleep(0.2)
    time.sleep(2)  # every worker has imported the app
    return process, f"http://127.0.0.1:{port}"


def sample_split(
    running: threading.Event, pids: list[int], port: int, held: dict[int, int]
) -> None:
    """Keep in ``held`` the largest sample of connections held by each worker."""
    while running.is_set():
        now = connections_by_pid(pids, port)
        if sum(now.values()) > sum(held.values()):
            held.update(now)
        time.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.workers")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--same-user", action="store_true", help="N sessions of one user")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="webmail-bench-workers-", dir="/var/tmp"))
    root.chmod(0o755)
    dovecot = Dovecot(root / "dovecot")
    lines = []
    try:
        dovecot.start()
        seed(
            dovecot, [Folder("INBOX", 100), Folder("Ten", 10), Folder("Thousand", 1000)], args.users
        )
        users = [f"{LOAD_PREFIX}{i:02d}" for i in range(1, args.users + 1)]
        if args.same_user:
            users = [users[0]] * args.users
        rows = expected_rows(1000)
        for workers in args.workers:
            workdir = root / f"app-{workers}"
            workdir.mkdir()
            process, url = serve(workdir, dovecot, workers)
            port = int(url.rsplit(":", 1)[1])
            pids = child_pids(process.pid)
            cpu_before = {pid: cpu_seconds(pid) for pid in pids}
            held: dict[int, int] = dict.fromkeys(pids, 0)
            running = threading.Event()
            running.set()

            sampler = threading.Thread(
                target=sample_split, args=(running, pids, port, held), daemon=True
            )
            sampler.start()
            load_start = Path("/proc/loadavg").read_text().split()[0]
            try:
                result = asyncio.run(
                    run_load(url, users, args.duration, rows, process.pid, dovecot)
                )
            except Exception:
                log((workdir / "serve.log").read_text()[-5000:])
                raise
            finally:
                running.clear()
                sampler.join()
                cpu = {pid: cpu_seconds(pid) - cpu_before[pid] for pid in pids}
                process.terminate()
                process.wait(30)
            load_end = Path("/proc/loadavg").read_text().split()[0]
            split = " / ".join(str(held[pid]) for pid in pids)
            cpu_split = " / ".join(f"{cpu[pid]:.1f}" for pid in pids)
            per_page = sum(cpu.values()) * 1000 / max(result.ok, 1)
            line = (
                f"| {workers} | {args.users}{' (one user)' if args.same_user else ''} | "
                f"{result.rps:.0f} | {result.errors} | "
                f"{ms(result.latency.median)} | {ms(result.latency.p95)} | {split} | "
                f"{cpu_split} | {per_page:.1f} | {load_start} → {load_end} |"
            )
            log(line)
            lines.append(line)
        print(
            "| workers | users | requests/s | errors | median ms | p95 ms | connections per "
            "worker | CPU s per worker | app CPU ms / page | load (1 min) |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        print("\n".join(lines))
    finally:
        dovecot.stop()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
