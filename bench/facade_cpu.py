"""CPU and wall time of the IMAP facade's hot calls, in-process, against a private Dovecot.

    .venv/bin/python -m bench.facade_cpu [--messages 10000] [--repeat 60]

Seeds user ``bench`` like bench.list_pages (INBOX only), opens one IMAPConnection over STARTTLS
and times, per call, the process CPU (time.process_time: our parsing and bookkeeping, little
disturbed by other jobs on the machine) and the wall-clock time of what the list page, the
search and the message view ask of the facade: list rows (FETCH of 50, the kept rows dropped
first), the sorted order (SORT, the cache dropped first), the folder tree (LIST-STATUS), a
search, sort dates, the message view's two FETCHes, raw messages and a piecewise download.

To compare with another checkout, run this file from that checkout's directory (it imports
the tree it is run from): ``cd ../other && .venv/bin/python /path/to/bench/facade_cpu.py``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000, help="INBOX size (10,000)")
    parser.add_argument("--repeat", type=int, default=60, help="samples per call (60)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path.cwd()))
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webmail.settings")
    import django

    django.setup()
    import importlib

    # The search service's module, in this layout or in checkouts from before the packages.
    try:
        search_module = importlib.import_module("mailview.services.search")
    except ImportError:
        search_module = importlib.import_module("mailview.search")
    SearchQuery = search_module.SearchQuery

    from accounts.servers import MailServer
    from bench.list_pages import PASSWORD, USER, Folder, seed
    from mailview.imap.client import IMAPConnection
    from webmail.devmail.dovecot import Dovecot

    root = Path(tempfile.mkdtemp(prefix="webmail-bench-facade-", dir="/var/tmp"))
    root.chmod(0o755)
    dovecot = Dovecot(root / "dovecot")
    dovecot.start()
    try:
        seed(dovecot, [Folder("INBOX", args.messages)], 0)
        server = MailServer(dovecot.host, dovecot.imap_port, "starttls", str(dovecot.ca_file))
        conn = IMAPConnection.open(server, USER, PASSWORD, 60)
        _state, order, _sorted = conn.sorted_uids("INBOX", "date")
        page = list(reversed(order[-50:]))
        criteria = SearchQuery(folder="INBOX", text="budget").criteria()

        def forget() -> None:
            # This checkout's per-connection cache (conn.cache; conn.memo and conn._sorted before).
            for name in ("cache", "memo", "_sorted"):
                if hasattr(conn, name):
                    getattr(conn, name).clear()

        def rows() -> None:
            conn._rows.clear()
            conn.fetch_summaries(page)

        def sort() -> None:
            forget()
            conn.sorted_uids("INBOX", "date")

        def search() -> None:
            forget()
            conn.search_sorted("INBOX", criteria, "date")

        def dates() -> None:
            forget()
            conn.sort_dates(page)

        fields = ("FROM", "TO", "CC", "SUBJECT", "DATE", "MESSAGE-ID")

        def open_message() -> None:
            if hasattr(conn, "fetch_message"):
                conn.fetch_message(
                    page[0], flags=True, size=True, structure=True, header_fields=fields
                )
                conn.fetch_message(page[0], sections=["1"], piece=(0, 200_000))
            else:  # checkouts before fetch_message: the same two FETCHes
                header = f"BODY.PEEK[HEADER.FIELDS ({' '.join(fields)})]"
                fetch_parts = getattr(conn, "fetch_parts")  # noqa: B009 - absent from this layout
                fetch_parts(page[0], ["FLAGS", "RFC822.SIZE", "BODYSTRUCTURE", header])
                fetch_parts(page[0], ["BODY.PEEK[1]<0.200000>"])

        def download() -> None:
            for _piece in conn.iter_section(page[0], "", 0, 4096):
                pass

        calls: list[tuple[str, Callable[[], object], int]] = [
            ("fetch_summaries (50 rows)", rows, args.repeat),
            (f"sorted_uids ({args.messages:,}, SORT)", sort, max(5, args.repeat // 2)),
            ("list_folders (LIST-STATUS)", lambda: conn.list_folders(), args.repeat),
            ("search_sorted (quick search)", search, max(5, args.repeat // 4)),
            ("sort_dates (50)", dates, args.repeat),
            ("message open (2 FETCH)", open_message, args.repeat),
            ("fetch_raw (10 messages)", lambda: conn.fetch_raw(page[:10]), args.repeat),
            ("iter_section (4 KB pieces)", download, args.repeat),
        ]
        print("| call | CPU median ms | wall median ms |\n|---|---:|---:|")
        for name, fn, repeat in calls:
            fn()
            cpu, wall = [], []
            for _ in range(repeat):
                c, w = time.process_time(), time.perf_counter()
                fn()
                cpu.append(time.process_time() - c)
                wall.append(time.perf_counter() - w)
            cpu_ms, wall_ms = statistics.median(cpu) * 1000, statistics.median(wall) * 1000
            print(f"| {name} | {cpu_ms:.3f} | {wall_ms:.2f} |", flush=True)
        conn.logout()
    finally:
        dovecot.stop()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
