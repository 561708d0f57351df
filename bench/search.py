"""Benchmark of the quick search: the app over HTTP against raw IMAP, same server, same run.

Run from the repository root (as root: the Maildirs are chowned to the mail user)::

    .venv/bin/python -m bench.search                     # 100,000-message INBOX
    .venv/bin/python -m bench.search --messages 5000     # a quick try
    .venv/bin/python -m bench.search --fts               # Dovecot with Xapian full-text search

``--within default`` (the default) sends no ``within``: the app's quick box then looks where it
does on this server (subject and sender without a full-text index, everything with one), and the
raw side sends the same criteria. ``--fts`` starts Dovecot with webmail/devmail/fts.py's config;
the seeding's ``doveadm index`` then builds the Xapian index too.

1. Starts a private Dovecot and seeds user ``bench`` with an INBOX of ``--messages`` realistic
   messages (bench.corpus, written straight into the Maildir, indexed once), as bench.list_pages.
2. Picks ``--rounds`` different words of the corpus (a different one per round: the app keeps
   a search's result per connection for paging, and a repeated word would be served from it).
   One untimed pass of every search first, so Dovecot's caches and the page cache are warm for
   both sides.
3. For each word, alternately raw first or app first:
   - raw IMAP on one logged-in connection with INBOX selected: ``UID SORT (DATE) UTF-8``
     with the app's quick-search criteria (OR OR OR SUBJECT w FROM w TO w BODY w), then
     ``UID FETCH`` of the newest 50 with the list's items: the IMAP work of the app's search
     page (the rows parsed by our parser, as the app parses them); the same two commands
     read off the wire and not parsed; and the same criteria as a plain ``UID SEARCH`` (the
     server's search cost alone). Raw IMAP runs on our blocking driver (mailview.imap.blocking)
     without the facade;
   - the app: ``GET /search/?q=w&folder=INBOX`` in a logged-in session (httpx, keep-alive,
     client-observed, so HTTP + ASGI + Django + rendering are included).
4. Reports medians and p95; app overhead = app median - raw SORT+FETCH median.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

import httpx

from bench.corpus import _WORDS
from bench.list_pages import (
    PAGE_SIZE,
    PASSWORD,
    USER,
    Folder,
    Samples,
    http_floor,
    log,
    login,
    machine,
    ms,
    pc,
    row_items,
    seed,
    wire,
    wire_connect,
)
from mailview.imap.blocking import BlockingIMAP
from mailview.imap.protocol.commands import sequence_set
from mailview.imap.protocol.responses import Data, fetch_dict, parse_response
from mailview.imap.protocol.syntax import Record
from tests.support.liveserver import mail_env, run_daphne
from webmail.devmail.dovecot import Dovecot
from webmail.devmail.fts import XAPIAN_FTS

ROW_MARK = b'<tr class="row'
BR = "  "  # a markdown line break


# mailview.services.search.WITHIN_KEYS (not imported: that module needs Django's settings).
WITHIN_KEYS = {
    "subject": ["SUBJECT"],
    "sender": ["SUBJECT", "FROM"],
    "headers": ["SUBJECT", "FROM", "TO"],
    "all": ["SUBJECT", "FROM", "TO", "BODY"],
}


def default_within(indexed: bool) -> str:
    return "all" if indexed else "sender"


WITHIN = "all"  # what the app's box looks in for this run (a WITHIN_KEYS key)
ASK_WITHIN = ""  # the within= sent to the app ("" = the server's default)


def quick(word: str) -> list[bytes]:
    """The app's quick-search criteria for WITHIN (as SearchQuery.criteria builds them)."""
    quoted = b'"' + word.encode() + b'"'
    fields = WITHIN_KEYS[WITHIN]
    keys: list[bytes] = [b"OR"] * (len(fields) - 1)
    for field in fields:
        keys += [field.encode(), quoted]
    return keys


def sorted_hits(responses: list[list[Record]], name: bytes) -> list[int]:
    """The numbers of ``* SORT ...`` / ``* SEARCH ...`` (split, not parsed further)."""
    out: list[int] = []
    for records in responses:
        line = records[0]
        if isinstance(line, bytes) and line.startswith(b"* " + name):
            out.extend(int(x) for x in line.split()[2:])
    return out


def fetch_rows(imap: BlockingIMAP, uids: list[int]) -> int:
    """UID FETCH of the list's items for ``uids``, parsed by our parser; rows parsed."""
    rows = 0
    for records in wire(imap, b"UID", b"FETCH", sequence_set(uids), row_items(imap)):
        response = parse_response(records)
        if isinstance(response, Data) and response.kind == "FETCH":
            fetch_dict(response)
            rows += 1
    return rows


def raw_search(imap: BlockingIMAP, word: str) -> tuple[float, float, int]:
    """(SORT + FETCH seconds, SEARCH seconds, hits)."""
    t0 = pc()
    uids = sorted_hits(wire(imap, b"UID", b"SORT", b"(DATE)", b"UTF-8", *quick(word)), b"SORT")
    newest = list(reversed(uids[-PAGE_SIZE:]))
    if newest:
        fetch_rows(imap, newest)
    t1 = pc()
    wire(imap, b"UID", b"SEARCH", b"CHARSET", b"UTF-8", *quick(word))
    t2 = pc()
    return t1 - t0, t2 - t1, len(uids)


def raw_wire(imap: BlockingIMAP, word: str) -> float:
    """SORT + FETCH of the newest 50 on the wire: the server's answers read and framed, none of
    them parsed (only the SORT line split for the UIDs to fetch)."""
    t0 = pc()
    uids = sorted_hits(wire(imap, b"UID", b"SORT", b"(DATE)", b"UTF-8", *quick(word)), b"SORT")
    newest = list(reversed(uids[-PAGE_SIZE:]))
    if newest:
        wire(imap, b"UID", b"FETCH", sequence_set(newest), row_items(imap))
    return pc() - t0


def raw_page(imap: BlockingIMAP, newest: list[int]) -> float:
    """NOOP + UID FETCH of ``newest`` (NOOP alone for none)."""
    t0 = pc()
    wire(imap, b"NOOP")
    if newest:
        fetch_rows(imap, newest)
    return pc() - t0


def newest_uids(imap: BlockingIMAP, word: str) -> list[int]:
    uids = sorted_hits(wire(imap, b"UID", b"SORT", b"(DATE)", b"UTF-8", *quick(word)), b"SORT")
    return list(reversed(uids[-PAGE_SIZE:]))


def app_search(client: httpx.Client, word: str, hits: int) -> float:
    return app_search_timed(client, word, hits)[0]


def app_search_timed(
    client: httpx.Client, word: str, hits: int, folder: str = "INBOX"
) -> tuple[float, float | None]:
    """(seconds the search page took, seconds of it in IMAP commands as its Server-Timing
    header says: None unless the app runs with WEBMAIL_SERVER_TIMING)."""
    t0 = pc()
    params = {"q": word, "folder": folder}
    if ASK_WITHIN:
        params["within"] = ASK_WITHIN
    response = client.get("/search/", params=params)
    elapsed = pc() - t0
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code}: {response.text[:500]}")
    rows = response.content.count(ROW_MARK)
    if rows != min(PAGE_SIZE, hits):
        raise RuntimeError(f"{rows} rows for {word!r}, expected {min(PAGE_SIZE, hits)}")
    imap = re.search(r"\bimap;dur=([\d.]+)", response.headers.get("server-timing", ""))
    return elapsed, float(imap.group(1)) / 1000 if imap else None


def row(samples: Samples) -> str:
    return f"{ms(samples.median)} | {ms(samples.p95)}"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000, help="INBOX size (100,000)")
    parser.add_argument("--rounds", type=int, default=30, help="different words searched (30)")
    parser.add_argument(
        "--within",
        choices=["default", *WITHIN_KEYS],
        default="default",
        help="what the quick box looks in (default: the app's default for the server)",
    )
    parser.add_argument(
        "--fts", action="store_true", help="Dovecot with Xapian full-text search (fts.py)"
    )
    parser.add_argument("--output", type=Path, help="also write the markdown block here")
    parser.add_argument(
        "--root", type=Path, help="keep the server's files here; reuse them if already seeded"
    )
    args = parser.parse_args(argv)
    args.command = " ".join(
        [
            ".venv/bin/python -m bench.search",
            *map(shlex.quote, sys.argv[1:] if argv is None else argv),
        ]
    )
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    global WITHIN, ASK_WITHIN
    ASK_WITHIN = "" if args.within == "default" else args.within
    WITHIN = ASK_WITHIN or default_within(args.fts)
    words = sorted(set(_WORDS))[: args.rounds]
    if args.root:  # kept (and reused when already seeded with as many messages)
        root = args.root.absolute()
        root.mkdir(parents=True, exist_ok=True)
    else:
        root = Path(tempfile.mkdtemp(prefix="webmail-bench-search-", dir="/var/tmp"))
    root.chmod(0o755)
    marker = root / f"seeded-{args.messages}-{'fts' if args.fts else 'plain'}"
    dovecot = Dovecot(root / "dovecot", extra_config=XAPIAN_FTS if args.fts else "")
    info = machine()
    load_start = info.get("loadavg", "?")
    raw_total, raw_search_only, app, paired = Samples(), Samples(), Samples(), Samples()
    unparsed, paired_wire = Samples(), Samples()
    # The same page again: the search result is kept per connection, so this is the app's
    # own work (HTTP, Django, NOOP + FETCH of 50 rows, rendering) without the server's search.
    app_again, raw_again, raw_noop = Samples(), Samples(), Samples()
    hits: dict[str, int] = {}
    try:
        dovecot.start()
        t0 = pc()
        if marker.exists():
            dovecot.add_user(USER, PASSWORD)
            log(f"reusing the seeded mailbox in {root}")
        else:
            seed(dovecot, [Folder("INBOX", args.messages)], 0)
            marker.write_text("seeded\n")
        seeding = pc() - t0
        log(f"seeded {args.messages:,} in {seeding:.1f} s")
        imap = wire_connect(dovecot, USER, PASSWORD)
        wire(imap, b"SELECT", b"INBOX")
        t0 = pc()
        for word in words:
            hits[word] = raw_search(imap, word)[2]
        log(f"warm-up pass over {len(words)} words: {pc() - t0:.1f} s")
        workdir = root / "app"
        shutil.rmtree(workdir, ignore_errors=True)  # a kept --root holds the last run's
        workdir.mkdir()
        with run_daphne(workdir, {**mail_env(dovecot), "LOG_LEVEL": "INFO"}) as server:
            floor = http_floor(server.url, 40)
            client = login(server.url, USER)
            client.get("/mail/INBOX/").raise_for_status()  # the session's connection is warm
            client.get("/search/", params={"q": "warm-up-word", "folder": "INBOX"})
            for i, word in enumerate(words):
                if i % 2:
                    app.add(app_search(client, word, hits[word]))
                total, alone, _n = raw_search(imap, word)
                raw_total.add(total)
                raw_search_only.add(alone)
                if not i % 2:
                    app.add(app_search(client, word, hits[word]))
                paired.add(app.values[-1] - total)
                unparsed.add(raw_wire(imap, word))
                paired_wire.add(app.values[-1] - unparsed.values[-1])
                app_again.add(app_search(client, word, hits[word]))
                raw_again.add(raw_page(imap, newest_uids(imap, word)))
                raw_noop.add(raw_page(imap, []))
                log(
                    f"{word!r}: {hits[word]:,} hits; raw SORT+FETCH {ms(total)} ms, "
                    f"SEARCH {ms(alone)} ms, app {ms(app.values[-1])} ms"
                )
            client.close()
        imap.close()
        with contextlib.suppress(OSError):
            info["loadavg_end"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        overhead = app.median - raw_total.median
        title = f"`--within {args.within}`" + (" `--fts`" if args.fts else "")
        fts_text = (
            " + Xapian FTS (webmail/devmail/fts.py), index built by `doveadm index` while seeding"
            if args.fts
            else ", no full-text index"
        )
        report = f"""\
### Results: {args.messages:,}-message INBOX, {len(words)} different words, {title}

Command: `{args.command}`{BR}
Dovecot: the benchmark's config (webmail/devmail/dovecot_config.py){fts_text}; the box looked
in {" / ".join(WITHIN_KEYS[WITHIN])} (`within={WITHIN}`); seeding {seeding:.0f} s.{BR}
Load average (1, 5, 15 min) at the start: {load_start}; at the end: {info.get("loadavg_end", "?")}.

| | median ms | p95 ms |
|---|---|---|
| raw `UID SEARCH` (server's search alone) | {row(raw_search_only)} |
| raw `UID SORT (DATE)` with the criteria + `UID FETCH` of 50 rows | {row(raw_total)} |
| the same on the wire (answers read, not parsed) | {row(unparsed)} |
| app `GET /search/?q=…` (client-observed, HTTP included) | {row(app)} |
| HTTP floor (small static file) | {row(floor)} |
| app, the same search page again (result kept: no SEARCH) | {row(app_again)} |
| raw `NOOP` + `UID FETCH` of the same 50 rows | {row(raw_again)} |
| raw `NOOP` alone | {row(raw_noop)} |

App overhead over the raw SORT + FETCH: **{ms(overhead)} ms** (difference of the medians;
target ≤ 10 ms); median of the per-word differences {ms(paired.median)} ms; over the plain
SEARCH: {ms(app.median - raw_search_only.median)} ms. Over the same SORT + FETCH on the wire
(nothing parsed): {ms(app.median - unparsed.median)} ms (per word
{ms(paired_wire.median)} ms). The same page again: the connection keeps the result and the rows,
so the app's only IMAP command is a NOOP; the app takes {ms(app_again.median)} ms, its own work
(HTTP, Django, rendering) about {ms(app_again.median - raw_noop.median)} ms beyond the NOOP.
Hits per word: {min(hits.values()):,} to {max(hits.values()):,}.

Machine: {info.get("cpu", "?")}, {info.get("cpus", "?")} CPUs, {info.get("ram", "?")};
{info.get("dovecot", "Dovecot ?")}; Python {info.get("python", "?")}; commit
{info.get("commit", "?")}; load average at the end {info.get("loadavg_end", "?")}.
"""
        print(report)
        if args.output:
            args.output.write_text(report)
    finally:
        dovecot.stop()
        if not args.root:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
