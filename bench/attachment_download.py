"""Benchmark: downloading a 50 MB attachment through the app, and the worker's memory.

Run from the repository root::

    .venv/bin/python -m bench.attachment_download              # 50 MB
    .venv/bin/python -m bench.attachment_download --mb 10      # a quick try

A message with one base64 attachment of ``--mb`` MB of random bytes is written into a private
Dovecot's Maildir; the app is served by Daphne; a logged-in httpx client streams
``/message-part/INBOX/<uid>/2/`` ``--rounds`` times over loopback, checking every byte, then
"download all" (``/message-zip/``, the same attachment zipped) ``--zip-rounds`` times. The
Daphne process's resident memory (VmRSS) is sampled every 10 ms: the figure is the peak during
the downloads minus the value just before the first one (after one small warm-up request).
The load average before and after is printed: the machine may be shared.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import os
import shutil
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.list_pages import PASSWORD, USER, log, login
from tests.support.liveserver import mail_env, run_daphne
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


def load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--zip-rounds", type=int, default=3, help="rounds of 'download all'")
    args = parser.parse_args(argv)
    data = os.urandom(args.mb * 1024 * 1024)
    digest = hashlib.sha256(data).hexdigest()
    root = Path(tempfile.mkdtemp(prefix="webmail-bench-att-", dir="/var/tmp"))
    root.chmod(0o755)
    dovecot = Dovecot(root / "dovecot")
    load_before = load()
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

            def timed(path: str, check: Callable[[bytes], bool] | None) -> tuple[float, int]:
                """Stream `path`; (MB/s, peak worker RSS in kB). Bytes are hashed as they come,
                or, for the zip, kept and checked by `check`."""
                peak[0] = rss_kb(pid)
                h = hashlib.sha256()
                kept = bytearray() if check else None
                size = 0
                t0 = pc()
                with http.stream("GET", path) as response:
                    response.raise_for_status()
                    for chunk in response.iter_bytes():
                        if kept is None:
                            h.update(chunk)
                        else:
                            kept += chunk
                        size += len(chunk)
                elapsed = pc() - t0
                if check is None:
                    assert size == len(data) and h.hexdigest() == digest, (size, len(data))
                else:
                    assert check(bytes(kept or b"")), path
                rate = size / elapsed / 1e6
                log(
                    f"{path}: {size / 1e6:.1f} MB in {elapsed:.2f} s: {rate:.0f} MB/s, "
                    f"worker RSS peak {peak[0] / 1024:.1f} MB"
                )
                return rate, peak[0]

            def zip_ok(body: bytes) -> bool:
                with zipfile.ZipFile(io.BytesIO(body)) as archive:
                    entry = archive.read("big.bin")
                return hashlib.sha256(entry).hexdigest() == digest

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            try:
                parts = [timed("/message-part/INBOX/1/2/", None) for _ in range(args.rounds)]
                zips = [timed("/message-zip/INBOX/1/", zip_ok) for _ in range(args.zip_rounds)]
            except Exception:
                print(server.log()[-5000:])
                raise
            finally:
                stop.set()
                sampler.join()
            after = rss_kb(pid)
            http.close()
        print(f"\nAttachment download, {args.mb} MB (load average {load_before} -> {load()})\n")
        print("| download | rounds | median rate | min rate | worker RSS before | peak | growth |")
        print("|---|---|---|---|---|---|---|")
        for name, results in (("attachment", parts), ("all as zip", zips)):
            if not results:
                continue
            rates = sorted(rate for rate, _ in results)
            top = max(p for _, p in results)
            print(
                f"| {name} | {len(results)} | {rates[len(rates) // 2]:.0f} MB/s "
                f"| {rates[0]:.0f} MB/s | {before / 1024:.1f} MB | {top / 1024:.1f} MB "
                f"| {(top - before) / 1024:.1f} MB |"
            )
        print(f"\nWorker RSS after the downloads: {after / 1024:.1f} MB")
        return 0
    finally:
        dovecot.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
