"""Benchmark: opening a message in a 100,000-message folder, app over HTTP against raw IMAP.

Run from the repository root::

    .venv/bin/python -m bench.message_open                     # 100,000-message INBOX
    .venv/bin/python -m bench.message_open --messages 5000     # a quick try

Seeds a private Dovecot like bench.list_pages (same corpus), picks a plain-text message and a
multipart/alternative (HTML) message near the end of INBOX, serves the app with Daphne and, on
one logged-in session whose connection is warm (INBOX selected), times ``--rounds`` GETs of
each message's preview (``/message/INBOX/<uid>/?pane=1``, what a click in the list loads) and,
for the HTML message, of its sandboxed frame (``/message-frame/...``). The first open of each
message (which also stores \\Seen) is timed on its own. Raw IMAP: the same FETCH commands the app
sends (FLAGS RFC822.SIZE BODYSTRUCTURE + header fields; the body parts with BODY.PEEK) on an
open imapclient connection with INBOX selected.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.list_pages import (
    PASSWORD,
    USER,
    Folder,
    Samples,
    imap_connect,
    log,
    login,
    ms,
    seed,
)
from mailview.mime.parse import HEADER_FIELDS, MAX_TEXT_BYTES, parse_bodystructure, plan
from tests.support.liveserver import mail_env, run_daphne
from webmail.devmail.dovecot import Dovecot

pc = time.perf_counter


def pick_messages(dovecot: Dovecot) -> dict[str, tuple[int, list[str]]]:
    """A plain and an HTML message among the newest, with the sections the view fetches."""
    client = imap_connect(dovecot, USER, PASSWORD)
    try:
        uidnext = int(client.select_folder("INBOX")[b"UIDNEXT"])
        # The newest 200 by UID (SEARCH ALL of a million is one line imaplib refuses).
        uids = client.search(["UID", f"{max(1, uidnext - 200)}:*"])[-200:]
        found: dict[str, tuple[int, list[str]]] = {}
        for uid, data in client.fetch(uids, ["BODYSTRUCTURE"]).items():
            root = parse_bodystructure(data[b"BODYSTRUCTURE"])
            sections = [p.section for p in plan(root).bodies]
            kind = "html" if root.mimetype == "multipart/alternative" else None
            if root.mimetype == "text/plain":
                kind = "plain"
            if kind and kind not in found:
                found[kind] = (uid, sections)
        return found
    finally:
        client.logout()


FIELD_NAMES = " ".join(HEADER_FIELDS)


def raw_open(client, uid: int, sections: list[str]) -> float:  # noqa: ANN001
    t0 = pc()
    client.noop()
    client.fetch(
        [uid],
        [
            "FLAGS",
            "RFC822.SIZE",
            "BODYSTRUCTURE",
            f"BODY.PEEK[HEADER.FIELDS ({' '.join(HEADER_FIELDS)})]",
        ],
    )
    client.fetch([uid], [f"BODY.PEEK[{s}]<0.{MAX_TEXT_BYTES}>" for s in sections])
    return pc() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="webmail-bench-open-", dir="/var/tmp"))
    root.chmod(0o755)
    dovecot = Dovecot(root / "dovecot")
    try:
        dovecot.start()
        seed(dovecot, [Folder("INBOX", args.messages)], 0)
        picked = pick_messages(dovecot)
        log(f"messages: {picked}")

        raw: dict[str, Samples] = {}
        client = imap_connect(dovecot, USER, PASSWORD)
        client.select_folder("INBOX")
        for kind, (uid, sections) in picked.items():
            raw_open(client, uid, sections)
            raw[kind] = Samples()
            for _ in range(args.rounds):
                raw[kind].add(raw_open(client, uid, sections))
        client.logout()

        workdir = root / "app"
        workdir.mkdir()
        results: dict[str, Samples] = {}
        first: dict[str, float] = {}
        with run_daphne(workdir, {**mail_env(dovecot), "LOG_LEVEL": "INFO"}) as server:
            http = login(server.url, USER)
            http.get("/mail/INBOX/").raise_for_status()  # warm: INBOX selected, tree cached
            for kind, (uid, sections) in picked.items():
                url = f"/message/INBOX/{uid}/?pane=1"
                t0 = pc()
                response = http.get(url)
                first[kind] = pc() - t0
                response.raise_for_status()
                results[kind] = Samples()
                for _ in range(args.rounds):
                    t0 = pc()
                    response = http.get(url)
                    results[kind].add(pc() - t0)
                    assert response.status_code == 200 and b'class="subject"' in response.content
                if kind == "html":
                    frame = f"/message-frame/INBOX/{uid}/{sections[0]}/"
                    http.get(frame).raise_for_status()
                    results["html frame"] = Samples()
                    for _ in range(args.rounds):
                        t0 = pc()
                        response = http.get(frame)
                        results["html frame"].add(pc() - t0)
                        assert response.status_code == 200
            http.close()

        print(f"\nMessage open, INBOX of {args.messages:,} messages, {args.rounds} rounds (ms)\n")
        print("| message | app median | app p95 | first open (+STORE \\Seen) | raw IMAP median |")
        print("|---|---|---|---|---|")
        for kind, samples in results.items():
            base = kind.split()[0]
            raw_median = ms(raw[base].median) if kind == base else "–"
            first_open = ms(first[kind]) if kind in first else "–"
            print(
                f"| {kind} | {ms(samples.median)} | {ms(samples.p95)} | {first_open} "
                f"| {raw_median} |"
            )
        return 0
    finally:
        dovecot.stop()
        import shutil

        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
