"""The quick search (headers) through the IMAP facade against imapclient's raw SORT, interleaved.

    .venv/bin/python bench/search_facade.py        (from the root of any checkout)

Seeds a private Dovecot with a 100,000-message INBOX and, for 10 words x 3 rounds, times
`IMAPConnection.search_sorted` (the connection's cache emptied first) and the same SORT sent by
imapclient on a second connection, one right after the other; prints the medians and the median
of the per-word differences. It also runs in checkouts from before the IMAP protocol core, so
one machine state gives before/after figures.
"""

from __future__ import annotations

import importlib
import os
import ssl
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

WORDS = ("budget", "meeting", "report", "project", "invoice", "update", "review", "team", "plan")


def forget_all(conn: Any) -> None:
    """Empty the connection's cache: conn.cache now, conn.memo in older checkouts."""
    if hasattr(conn, "cache"):
        conn.cache.clear()
    else:
        conn.memo.clear()


def main() -> int:
    sys.path.insert(0, str(Path.cwd()))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webmail.settings")
    import django

    django.setup()
    import imapclient

    from accounts.servers import MailServer
    from bench.list_pages import PASSWORD, USER, Folder, seed
    from mailview.imap.client import IMAPConnection
    from webmail.devmail.dovecot import Dovecot

    try:
        search = importlib.import_module("mailview.services.search")
    except ImportError:  # checkouts before the package layout
        search = importlib.import_module("mailview.search")

    root = Path(tempfile.mkdtemp(prefix="webmail-bench-search-", dir="/var/tmp"))
    root.chmod(0o755)
    dovecot = Dovecot(root / "dovecot")
    dovecot.start()
    try:
        seed(dovecot, [Folder("INBOX", 100_000)], 0)
        server = MailServer(dovecot.host, dovecot.imap_port, "starttls", str(dovecot.ca_file))
        conn = IMAPConnection.open(server, USER, PASSWORD, 120)
        raw = imapclient.IMAPClient(dovecot.host, port=dovecot.imap_port, ssl=False, timeout=120)
        raw.starttls(ssl.create_default_context(cafile=str(dovecot.ca_file)))
        raw.login(USER, PASSWORD)
        raw.select_folder("INBOX")
        app_ms: list[float] = []
        raw_ms: list[float] = []
        hits: list[int] = []
        for _round in range(3):
            for word in WORDS:
                try:  # subject, from and to; older checkouts had body=False for it
                    query = search.SearchQuery(folder="INBOX", text=word, within="headers")
                except TypeError:
                    query = search.SearchQuery(folder="INBOX", text=word, body=False)
                criteria = query.criteria()
                forget_all(conn)
                t0 = time.perf_counter()
                _state, uids, _sorted = conn.search_sorted("INBOX", criteria, "date")
                app_ms.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                raw.sort(["DATE"], ["OR", "OR", "SUBJECT", word, "FROM", word, "TO", word])
                raw_ms.append((time.perf_counter() - t0) * 1000)
                hits.append(len(uids))
        diffs = [a - b for a, b in zip(app_ms, raw_ms, strict=True)]
        print(
            f"hits {min(hits)}-{max(hits)};"
            f" search_sorted median {statistics.median(app_ms):.1f} ms;"
            f" imapclient SORT median {statistics.median(raw_ms):.1f} ms;"
            f" median per-word difference {statistics.median(diffs):.1f} ms"
        )
    finally:
        dovecot.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
