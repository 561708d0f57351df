"""Where Daphne's CPU goes while it serves warm message-list pages, or fresh searches (py-spy).

    .venv/bin/pip install py-spy          # once
    .venv/bin/python -m bench.profile_server [--messages 10000] [--seconds 15]

Seeds a private Dovecot (INBOX only), serves the app with Daphne (tests/support/liveserver.py), logs
one
user in, and requests /mail/INBOX/ back to back while ``py-spy record`` samples the Daphne
process (threads holding the GIL only, so the samples are CPU time of Python code, not waiting).
Prints the share of the samples spent under the main parts of a request and the hottest
functions (self time).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import data
from bench.corpus import _WORDS
from bench.list_pages import (
    PASSWORD,
    USER,
    Folder,
    expected_rows,
    login,
    logout,
    seed,
    timed_page,
    wire,
    wire_connect,
)
from bench.quiet_parts import forget_rows, spellings
from tests.support.liveserver import mail_env, run_daphne
from webmail.devmail.dovecot import Dovecot

# (label, substring of a frame "function (file:line)") - a sample counts for a label if any
# frame of its stack matches.
PARTS = [
    ("mailbox view (everything below)", "mailbox (mailview/views/mailbox.py"),
    ("  services.mailbox_page (IMAP work)", "mailbox_page (mailview/services/mailbox.py"),
    ("    NOOP (select)", "select (mailview/imap/connection.py"),
    ("    socket reads (SSL)", "read (ssl.py"),
    ("message view (everything below)", "message (mailview/views/message.py"),
    ("  kept page (lookup, inputs)", "kept_or_rendered (mailview/views/kept.py"),
    ("    request inputs", "request_inputs (mailview/views/kept.py"),
    ("  render (template)", "render (django/shortcuts.py"),
    ("search view (everything below)", "search_results (mailview/views/actions.py"),
    ("  run_search (IMAP work)", "run_search (mailview/services/search.py"),
    ("    SORT answer", "search_sorted (mailview/imap/message_commands.py"),
    ("    rows fetched and parsed", "fetch_summaries (mailview/imap/client.py"),
    ("  rows drawn", "render_rows (mailview/render/rows.py"),
    ("  the page's other parts", "render_to_string (django/template/loader.py"),
    ("  kept frame", "kept_frame (mailview/views/kept.py"),
    ("session load (DB)", "load (django/contrib/sessions/backends/db.py"),
    ("auth user (DB)", "get_user (django/contrib/auth/__init__.py"),
    ("CSRF middleware", "django/middleware/csrf.py"),
    ("messages middleware", "django/contrib/messages/"),
    ("axes middleware", "axes/"),
    ("metrics middleware", "webmail/metrics.py"),
    ("asgiref sync_to_async / thread hop", "asgiref/sync.py"),
    ("Django ASGI handler (request/response)", "django/core/handlers/asgi.py"),
    ("Daphne / Twisted", "twisted/"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--raw", type=Path, help="also copy py-spy's raw stacks here")
    parser.add_argument(
        "--path",
        help="profile GETs of this path instead of the list page (e.g. /message/INBOX/77/?pane=1)",
    )
    parser.add_argument(
        "--cold",
        metavar="FOLDER",
        help="profile the first page of a new session instead: each round logs in, opens FOLDER "
        "(of --data-dir), logs out; the samples include the logins, the mailbox view's share is "
        "the page",
    )
    parser.add_argument(
        "--search",
        action="store_true",
        help="profile fresh quick searches instead: the corpus's words in several spellings, "
        "each a new search to the app, its kept rows forgotten before each (as bench.quiet_run)",
    )
    parser.add_argument(
        "--data-dir", type=Path, help="use the seeded bench.data set 'lists' (its 100k INBOX)"
    )
    args = parser.parse_args()
    py_spy = (
        os.environ.get("PY_SPY")
        or shutil.which("py-spy")
        or str(Path(sys.executable).parent / "py-spy")
    )
    if not Path(py_spy).exists():
        raise SystemExit("py-spy is not installed: .venv/bin/pip install py-spy")

    stack = contextlib.ExitStack()
    root = Path(tempfile.mkdtemp(prefix="webmail-spy-", dir="/var/tmp"))
    root.chmod(0o755)
    dovecot = Dovecot(root / "dovecot")
    try:
        if args.data_dir:
            dovecot = stack.enter_context(data.running(args.data_dir, "lists"))
            args.messages = 100_000
        else:
            dovecot.start()
            seed(dovecot, [Folder("INBOX", args.messages)], load_users=0)
        (root / "app").mkdir()
        with run_daphne(root / "app", {**mail_env(dovecot), "LOG_LEVEL": "INFO"}) as server:
            client = login(server.url, USER)
            rows = expected_rows(args.messages)
            for _ in range(30):
                timed_page(client, "INBOX", rows)
            stop = threading.Event()
            count = 0
            sizes = {f.name: f.count for f in data.DATA_SETS["lists"].folders}
            if args.cold:
                args.messages = sizes[args.cold]  # the folder profiled, for the report
            cold_size = args.messages

            searches = itertools.cycle(
                [form for word in sorted(set(_WORDS)) for form in spellings(word, 6)]
            )
            raw = wire_connect(dovecot, USER, PASSWORD) if args.search else None
            if raw is not None:
                wire(raw, b"SELECT", b"INBOX")

            def one() -> None:
                if raw is not None:
                    forget_rows(raw, count)
                    response = client.get("/search/", params={"q": next(searches)})
                    response.raise_for_status()
                elif args.cold:
                    session = login(server.url, USER)
                    timed_page(session, args.cold, expected_rows(cold_size))
                    logout(session)
                elif args.path:
                    client.get(args.path).raise_for_status()
                else:
                    timed_page(client, "INBOX", rows)

            one()

            def load() -> None:
                nonlocal count
                while not stop.is_set():
                    one()
                    count += 1

            thread = threading.Thread(target=load)
            thread.start()
            out = root / "spy.txt"
            started = time.monotonic()
            subprocess.run(
                [
                    py_spy,
                    "record",
                    "--pid",
                    str(server.process.pid),
                    "--duration",
                    str(args.seconds),
                    "--rate",
                    str(args.rate),
                    "--gil",
                    "--format",
                    "raw",
                    "--output",
                    str(out),
                ],
                check=True,
                capture_output=True,
            )
            stop.set()
            thread.join()
            elapsed = time.monotonic() - started
            logout(client)
            if args.raw:
                shutil.copyfile(out, args.raw)
            report(out.read_text(), count, elapsed, args)
    finally:
        dovecot.stop()
        stack.close()
        shutil.rmtree(root, ignore_errors=True)
    return 0


def report(raw: str, requests: int, elapsed: float, args: argparse.Namespace) -> None:
    stacks: list[tuple[list[str], int]] = []
    for line in raw.splitlines():
        stack, _, n = line.rpartition(" ")
        if stack and n.isdigit():
            stacks.append((stack.split(";"), int(n)))
    total = sum(n for _, n in stacks)
    seconds = total / args.rate
    path = (
        "/search/ (fresh searches)"
        if args.search
        else args.path or f"/mail/{args.cold or 'INBOX'}/"
    )
    print(
        f"\n{requests} {'cold' if args.cold else 'warm'} requests of {path} "
        f"({args.messages:,} messages) in "
        f"{elapsed:.1f} s; {total} GIL-holding samples = {seconds:.1f} s of Python CPU, "
        f"{seconds / max(requests, 1) * 1000:.1f} ms per request\n"
    )
    print(f"{'part':48s} {'share':>7s} {'ms/request':>11s}")
    for label, needle in PARTS:
        hits = sum(count for frames, count in stacks if any(needle in f for f in frames))
        per_request = hits / args.rate / max(requests, 1) * 1000
        print(f"{label:48s} {hits / total:7.1%} {per_request:11.2f}")
    own: collections.Counter[str] = collections.Counter()
    for frames, count in stacks:
        own[frames[-1]] += count
    print(f"\nhottest functions (self time), top {args.top}:")
    for frame, hits in own.most_common(args.top):
        print(f"  {hits / total:6.1%}  {frame}")


if __name__ == "__main__":
    sys.exit(main())
