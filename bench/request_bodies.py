"""Request bodies and a worker's memory: one user's warm list page while, on the same Daphne
worker, an anonymous client uploads a 50 MB body to the login page and another user imports a
200 MB mbox.

    .venv/bin/python -m bench.request_bodies [--upload-mb 50] [--import-mb 200] [--pages 40]

1. A private Dovecot with two users (bench.list_pages.seed: a 1,000-message INBOX each), and the
   app served the way it is deployed (`python -m webmail.serve`, one worker).
2. The reader logs in and loads their INBOX list page until warm, then ``--pages`` times: the
   baseline median. The worker's RSS (VmRSS) is read.
3. At the same time: an anonymous client sends a ``--upload-mb`` body to /accounts/login/ (as
   fast as the server reads it), the importer posts a ``--import-mb`` mbox to /folders/import/,
   and the reader loads their page ``--pages`` times. A sampler reads the worker's RSS every
   50 ms. Printed: both medians and their ratio, the upload's outcome, the import's status and
   time, and the worker's peak RSS growth.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench.list_pages import LOAD_PREFIX, Folder, csrf_token, expected_rows, login, seed, timed_page
from bench.workers import serve
from webmail.devmail.dovecot import Dovecot
from webmail.devmail.factories import make_message, message_bytes


def worker_pid(serve_pid: int) -> int:
    children = Path(f"/proc/{serve_pid}/task/{serve_pid}/children").read_text().split()
    return int(children[0])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class PeakRSS:
    """The worker's RSS before and its peak while the ``with`` block runs (sampled in a thread
    every ``interval`` seconds)."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.before = self.peak = rss_mb(pid)
        self._done = threading.Event()
        self._sampler = threading.Thread(target=self._sample)

    def _sample(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(self.interval)

    def __enter__(self) -> PeakRSS:
        self._sampler.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._sampler.join()

    def report(self) -> str:
        return (
            f"worker RSS: {self.before:.0f} MB before, peak {self.peak:.0f} MB "
            f"(+{self.peak - self.before:.0f} MB)"
        )


def write_mbox(path: Path, megabytes: int) -> int:
    """An mbox of ~``megabytes`` MB made of 1 MB messages; returns the message count."""
    body = ("x" * 76 + "\n") * (1024 * 1024 // 77)
    count = 0
    with path.open("wb") as out:
        while out.tell() < megabytes * 1024 * 1024:
            count += 1
            msg = make_message(subject=f"Imported {count}", text=body)
            out.write(b"From bench@example.org Thu Dec  3 10:00:00 2026\n")
            out.write(message_bytes(msg).replace(b"\r\n", b"\n"))
            out.write(b"\n")
    return count


def upload_anonymous(url: str, megabytes: int, result: dict[str, object]) -> None:
    host, port = url.removeprefix("http://").split(":")
    t0 = time.perf_counter()
    sock = socket.create_connection((host, int(port)), timeout=120)
    size = megabytes * 1024 * 1024
    head = (
        "POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: multipart/form-data; boundary=bench\r\n"
        f"Content-Length: {size}\r\n\r\n"
    )
    sent = 0
    piece = b"b" * 65536
    with sock:
        sock.sendall(head.encode())
        try:
            while sent < size:
                sock.sendall(piece)
                sent += len(piece)
        except OSError:
            pass
        try:
            answer = sock.recv(200)
        except OSError:
            answer = b""
    result["upload"] = {
        "status": answer.split(b"\r\n", 1)[0].decode(errors="replace"),
        "body_bytes_sent": sent,
        "seconds": round(time.perf_counter() - t0, 2),
    }


def import_mbox(url: str, user: str, mbox: Path, result: dict[str, object]) -> None:
    client = login(url, user)
    client.get("/folders/import/")
    t0 = time.perf_counter()
    with mbox.open("rb") as handle:
        response = client.post(
            "/folders/import/",
            data={"folder": "INBOX", "csrfmiddlewaretoken": csrf_token(client)},
            files={"files": ("bench.mbox", handle, "application/mbox")},
            timeout=1800,
        )
    result["import"] = {
        "status": response.status_code,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.request_bodies")
    parser.add_argument("--upload-mb", type=int, default=50)
    parser.add_argument("--import-mb", type=int, default=200)
    parser.add_argument("--pages", type=int, default=40)
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="webmail-bench-bodies-", dir="/var/tmp"))
    root.chmod(0o755)
    dovecot = Dovecot(root / "dovecot")
    try:
        dovecot.start()
        seed(dovecot, [Folder("Thousand", 1000)], 2)  # load users: a 1,000-message INBOX
        reader_name, importer_name = f"{LOAD_PREFIX}01", f"{LOAD_PREFIX}02"
        mbox = root / "bench.mbox"
        messages = write_mbox(mbox, args.import_mb)
        workdir = root / "app"
        workdir.mkdir()
        process, url = serve(workdir, dovecot, 1)
        try:
            pid = worker_pid(process.pid)
            reader = login(url, reader_name)
            rows = expected_rows(1000)
            for _ in range(10):
                timed_page(reader, "INBOX", rows)
            baseline = statistics.median(
                timed_page(reader, "INBOX", rows) for _ in range(args.pages)
            )
            result: dict[str, object] = {}
            threads = [
                threading.Thread(target=upload_anonymous, args=(url, args.upload_mb, result)),
                threading.Thread(target=import_mbox, args=(url, importer_name, mbox, result)),
            ]
            with PeakRSS(pid) as memory:
                for thread in threads:
                    thread.start()
                loaded: list[float] = []
                while threads[1].is_alive() or len(loaded) < args.pages:
                    loaded.append(timed_page(reader, "INBOX", rows))
                for thread in threads:
                    thread.join()
            under_load = statistics.median(loaded)
            print(
                f"list page median: {baseline * 1000:.1f} ms alone, "
                f"{under_load * 1000:.1f} ms under load ({under_load / baseline:.2f}x, "
                f"{len(loaded)} pages)"
            )
            print(f"anonymous {args.upload_mb} MB upload: {result.get('upload')}")
            print(f"import of {args.import_mb} MB ({messages} messages): {result.get('import')}")
            print(memory.report())
            reader.close()
        finally:
            process.terminate()
            process.wait(30)
    finally:
        dovecot.stop()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
