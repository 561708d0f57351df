r"""Benchmark: an action in place and opening a message in the preview, against full pages.

Run from the repository root::

    .venv/bin/python -m bench.actions_in_place                   # 100,000-message INBOX
    .venv/bin/python -m bench.actions_in_place --messages 10000  # a quick try

Seeds a private Dovecot like bench.list_pages (same corpus), serves the app with Daphne and, on
one logged-in session whose connection is warm (INBOX selected, folder tree cached), times
``--rounds`` of each (client-observed over loopback, so HTTP and Django overhead included):

- **action POST**: ``POST /actions/`` flag (then unflag) one message of the first page: the
  server's work for the action (UID STORE, the notice, the undo record), answered by a redirect.
- **list page after it**: the GET of the list that the redirect names. In place, lib/inplace.js
  fetches it and swaps the rows, counts and notice; without JavaScript the browser loads it as
  a page. The server's work is the same page either way (one renderer): what in place saves is
  the browser's reload (parsing, scripts, stylesheets, the websocket's reconnect).
- **move + undo**: archive one message, then undo it (two POSTs and their list pages).
- **preview** (``/message/INBOX/<uid>/?pane=1``, a click in the list) against the **message
  page** (``/message/INBOX/<uid>/``, the same message as a full page).
- **navigation** (issue 13's paging, sorting, switching folders in place): the list page that
  lib/inplace.js fetches (``X-Requested-With: fetch``) against the same address loaded as a
  page, alternately: page 1 and 2 of INBOX, INBOX by date and by subject, INBOX and a second
  folder (``--folder-messages``); and a reload of a list address with a message open in the
  preview (``/mail/INBOX/?msg=<uid>``: the list and the message in one page).
- **raw IMAP**, in the same run, before the app starts: ``UID STORE +FLAGS.SILENT`` /
  ``-FLAGS.SILENT (\Flagged)`` on one message, and ``UID MOVE`` to Archive and back, on an
  imapclient connection with INBOX selected: what the server itself needs for the action.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.list_pages import (
    PASSWORD,
    USER,
    Folder,
    Samples,
    csrf_token,
    imap_connect,
    log,
    login,
    ms,
    seed,
)
from tests.support.liveserver import mail_env, run_daphne
from webmail.devmail.dovecot import Dovecot

pc = time.perf_counter


def first_uids(http: httpx.Client) -> list[int]:
    page = http.get("/mail/INBOX/")
    page.raise_for_status()
    text = page.text
    found: list[int] = []
    marker = 'name="uid" value="'
    start = 0
    while len(found) < 3:
        start = text.index(marker, start) + len(marker)
        found.append(int(text[start : text.index('"', start)]))
    return found


def post(http: httpx.Client, path: str, data: dict[str, str]) -> tuple[float, str]:
    t0 = pc()
    response = http.post(path, data={**data, "csrfmiddlewaretoken": csrf_token(http)})
    elapsed = pc() - t0
    if response.status_code != 302:
        raise RuntimeError(f"{path}: HTTP {response.status_code}: {response.text[:500]}")
    return elapsed, response.headers["location"]


#: What lib/inplace.js sends with the list pages it fetches to draw in place.
IN_PLACE = {"X-Requested-With": "fetch"}


def get(http: httpx.Client, path: str, headers: dict[str, str] | None = None) -> float:
    t0 = pc()
    response = http.get(path, headers=headers)
    elapsed = pc() - t0
    response.raise_for_status()
    return elapsed


def raw_imap(dovecot: Dovecot, rounds: int, add: Callable[[str, float], None]) -> None:
    client = imap_connect(dovecot, USER, PASSWORD)
    try:
        if not client.folder_exists("Archive"):
            client.create_folder("Archive")
        client.select_folder("INBOX")
        uid = client.search("ALL")[-1]
        for n in range(rounds):
            change = client.add_flags if n % 2 == 0 else client.remove_flags
            t0 = pc()
            change([uid], [b"\\Flagged"], silent=True)
            add("raw IMAP: UID STORE (flag/unflag)", pc() - t0)
        for _ in range(rounds):
            moved = client.search("ALL")[-2]
            t0 = pc()
            client.move([moved], "Archive")
            client.select_folder("Archive")
            back = client.search("ALL")[-1]
            client.move([back], "INBOX")
            client.select_folder("INBOX")
            add("raw IMAP: MOVE + MOVE back (+2 SELECT, 2 SEARCH)", pc() - t0)
    finally:
        client.logout()


def navigation(
    http: httpx.Client, rounds: int, uid: int, add: Callable[[str, float], None]
) -> None:
    """Paging, sorting and switching folders: in place (the fetch) and as a full page, each
    step alternating between two lists so neither is a repeat of the previous request."""
    steps = {
        "page 1 <-> 2": ("/mail/INBOX/?order=desc&page=2&sort=date", "/mail/INBOX/"),
        "sort date <-> subject": ("/mail/INBOX/?order=asc&sort=subject", "/mail/INBOX/"),
        "folder INBOX <-> Projects": ("/mail/Projects/", "/mail/INBOX/"),
    }
    for name, pair in steps.items():
        for path in pair:  # warm: each list's sorted order is on the connection
            get(http, path)
        # Every request is a change (A, B, A, B...): two in place, then two as pages.
        for n in range(2 * rounds):
            in_place = n % 4 < 2
            seconds = get(http, pair[n % 2], IN_PLACE if in_place else None)
            add(f"{'in place' if in_place else 'full page'}: {name}", seconds)
    for _ in range(rounds):
        add("full page: list + preview (?msg=, a reload)", get(http, f"/mail/INBOX/?msg={uid}"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--folder-messages", type=int, default=2_000)
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="webmail-bench-actions-", dir="/var/tmp"))
    root.chmod(0o755)
    dovecot = Dovecot(root / "dovecot")
    results: dict[str, Samples] = {}

    def add(name: str, seconds: float) -> None:
        results.setdefault(name, Samples()).add(seconds)

    try:
        dovecot.start()
        seed(dovecot, [Folder("INBOX", args.messages), Folder("Projects", args.folder_messages)], 0)
        raw_imap(dovecot, args.rounds, add)
        workdir = root / "app"
        workdir.mkdir()
        with run_daphne(workdir, {**mail_env(dovecot), "LOG_LEVEL": "INFO"}) as server:
            http = login(server.url, USER)
            uid, other, _third = first_uids(http)  # warm: INBOX selected, tree cached
            get(http, f"/message/INBOX/{uid}/?pane=1")
            for n in range(args.rounds):
                action = "flag" if n % 2 == 0 else "unflag"
                form = {
                    "folder": "INBOX",
                    "uid": str(uid),
                    "action": action,
                    "next": "/mail/INBOX/",
                }
                seconds, location = post(http, "/actions/", form)
                add("action POST (flag/unflag)", seconds)
                add("list page after it", get(http, location))
            for _ in range(args.rounds):
                form = {"folder": "INBOX", "uid": str(other), "action": "archive"}
                t0 = pc()
                _s, location = post(http, "/actions/", {**form, "next": "/mail/INBOX/"})
                get(http, location)
                _s, location = post(http, "/actions/undo/", {"next": "/mail/INBOX/"})
                get(http, location)
                add("move + undo (2 POSTs + 2 list pages)", pc() - t0)
                other = first_uids(http)[1]  # the undone message has a new UID
            for _ in range(args.rounds):
                add("preview (?pane=1)", get(http, f"/message/INBOX/{uid}/?pane=1"))
                add("message page (full)", get(http, f"/message/INBOX/{uid}/"))
            navigation(http, args.rounds, uid, add)
            http.close()
        print(
            f"\nActions and message open, INBOX of {args.messages:,}, {args.rounds} rounds (ms)\n"
        )
        print("| request | median | p95 |")
        print("|---|---|---|")
        for name, samples in results.items():
            print(f"| {name} | {ms(samples.median)} | {ms(samples.p95)} |")
        return 0
    finally:
        log("stopping")
        dovecot.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
