"""Where the time of a warm message-list page goes: the view run in-process under cProfile.

    .venv/bin/python -m bench.profile_warm [--messages 100000] [--requests 200] [--search]
        [--same-search]

Seeds a private Dovecot like bench.list_pages (INBOX only), sets Django up in this process
against it (SQLite in a temporary directory), logs in with Django's test client, requests
/mail/INBOX/ once (cold), then profiles ``--requests`` warm requests. Prints the mean time per
request of the main parts (IMAP commands, response parsing, building rows, rendering) and
the top functions. The test client skips HTTP and ASGI, so the total is a little below what
bench.list_pages measures over HTTP.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.corpus import _WORDS
from bench.list_pages import PASSWORD, USER, Folder, seed, wire, wire_connect
from bench.quiet_parts import forget_rows
from webmail.devmail.dovecot import Dovecot

# Functions whose cumulative time is reported (file suffix, function name).
PARTS = [
    ("django/test/client.py", "get", "whole request (test client)"),
    ("mailview/views.py", "mailbox", "view"),
    ("mailview/services.py", "mailbox_page", "services.mailbox_page (all IMAP work)"),
    ("mailview/search.py", "search_page", "search.search_page (all IMAP work)"),
    ("mailview/imap/message_commands.py", "search_sorted", "  search_sorted"),
    ("mailview/imap/connection.py", "select", "  select (NOOP when already selected)"),
    ("mailview/imap/client.py", "sorted_uids", "  sorted_uids (cache hit: no SORT)"),
    ("mailview/imap/client.py", "fetch_summaries", "  fetch_summaries (FETCH 50 + rows)"),
    ("mailview/imap/message_commands.py", "_uid_fetch", "    UID FETCH (I/O + parsing)"),
    ("mailview/imap/blocking.py", "read_records", "      read_records (lines, literals)"),
    ("mailview/imap/protocol/responses.py", "fetch_dicts", "      fetch_dicts (our parser)"),
    ("mailview/imap/values.py", "summary_from_fetch", "    summary_from_fetch (rows)"),
    ("mailview/imap/values.py", "decode_text", "      decode_text"),
    ("mailview/imap/folder_commands.py", "list_folders", "  list_folders (LIST-STATUS)"),
    ("mailview/services/folders.py", "build_tree", "  build_tree"),
    ("django/shortcuts.py", "render", "render (template)"),
    ("accounts/credentials.py", "unseal_password", "unseal_password"),
    ("accounts/middleware.py", "__call__", "UserTimezoneMiddleware (incl. everything below)"),
    ("/ssl.py", "recv_into", "ssl recv_into (decrypting)"),
    ("/ssl.py", "read", "ssl read"),
]


def time_parts(requests: int, request: Callable[[], object]) -> dict[str, list[float]]:
    """Run ``request`` ``requests`` times with timers around the main parts of the page."""
    import django.shortcuts

    from mailview.imap import message_commands
    from mailview.imap.client import IMAPConnection
    from mailview.render import search as search_render
    from mailview.services import mailbox as services
    from mailview.templatetags import mailview as mailview_tags
    from mailview.views import actions as views_actions
    from mailview.views import kept
    from mailview.views import mailbox as views

    per_request: dict[str, float] = {}

    def timed(label: str, fn: Callable[..., object]) -> Callable[..., object]:
        def wrapper(*a: object, **k: object) -> object:
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                per_request[label] = per_request.get(label, 0.0) + time.perf_counter() - t0

        return wrapper

    patches = [
        (views.services, "mailbox_page", "services.mailbox_page (IMAP work, incl. below)"),
        (IMAPConnection, "select", "  select (NOOP)"),
        (IMAPConnection, "list_folders", "  list_folders (LIST-STATUS + parse)"),
        (IMAPConnection, "fetch_summaries", "  fetch_summaries (FETCH + parse + rows)"),
        (message_commands.MessageCommands, "_uid_fetch", "    UID FETCH (FETCH + parse)"),
        (message_commands, "fetch_dicts", "      fetch_dicts (our parser)"),
        (kept, "render_to_string", "render (template; not called for a page served as kept)"),
        (kept, "kept_or_rendered", "kept_or_rendered (page store, incl. render)"),
        (views_actions.search, "search_page", "search.search_page (IMAP work, incl. below)"),
        (IMAPConnection, "search_sorted", "  search_sorted (SORT + parse)"),
        (views_actions, "search_parts", "search page's parts (form, summary, rows)"),
        (search_render, "render_rows", "  rows (inside the parts)"),
        (mailview_tags, "render_rows", "rows of the list"),
        (views_actions, "kept_frame", "search page's kept frame"),
        (views_actions.search.SearchForm, "is_valid", "search form's validation"),
    ]
    originals = [(obj, name, getattr(obj, name)) for obj, name, _ in patches]
    for obj, name, label in patches:
        setattr(obj, name, timed(label, getattr(obj, name)))
    results: dict[str, list[float]] = {"whole request (test client)": []}
    try:
        for _ in range(requests):
            per_request.clear()
            t0 = time.perf_counter()
            request()
            results["whole request (test client)"].append(time.perf_counter() - t0)
            for label, seconds in per_request.items():
                results.setdefault(label, []).append(seconds)
    finally:
        for obj, name, original in originals:
            setattr(obj, name, original)
    del django.shortcuts, services
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sort", default="tottime", help="pstats order of the top list")
    parser.add_argument(
        "--search",
        action="store_true",
        help="profile new quick searches (the box's default, a different word each request, "
        "the rows fetched anew as in bench.quiet_run) instead of the warm list page",
    )
    parser.add_argument(
        "--same-search",
        action="store_true",
        help="profile one quick search asked again and again (its sorted hits and rows kept: "
        "the search page's own work without SORT or FETCH)",
    )
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="webmail-profile-", dir="/var/tmp"))
    root.chmod(0o755)
    dovecot = Dovecot(root / "dovecot")
    try:
        dovecot.start()
        seed(dovecot, [Folder("INBOX", args.messages)], load_users=0)
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": "webmail.settings",
                "DATABASE_URL": f"sqlite:///{root / 'db.sqlite3'}",
                "SECRET_KEY": "profile-secret-key-0123456789-0123456789",
                "ALLOWED_HOSTS": "testserver,127.0.0.1",
                "LOG_LEVEL": "INFO",
                "IMAP_HOST": dovecot.host,
                "IMAP_PORT": str(dovecot.imap_port),
                "IMAP_SECURITY": "starttls",
                "IMAP_CA_FILE": str(dovecot.ca_file),
            }
        )
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import Client

        call_command("migrate", "--noinput", verbosity=0)
        client = Client()
        response = client.post("/accounts/login/", {"username": USER, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        assert client.get("/mail/INBOX/").status_code == 200  # cold
        words = itertools.cycle(sorted(set(_WORDS)))  # more words than kept searches (8)
        first_word = sorted(set(_WORDS))[0]
        touch = wire_connect(dovecot, USER, PASSWORD) if args.search else None
        if touch is not None:  # another connection's flag changes: the app fetches rows anew
            wire(touch, b"SELECT", b"INBOX")
        turns = itertools.count()

        def request() -> int:
            """One warm request; its status code."""
            if args.same_search:
                return client.get(
                    "/search/", {"q": first_word, "folder": "INBOX", "within": "headers"}
                ).status_code
            if touch is not None:  # as bench.quiet_run's search: the box's default, rows anew
                forget_rows(touch, next(turns))
                return client.get("/search/", {"q": next(words), "folder": "INBOX"}).status_code
            return client.get("/mail/INBOX/").status_code

        for _ in range(20):  # warm-up, unprofiled
            request()
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(args.requests):
            request()
        plain = (time.perf_counter() - t0) / args.requests
        cpu = (time.process_time() - c0) / args.requests

        # Wall-clock time of the main parts, without a profiler: wrap them with timers.
        timers = time_parts(args.requests, request)
        # Process CPU time, not wall time: waiting for Dovecot is the raw side's too.
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(args.requests):
            status = request()
        profiler.disable()
        assert status == 200

        stats = pstats.Stats(profiler)
        n = args.requests
        what = (
            "One quick search asked again (headers)"
            if args.same_search
            else "New quick searches (the box's default)"
            if args.search
            else "Warm /mail/INBOX/"
        )
        print(f"\n{what} ({args.messages:,} messages), in-process, {n} requests")
        print(f"mean without profiler: {plain * 1000:.2f} ms per request (wall clock)")
        print(f"process CPU without profiler: {cpu * 1000:.2f} ms per request\n")
        print("wall-clock per request, median (parts timed by wrapping them, no profiler):")
        for label, values in timers.items():
            print(f"  {label:55s} {statistics.median(values) * 1000:7.2f} ms")
        print()
        print("cumulative process CPU per request under cProfile (profiling inflates Python):")
        for suffix, name, label in PARTS:
            total = sum(
                value[3]
                for (filename, _line, func), value in stats.stats.items()  # type: ignore[attr-defined]
                if func == name and filename.endswith(suffix)
            )
            calls = sum(
                value[1]
                for (filename, _line, func), value in stats.stats.items()  # type: ignore[attr-defined]
                if func == name and filename.endswith(suffix)
            )
            print(f"  {label:55s} {total / n * 1000:7.2f} ms  ({calls / n:.1f} calls)")
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
    finally:
        dovecot.stop()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
