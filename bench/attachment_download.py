"""Benchmark: downloading a 50 MB attachment through the app, and the worker's memory.

Run from the repository root::

    .venv/bin/python -m bench.attachment_download              # 50 MB
    .venv/bin/python -m bench.attachment_download --mb 10      # a quick try

A message with one base64 attachment of ``--mb`` MB of random bytes is written into a private
Dovecot's Maildir; the app is served by Daphne; a logged-in httpx client streams
``/message-part/INBOX/<uid>/2/`` ``--rounds`` times over loopback, checking every byte. The
Daphne process's resident memory (VmRSS) is sampled every 10 ms: the figure is the peak during
the downloads minus the value just before the first one (after one small warm-up request).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import shutil
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.list_pages import PASSWORD, USER, log, login
from tests.liveserver import mail_env, run_daphne
from webmail.devmail.dovecot import Dovecot
from webmail.devmail.maildir import index_folder, write_maildir

pc = time.perf_counter


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def message(data: bytes) -> bytes:
    body = base64.encodebytes(data)
    return (
        b"From: Bench <bench@example.org>\r\nTo: bench@example.org\r\nSubject: Big file\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        b"--XX\r\nContent-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="big.bin"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + body.replace(b"\n", b"\r\n") + b"--XX--\r\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    data = os.urandom(args.mb * 1024 * 1024)
    digest = hashlib.sha256(data).hexdigest()
    root = Path(tempfile.mkdtemp(prefix="webmail-bench-att-", dir="/var/tmp"))
    root.chmod(0o755)
    dovecot = Dovecot(root / "dovecot")
    try:
        dovecot.start()
        dovecot.add_user(USER, PASSWORD)
        write_maildir(dovecot.maildir(USER), "INBOX", [(message(data), datetime.now(UTC), "S")])
        index_folder(dovecot, USER, "INBOX")
        workdir = root / "app"
        workdir.mkdir()
        with run_daphne(workdir, {**mail_env(dovecot), "LOG_LEVEL": "INFO"}) as server:
            pid = server.process.pid
            http = login(server.url, USER)
            http.get("/message/INBOX/1/?pane=1").raise_for_status()
            before = rss_kb(pid)
            peak = [before]
            stop = threading.Event()

            def sample() -> None:
                while not stop.is_set():
                    peak[0] = max(peak[0], rss_kb(pid))
                    time.sleep(0.01)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            rates = []
            round_peaks = []
            for _ in range(args.rounds):
                peak[0] = rss_kb(pid)
                h = hashlib.sha256()
                size = 0
                t0 = pc()
                with http.stream("GET", "/message-part/INBOX/1/2/") as response:
                    response.raise_for_status()
                    for chunk in response.iter_bytes():
                        h.update(chunk)
                        size += len(chunk)
                elapsed = pc() - t0
                assert size == len(data) and h.hexdigest() == digest, (size, len(data))
                rates.append(size / elapsed / 1e6)
                round_peaks.append(peak[0])
                log(
                    f"{size / 1e6:.1f} MB in {elapsed:.2f} s: {rates[-1]:.0f} MB/s, "
                    f"worker RSS peak {peak[0] / 1024:.1f} MB"
                )
            stop.set()
            sampler.join()
            peak[0] = max(round_peaks)
            after = rss_kb(pid)
            http.close()
        rates.sort()
        print(f"\nAttachment download, {args.mb} MB, {args.rounds} rounds\n")
        print("| median rate | min rate | worker RSS before | peak | growth | after |")
        print("|---|---|---|---|---|---|")
        print(
            f"| {rates[len(rates) // 2]:.0f} MB/s | {rates[0]:.0f} MB/s | {before / 1024:.1f} MB "
            f"| {peak[0] / 1024:.1f} MB | {(peak[0] - before) / 1024:.1f} MB "
            f"| {after / 1024:.1f} MB |"
        )
        return 0
    finally:
        dovecot.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
