"""Benchmark of the message-list page: app over HTTP against raw IMAP, and under 50 users.

Run from the repository root::

    .venv/bin/python -m bench.list_pages                      # 100,000-message INBOX
    .venv/bin/python -m bench.list_pages --messages 5000      # a quick try

What it does, in one run (see docs/benchmarks.md for the figures and how to read them):

1. Starts a private Dovecot 2.3 under /var/tmp and seeds user ``bench`` by writing Maildir
   files directly: INBOX (``--messages``, default 100,000), ``Ten`` (10,000) and ``Thousand``
   (1,000) realistic messages (bench.corpus), then lets Dovecot index each folder once
   (``doveadm index``) and warms its sort cache with one SORT and one FETCH per folder, so that
   everything measured is steady state. ``--users`` more users (default 50) get a 1,000-message
   INBOX each (hard links to the ``Thousand`` files: same content, their own Dovecot index).
2. Raw IMAP: on an open imapclient connection just logged in (STARTTLS, as the app connects;
   the login is not timed), the time of SELECT + UID SORT (REVERSE DATE) + UID FETCH of the
   first 50 UIDs with the items the app fetches (ROW_FETCH_ITEMS): the IMAP work of the app's
   cold page, whose connection also comes straight from LOGIN. ``--rounds`` times per folder.
   Also split per command, the same on the wire (our blocking driver, mailview.imap.blocking:
   the answers read and framed, not parsed), the three commands repeated on one long-open
   connection (re-SELECT), and the IMAP work of a warm app page (NOOP + LIST-STATUS + FETCH,
   the rows parsed by our parser as the app parses them) for reference.
3. App over HTTP: the app served by Daphne (tests/support/liveserver.py), driven with httpx over
   loopback with keep-alive. Times are client-observed, so they include HTTP, ASGI and Django
   overhead besides the IMAP work. Cold: a new session (fresh client: GET the login form, POST
   the credentials; not timed; the redirect is not followed) and its first GET of
   /mail/<folder>/; the login's IMAP connection is adopted by the pool, so the cold page runs
   SELECT + SORT + FETCH but no LOGIN. After the warm requests the session logs out, which ends
   the login's pooled connections; that the cold page really starts on a fresh connection is
   checked with ``doveadm who`` (exactly one IMAP connection of the user before the cold GET,
   none after the logout). Warm: ``--warm`` more GETs of the same page in the same session.
4. Concurrency: ``--users`` users log in (one httpx client each) and all request their INBOX
   list page at once in a loop for ``--duration`` seconds (asyncio); requests per second,
   errors, latency; the same loop with one user as the serial baseline; and an interference
   probe: one user's warm pages while another user opens cold 100k-INBOX pages.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import platform
import resource
import shlex
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import httpx
import imapclient

from bench.corpus import generate
from bench.wire_http import Reply, WireSession
from mailview.imap.blocking import BlockingIMAP
from mailview.imap.client import ROW_FETCH_ITEMS
from mailview.imap.endpoint import Endpoint
from mailview.imap.protocol.commands import Argument, sequence_set
from mailview.imap.protocol.responses import Data, fetch_dict, parse_response
from mailview.imap.protocol.syntax import Record
from mailview.imap.values import row_fetch_argument
from tests.support.liveserver import mail_env, run_daphne
from webmail.devmail.dovecot import Dovecot
from webmail.devmail.maildir import folder_path, index_folder, write_maildir

USER = "bench"
PASSWORD = "bench-password"
LOAD_PREFIX = "load"
PAGE_SIZE = 50
ROW_MARK = b'<tr class="row'
LIST_STATUS_ARGS = (b'""', b'"*"', b"RETURN (SUBSCRIBED SPECIAL-USE STATUS (MESSAGES UNSEEN))")


def row_items(imap: BlockingIMAP) -> bytes:
    """The FETCH items of the app's list rows on this server: with the snippets (PREVIEW, or
    the partial body), as the app asks them (the raw side must ask what the page asks)."""
    return row_fetch_argument(imap.capabilities)


pc = time.perf_counter
# imaplib (under imapclient) refuses lines over 1,000,000 bytes and the SORT answer of a million
# UIDs is ~7 MB: raw times of such folders come from our own driver (wire_round), never imaplib.


# -- statistics ------------------------------------------------------------------------------


@dataclass
class Samples:
    """Durations in seconds."""

    values: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        self.values.append(seconds)

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else math.nan

    @property
    def p95(self) -> float:
        """Nearest-rank 95th percentile."""
        if not self.values:
            return math.nan
        ordered = sorted(self.values)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    if math.isnan(seconds):
        return "–"
    value = seconds * 1000
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def ratio(a: float, b: float) -> str:
    return "–" if not b or math.isnan(a) or math.isnan(b) else f"{a / b:.2f}"


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


# -- seeding ---------------------------------------------------------------------------------


@dataclass
class Folder:
    name: str
    count: int


def seed(dovecot: Dovecot, folders: list[Folder], load_users: int) -> dict[str, float]:
    """Write the Maildirs, have Dovecot index them once, warm its sort cache; return timings."""
    timings: dict[str, float] = {}
    dovecot.add_user(USER, PASSWORD)
    root = dovecot.maildir(USER)
    end = datetime.now(UTC).replace(microsecond=0)
    for number, folder in enumerate(folders):
        t0 = pc()
        written = write_maildir(
            root, folder.name, generate(folder.count, seed=number + 1, end=end, tag=folder.name[0])
        )
        assert written == folder.count
        timings[f"write {folder.name} ({folder.count:,})"] = pc() - t0
        log(f"wrote {written:,} messages into {folder.name} in {pc() - t0:.1f} s")

    # The load users: their INBOX holds the same 1,000 files as "Thousand" (hard links).
    t0 = pc()
    source = folder_path(root, "Thousand") / "cur"
    names = sorted(os.listdir(source)) if load_users else []
    for i in range(1, load_users + 1):
        user = f"{LOAD_PREFIX}{i:02d}"
        dovecot.add_user(user, PASSWORD)
        user_root = dovecot.maildir(user)
        write_maildir(user_root, "INBOX", [])  # creates the Maildir, owned by the mail user
        for name in names:
            os.link(source / name, user_root / "cur" / name)
    if load_users:
        timings[f"link {load_users} x 1,000 (load users)"] = pc() - t0

    t0 = pc()
    for folder in folders:
        t1 = pc()
        index_folder(dovecot, USER, folder.name)
        log(f"indexed {folder.name} in {pc() - t1:.1f} s")
    timings["doveadm index (bench user)"] = pc() - t0
    if load_users:
        t0 = pc()
        users = [f"{LOAD_PREFIX}{i:02d}" for i in range(1, load_users + 1)]
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda u: index_folder(dovecot, u, "INBOX"), users))
        timings["doveadm index (load users)"] = pc() - t0

    # Warm Dovecot's sort and fetch caches once per folder (the first SORT builds them).
    t0 = pc()
    client = imap_connect(dovecot, USER, PASSWORD)
    try:
        for folder in folders:
            t1 = pc()
            raw_round(client, folder.name)
            log(f"first SELECT+SORT+FETCH of {folder.name}: {pc() - t1:.2f} s")
    finally:
        client.logout()
    timings["first SORT+FETCH per folder"] = pc() - t0
    if load_users:
        t0 = pc()

        def warm(user: str) -> None:
            c = imap_connect(dovecot, user, PASSWORD)
            try:
                raw_round(c, "INBOX")
            finally:
                c.logout()

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(warm, users))
        timings["first SORT+FETCH (load users)"] = pc() - t0
    return timings


# -- raw IMAP --------------------------------------------------------------------------------


def imap_connect(dovecot: Dovecot, user: str, password: str) -> imapclient.IMAPClient:
    """Logged in over STARTTLS with the test CA, as the app connects."""
    client = imapclient.IMAPClient(dovecot.host, port=dovecot.imap_port, ssl=False, timeout=120)
    client.starttls(ssl.create_default_context(cafile=str(dovecot.ca_file)))
    client.login(user, password)
    client.normalise_times = False
    return client


def raw_round(client: imapclient.IMAPClient, folder: str) -> tuple[float, float, float]:
    """SELECT + UID SORT (REVERSE DATE) + UID FETCH of the first 50; the three durations."""
    t0 = pc()
    client.select_folder(folder)
    t1 = pc()
    uids = client.sort(["REVERSE DATE"], "ALL", charset="UTF-8")
    t2 = pc()
    rows = client.fetch(uids[:PAGE_SIZE], ROW_FETCH_ITEMS)
    t3 = pc()
    assert len(rows) == min(PAGE_SIZE, len(uids)), (len(rows), len(uids))
    return t1 - t0, t2 - t1, t3 - t2


def wire_connect(dovecot: Dovecot, user: str, password: str, timeout: float = 120) -> BlockingIMAP:
    """Our blocking driver, logged in over STARTTLS with the test CA, as the app connects."""
    endpoint = Endpoint(dovecot.host, dovecot.imap_port, "starttls", str(dovecot.ca_file))
    imap = BlockingIMAP.connect(endpoint, timeout)
    imap.login(user, password)
    return imap


def wire(imap: BlockingIMAP, *words: Argument) -> list[list[Record]]:
    """Send one command; every response up to its completion, framed but not parsed."""
    tag = imap.send(words)
    responses = []
    while True:
        records = imap.read_records()
        responses.append(records)
        first = records[0]
        line = first[0] if isinstance(first, tuple) else first
        if line.startswith(tag + b" "):
            if not line.startswith(tag + b" OK"):
                raise RuntimeError(f"{words[0]!r}: {line!r}")
            return responses


def wire_round(imap: BlockingIMAP, folder: str) -> float:
    """The same three commands on the wire: the answers read and framed, not parsed."""
    t0 = pc()
    wire(imap, b"SELECT", folder.encode())
    sort = wire(imap, b"UID", b"SORT", b"(REVERSE DATE)", b"UTF-8", b"ALL")
    line = next(r[0] for r in sort if isinstance(r[0], bytes) and r[0].startswith(b"* SORT"))
    # Only the first page's UIDs are split off: splitting all of a million-message answer
    # (30 ms) is work a client showing one page need not do, and would flatter the app.
    first = [int(n) for n in line.split(None, 2 + PAGE_SIZE)[2 : 2 + PAGE_SIZE]]
    fetched = wire(imap, b"UID", b"FETCH", sequence_set(first), row_items(imap))
    elapsed = pc() - t0
    assert len(fetched) >= min(PAGE_SIZE, len(first)), (len(fetched), len(first))
    return elapsed


def warm_imap_round(imap: BlockingIMAP, uids: list[int]) -> float:
    """What a warm app page asks of IMAP: NOOP, LIST with STATUS, FETCH of the 50 rows (the rows
    parsed by our parser, as the app parses them)."""
    t0 = pc()
    wire(imap, b"NOOP")
    wire(imap, b"LIST", *LIST_STATUS_ARGS)
    for records in wire(imap, b"UID", b"FETCH", sequence_set(uids), row_items(imap)):
        response = parse_response(records)
        if isinstance(response, Data) and response.kind == "FETCH":
            fetch_dict(response)
    return pc() - t0


@dataclass
class RawResult:
    # On a connection just logged in (nothing selected yet), as the app's cold page finds it.
    total: Samples = field(default_factory=Samples)
    select: Samples = field(default_factory=Samples)
    sort: Samples = field(default_factory=Samples)
    fetch: Samples = field(default_factory=Samples)
    wire: Samples = field(default_factory=Samples)
    # The same three commands again and again on one long-open connection (re-SELECT).
    reselect: Samples = field(default_factory=Samples)
    warm_imap: Samples = field(default_factory=Samples)


def measure_raw(dovecot: Dovecot, folder: str, rounds: int) -> RawResult:
    """Per round, a new logged-in connection (login not timed) and the timed commands on it:
    the IMAP side of the app's cold page, whose connection also comes straight from LOGIN."""
    result = RawResult()
    for i in range(rounds + 1):
        client = imap_connect(dovecot, USER, PASSWORD)
        try:
            sel, srt, fch = raw_round(client, folder)
        finally:
            client.logout()
        if i:  # the first round only warms up
            result.select.add(sel)
            result.sort.add(srt)
            result.fetch.add(fch)
            result.total.add(sel + srt + fch)
    for _ in range(rounds):
        imap = wire_connect(dovecot, USER, PASSWORD)
        try:
            result.wire.add(wire_round(imap, folder))
        finally:
            imap.close()
    client = imap_connect(dovecot, USER, PASSWORD)
    try:
        raw_round(client, folder)
        for _ in range(rounds):
            result.reselect.add(sum(raw_round(client, folder)))
        client.select_folder(folder)
        uids = client.sort(["REVERSE DATE"], "ALL", charset="UTF-8")[:PAGE_SIZE]
    finally:
        client.logout()
    imap = wire_connect(dovecot, USER, PASSWORD)
    try:
        wire(imap, b"SELECT", folder.encode())
        for _ in range(rounds):
            result.warm_imap.add(warm_imap_round(imap, uids))
    finally:
        imap.close()
    return result


# -- the app over HTTP -----------------------------------------------------------------------


def page_path(folder: str) -> str:
    return f"/mail/{quote(folder, safe='/')}/"


def expected_rows(count: int) -> int:
    return min(PAGE_SIZE, count)


def csrf_token(client: httpx.Client | httpx.AsyncClient) -> str:
    token = None
    for cookie in client.cookies.jar:
        if cookie.name == "csrftoken":
            token = cookie.value
    if not token:
        raise RuntimeError("no csrftoken cookie")
    return token


def login_form(client: httpx.Client | httpx.AsyncClient, user: str) -> dict[str, str]:
    return {
        "username": user,
        "password": PASSWORD,
        "csrfmiddlewaretoken": csrf_token(client),
        "time_zone": "Europe/Berlin",
        "next": "",
    }


def check_login(response: httpx.Response, user: str) -> None:
    if response.status_code != 302 or "/accounts/login" in response.headers.get("location", ""):
        raise RuntimeError(
            f"login of {user} failed: HTTP {response.status_code}\n{response.text[:800]}"
        )


def login(url: str, user: str) -> httpx.Client:
    """A new session (own cookie jar, own keep-alive connection), logged in as ``user``."""
    client = httpx.Client(base_url=url, follow_redirects=False, timeout=120)
    client.get("/accounts/login/").raise_for_status()
    check_login(client.post("/accounts/login/", data=login_form(client, user)), user)
    return client


def logout(client: httpx.Client) -> None:
    response = client.post("/accounts/logout/", data={"csrfmiddlewaretoken": csrf_token(client)})
    if response.status_code != 302:
        raise RuntimeError(f"logout failed: HTTP {response.status_code}")
    client.close()


def timed_page(client: httpx.Client, folder: str, rows: int) -> float:
    t0 = pc()
    response = client.get(page_path(folder))
    elapsed = pc() - t0
    check_page(response, rows)
    return elapsed


def check_page(response: httpx.Response, rows: int) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code}: {response.text[:800]}")
    found = response.content.count(ROW_MARK)
    if found != rows:
        raise RuntimeError(f"{found} rows on the page, expected {rows}")


def check_reply(reply: Reply, rows: int) -> None:
    if reply.status != 200:
        raise RuntimeError(f"HTTP {reply.status}: {reply.body[:800]!r}")
    found = reply.body.count(ROW_MARK)
    if found != rows:
        raise RuntimeError(f"{found} rows on the page, expected {rows}")


def imap_connections(dovecot: Dovecot, user: str, expect: int, wait: float = 2.0) -> int:
    """``doveadm who`` count of ``user``'s IMAP connections, waiting a little for ``expect``."""
    deadline = time.monotonic() + wait
    while True:
        count = dovecot.connection_count(user)
        if count == expect or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


@dataclass
class AppResult:
    cold: Samples = field(default_factory=Samples)
    warm: Samples = field(default_factory=Samples)
    checked_fresh: int = 0
    # Daphne's CPU seconds during each request (whole process; clock-tick resolution, so only
    # the mean over many requests means something).
    cold_cpu: list[float] = field(default_factory=list)
    warm_cpu: list[float] = field(default_factory=list)


def measure_app(
    url: str,
    dovecot: Dovecot,
    folder: Folder,
    rounds: int,
    warm: int,
    daphne_pid: int,
    first_use: bool = True,
    result: AppResult | None = None,
) -> AppResult:
    """`rounds` new sessions: each logs in, opens `folder` (a cold page), then `warm` more pages,
    and logs out. `first_use`: one session before them, not measured; `result`: add to it."""
    result = result if result is not None else AppResult()
    rows = expected_rows(folder.count)

    def page(client: httpx.Client, cpu: list[float]) -> float:
        before = _proc_cpu(daphne_pid)[1]
        elapsed = timed_page(client, folder.name, rows)
        cpu.append(_proc_cpu(daphne_pid)[1] - before)
        return elapsed

    if first_use:  # one session before the measured ones: Django's and Python's first-use costs
        client = login(url, USER)
        timed_page(client, folder.name, rows)
        logout(client)
    for _ in range(rounds):
        before = imap_connections(dovecot, USER, 0)
        if before != 0:
            raise RuntimeError(f"{before} IMAP connections of {USER} left before a new login")
        client = login(url, USER)
        adopted = imap_connections(dovecot, USER, 1)
        if adopted != 1:
            raise RuntimeError(f"{adopted} IMAP connections of {USER} after login, expected 1")
        result.checked_fresh += 1
        result.cold.add(page(client, result.cold_cpu))
        for _ in range(warm):
            result.warm.add(page(client, result.warm_cpu))
        logout(client)
    return result


def http_floor(url: str, rounds: int) -> Samples:
    """GET of a small static file (WhiteNoise) on a keep-alive connection: HTTP + ASGI only."""
    samples = Samples()
    with httpx.Client(base_url=url, timeout=60) as client:
        for i in range(rounds + 5):
            t0 = pc()
            client.get("/static/webmail/webmail.css").raise_for_status()
            if i >= 5:
                samples.add(pc() - t0)
    return samples


# -- concurrency -----------------------------------------------------------------------------


@dataclass
class LoadResult:
    users: int
    duration: float = 0.0
    ok: int = 0
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)
    latency: Samples = field(default_factory=Samples)
    max_in_flight: int = 0
    server_threads_max: int = 0
    imap_connections_max: int = 0
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.ok / self.duration if self.duration else math.nan


_TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> tuple[int, float]:
    """(parent pid, user + system CPU seconds) of a process, from /proc/<pid>/stat."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def _system_busy() -> float:
    """CPU seconds spent on anything but idle and iowait, all CPUs, since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / _TICK


class CpuMeter:
    """CPU seconds used by Daphne, by our Dovecot (master and children), by this process and
    by the whole machine, between ``start()`` and ``stop()``."""

    def __init__(self, daphne_pid: int, dovecot: Dovecot) -> None:
        self.daphne_pid = daphne_pid
        self.dovecot_pid = dovecot._proc.pid if dovecot._proc else -1
        self.used: dict[str, float] = {}

    def _snapshot(self) -> dict[str, float]:
        snap = {"daphne": 0.0, "dovecot": 0.0, "client": 0.0, "machine": _system_busy()}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                ppid, cpu = _proc_cpu(int(entry))
            except (OSError, ValueError, IndexError):
                continue
            if int(entry) == self.daphne_pid:
                snap["daphne"] = cpu
            elif int(entry) == self.dovecot_pid or ppid == self.dovecot_pid:
                # Per process: a connection's imap process lives through the whole run.
                snap[f"dovecot:{entry}"] = cpu
        usage = resource.getrusage(resource.RUSAGE_SELF)
        snap["client"] = usage.ru_utime + usage.ru_stime
        snap["wall"] = time.monotonic()
        return snap

    def start(self) -> None:
        self._before = self._snapshot()

    def stop(self) -> None:
        after = self._snapshot()
        before = self._before
        used = {k: after[k] - before[k] for k in ("daphne", "client", "machine", "wall")}
        used["dovecot"] = sum(
            after[k] - before.get(k, 0.0) for k in after if k.startswith("dovecot:")
        )
        used["other"] = used["machine"] - used["daphne"] - used["client"] - used["dovecot"]
        self.used = used

    def share(self, key: str) -> float:
        """CPU used as a fraction of one core over the wall time."""
        return self.used[key] / self.used["wall"] if self.used.get("wall") else math.nan


class ProcSampler:
    """Samples, in a thread, the Daphne process's thread count and the IMAP connection count."""

    def __init__(self, pid: int, dovecot: Dovecot) -> None:
        self.pid = pid
        self.dovecot = dovecot
        self.threads_max = 0
        self.imap_max = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        next_who = 0.0
        while not self._stop.is_set():
            with contextlib.suppress(OSError):
                self.threads_max = max(self.threads_max, len(os.listdir(f"/proc/{self.pid}/task")))
            now = time.monotonic()
            if now >= next_who:  # doveadm costs CPU: once a second is enough
                next_who = now + 1.0
                with contextlib.suppress(Exception):
                    out = self.dovecot.doveadm("who", "-1")
                    imap = sum(1 for line in out.splitlines()[1:] if " imap " in f" {line} ")
                    self.imap_max = max(self.imap_max, imap)
            self._stop.wait(0.1)

    def __enter__(self) -> ProcSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def alogin(url: str, user: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=url, follow_redirects=False, timeout=120)
    (await client.get("/accounts/login/")).raise_for_status()
    check_login(await client.post("/accounts/login/", data=login_form(client, user)), user)
    return client


#: Concurrent load before the measured window of ``run_load``.
WARM_UP_SECONDS = 2.0


async def run_load(
    url: str, users: list[str], duration: float, rows: int, pid: int, dovecot: Dovecot
) -> LoadResult:
    clients = [await alogin(url, user) for user in users]
    sessions: list[WireSession] = []
    try:
        # Every session's first page (the SORT of its folder) before the clock starts.
        for client in clients:
            check_page(await client.get(page_path("INBOX")), rows)
        # The timed GETs go through a lean client (bench/wire_http.py): the client's CPU is
        # taken from the server under test on this machine. Each session's connection is open
        # and warm before the clock starts.
        sessions += [WireSession(url, client.cookies) for client in clients]
        for i, client in enumerate(clients):  # their idle connections would count as the load's
            await client.aclose()
            clients[i] = httpx.AsyncClient(base_url=url, cookies=client.cookies, timeout=120)
        for session in sessions:
            check_reply(await session.get(page_path("INBOX")), rows)

        # Then all of them at once for a moment: the pool opens the connections it keeps under
        # concurrent load (up to WEBMAIL_POOL_PER_USER a login and worker, each with its first
        # SORT), which the steady state measured below does not pay again.
        async def warm(session: WireSession) -> None:
            end = asyncio.get_running_loop().time() + WARM_UP_SECONDS
            while asyncio.get_running_loop().time() < end:
                check_reply(await session.get(page_path("INBOX")), rows)

        await asyncio.gather(*(warm(session) for session in sessions))
        result = LoadResult(users=len(users))
        in_flight = 0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + duration
        last_end = 0.0

        async def worker(session: WireSession) -> None:
            nonlocal in_flight, last_end
            while loop.time() < deadline:
                in_flight += 1
                result.max_in_flight = max(result.max_in_flight, in_flight)
                t0 = pc()
                try:
                    check_reply(await session.get(page_path("INBOX")), rows)
                except Exception as exc:  # noqa: BLE001 - every failure counts as an error
                    result.errors += 1
                    if len(result.error_examples) < 3:
                        result.error_examples.append(f"{type(exc).__name__}: {exc}"[:300])
                    await session.close()  # the next GET starts on a new connection
                else:
                    result.ok += 1
                    result.latency.add(pc() - t0)
                finally:
                    in_flight -= 1
                    last_end = pc()

        meter = CpuMeter(pid, dovecot)
        with ProcSampler(pid, dovecot) as sampler:
            meter.start()
            start = pc()
            await asyncio.gather(*(worker(session) for session in sessions))
            result.duration = last_end - start
            meter.stop()
        result.cpu = {k: meter.share(k) for k in ("daphne", "dovecot", "client", "other")}
        result.cpu["daphne_ms_per_request"] = meter.used["daphne"] / max(result.ok, 1)
        result.cpu["dovecot_ms_per_request"] = meter.used["dovecot"] / max(result.ok, 1)
        result.cpu["client_ms_per_request"] = meter.used["client"] / max(result.ok, 1)
        result.server_threads_max = sampler.threads_max
        result.imap_connections_max = sampler.imap_max
        return result
    finally:
        for session in sessions:
            await session.close()
        for client in clients:
            with contextlib.suppress(Exception):
                await client.post(
                    "/accounts/logout/", data={"csrfmiddlewaretoken": csrf_token(client)}
                )
            await client.aclose()


@dataclass
class InterferenceResult:
    during: Samples = field(default_factory=Samples)  # overlapping a cold page of the other user
    outside: Samples = field(default_factory=Samples)
    background_cold: Samples = field(default_factory=Samples)


def interference(url: str, dovecot: Dovecot, inbox: Folder, rounds: int) -> InterferenceResult:
    """One user's warm 1k pages, back to back, while another user opens ``rounds`` cold pages
    of the big INBOX (log in, GET, log out). Each warm page is classed by whether its request
    overlapped one of the cold GETs."""
    result = InterferenceResult()
    done = threading.Event()
    failure: list[BaseException] = []
    cold: list[tuple[float, float]] = []

    def background() -> None:
        try:
            for _ in range(rounds):
                client = login(url, USER)
                time.sleep(0.05)
                t0 = pc()
                timed_page(client, inbox.name, expected_rows(inbox.count))
                cold.append((t0, pc()))
                result.background_cold.add(cold[-1][1] - t0)
                time.sleep(0.05)
                logout(client)
        except BaseException as exc:  # noqa: BLE001
            failure.append(exc)
        finally:
            done.set()

    warm: list[tuple[float, float]] = []
    client = login(url, f"{LOAD_PREFIX}01")
    try:
        timed_page(client, "INBOX", expected_rows(1000))
        thread = threading.Thread(target=background)
        thread.start()
        while not done.is_set():
            t0 = pc()
            timed_page(client, "INBOX", expected_rows(1000))
            warm.append((t0, pc()))
        thread.join()
    finally:
        logout(client)
    if failure:
        raise failure[0]
    for t0, t1 in warm:
        overlaps = any(t0 < c1 and c0 < t1 for c0, c1 in cold)
        (result.during if overlaps else result.outside).add(t1 - t0)
    return result


# -- report ----------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    info = {"cpus": str(os.cpu_count())}
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["ram"] = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(Exception):
        info["dovecot"] = subprocess.run(
            ["dovecot", "--version"], capture_output=True, text=True, check=True
        ).stdout.strip()
    with contextlib.suppress(OSError):
        info["loadavg"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    with contextlib.suppress(Exception):
        root = Path(__file__).resolve().parent.parent
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", ".", ":!bench", ":!docs"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        info["commit"] = commit + (
            " with uncommitted changes outside bench/ and docs/" if dirty else ""
        )
    info["python"] = platform.python_version()
    info["kernel"] = platform.release()
    return info


def render(
    args: argparse.Namespace,
    folders: list[Folder],
    seeding: dict[str, float],
    raw: dict[str, RawResult],
    app: dict[str, AppResult],
    floor: Samples,
    serial: LoadResult | None,
    load: LoadResult | None,
    probe: InterferenceResult | None,
    info: dict[str, str],
) -> str:
    out: list[str] = []
    add = out.append
    add(f"Command: `{args.command}`  ")
    add(
        f"Machine: {info.get('cpus')} CPUs ({info.get('cpu', '?')}), {info.get('ram', '?')} RAM, "
        f"Dovecot {info.get('dovecot', '?')}, Python {info.get('python')}, "
        f"Linux {info.get('kernel')}  "
    )
    add(
        f"Load average (1, 5, 15 min) at the start: {info.get('loadavg', '?')}; at the end: "
        f"{info.get('loadavg_end', '?')}. CPU used outside Daphne, this client and Dovecot's "
        f"long-lived processes during the cold/warm measurements: "
        f"{info.get('other_cpu_app_phase', '?')} cores of {info.get('cpus')} (other jobs, but "
        f"also our own doveadm calls and each login's short-lived Dovecot processes, so not 0 "
        f"on a quiet machine; the concurrency runs' 'rest of the machine' has neither).  "
    )
    add(f"Code: commit {info.get('commit', '?')}.  ")
    if args.dovecot_extra:
        add(f"Dovecot extra configuration: `{args.dovecot_extra}`  ")
    add(
        f"Rounds: {args.rounds} per folder (raw and cold), {args.warm} warm requests per cold "
        f"session ({args.rounds * args.warm} warm samples); times in ms."
    )
    add("")
    add("### Message-list page, 50 rows, sorted by date (newest first)")
    add("")
    add(
        "| folder | messages | raw IMAP median | raw p95 | app cold median | cold p95 "
        "| app warm median | warm p95 | cold/raw | warm/raw | cold − raw |"
    )
    add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for folder in folders:
        r, a = raw[folder.name], app[folder.name]
        add(
            f"| {folder.name} | {folder.count:,} | {ms(r.total.median)} | {ms(r.total.p95)} "
            f"| {ms(a.cold.median)} | {ms(a.cold.p95)} | {ms(a.warm.median)} | {ms(a.warm.p95)} "
            f"| {ratio(a.cold.median, r.total.median)} | {ratio(a.warm.median, r.total.median)} "
            f"| {ms(a.cold.median - r.total.median)} |"
        )
    add("")
    add(
        "Raw IMAP = SELECT + UID SORT (REVERSE DATE) + UID FETCH 50 ("
        + " ".join(i.decode() for i in ROW_FETCH_ITEMS)
        + ") through imapclient, including its parsing, on "
        "an open STARTTLS connection just logged in (login not timed): the IMAP work of the "
        "app's cold page, whose connection also comes straight from LOGIN. Ratios use the "
        "medians."
    )
    add("")
    add("### Raw IMAP in detail (medians; p95 in parentheses)")
    add("")
    add(
        "| folder | SELECT | UID SORT | UID FETCH 50 | all three, on the wire (unparsed) "
        "| all three, repeated on one open connection (re-SELECT) "
        "| IMAP work of a warm page: NOOP + LIST-STATUS + FETCH 50 |"
    )
    add("|---|---:|---:|---:|---:|---:|---:|")
    for folder in folders:
        r = raw[folder.name]
        cells = [r.select, r.sort, r.fetch, r.wire, r.reselect, r.warm_imap]
        add(
            f"| {folder.name} | "
            + " | ".join(f"{ms(s.median)} ({ms(s.p95)})" for s in cells)
            + " |"
        )
    add("")
    add("### App CPU per page (Daphne process, mean over the samples)")
    add("")
    add("| folder | cold page: app CPU ms | warm page: app CPU ms | warm wall-clock median ms |")
    add("|---|---:|---:|---:|")
    for folder in folders:
        a = app[folder.name]
        add(
            f"| {folder.name} | {ms(statistics.fmean(a.cold_cpu))} "
            f"| {ms(statistics.fmean(a.warm_cpu))} | {ms(a.warm.median)} |"
        )
    add("")
    add(
        f"HTTP floor (GET of a small static file through Daphne + WhiteNoise, keep-alive): "
        f"median {ms(floor.median)} ms, p95 {ms(floor.p95)} ms.  "
    )
    fresh = sum(a.checked_fresh for a in app.values())
    add(
        f"Cold pages checked to start on a fresh IMAP connection (doveadm who: 0 before the "
        f"login, 1 after it): {fresh} of {fresh}."
    )
    if serial and load:
        add("")
        add(f"### {load.users} concurrent logged-in users, each its own 1,000-message INBOX")
        add("")
        add(
            "| run | users | requests | errors | requests/s | latency median | p95 "
            "| max in flight (client) | Daphne threads (max) | IMAP connections (max) |"
        )
        add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for name, res in (("serial baseline", serial), ("concurrent", load)):
            add(
                f"| {name} | {res.users} | {res.ok + res.errors} | {res.errors} | {res.rps:.0f} "
                f"| {ms(res.latency.median)} | {ms(res.latency.p95)} | {res.max_in_flight} "
                f"| {res.server_threads_max} | {res.imap_connections_max} |"
            )
        add("")
        add(
            f"Each run loops for {args.duration:g} s. Throughput with {load.users} users: "
            f"{load.rps / serial.rps:.2f}x the serial baseline; p95 latency "
            f"{load.latency.p95 / serial.latency.median:.1f}x the serial median (full queueing "
            f"behind one another would be about {load.users}x, with the same throughput)."
        )
        add("")
        add(
            "CPU during the runs, in cores busy (2 = both cores of this machine), and CPU "
            "time per request:"
        )
        add("")
        add(
            "| run | Daphne (app) | Dovecot | load client (httpx) | rest of the machine "
            "| app CPU ms / request | Dovecot CPU ms / request | client CPU ms / request |"
        )
        add("|---|---:|---:|---:|---:|---:|---:|---:|")
        for name, res in (("serial baseline", serial), ("concurrent", load)):
            c = res.cpu
            add(
                f"| {name} | {c['daphne']:.2f} | {c['dovecot']:.2f} | {c['client']:.2f} "
                f"| {c['other']:.2f} | {ms(c['daphne_ms_per_request'])} "
                f"| {ms(c['dovecot_ms_per_request'])} | {ms(c['client_ms_per_request'])} |"
            )
        for example in load.error_examples:
            add(f"Error example: `{example}`")
    if probe:
        add("")
        add("### Interference: one user's warm pages while another user opens cold pages")
        add("")
        add("| what | n | median | p95 | max |")
        add("|---|---:|---:|---:|---:|")
        inbox = folders[0]
        if serial:
            add(
                f"| 1k INBOX warm page, alone (serial baseline) | {serial.latency.n} "
                f"| {ms(serial.latency.median)} | {ms(serial.latency.p95)} "
                f"| {ms(max(serial.latency.values))} |"
            )
        for label, samples in (
            ("1k INBOX warm page, overlapping another user's cold page", probe.during),
            ("1k INBOX warm page, not overlapping one (logins, logouts, pauses)", probe.outside),
        ):
            add(
                f"| {label} | {samples.n} | {ms(samples.median)} | {ms(samples.p95)} "
                f"| {ms(max(samples.values, default=math.nan))} |"
            )
        add(
            f"| {inbox.count:,} INBOX cold page (other user) | {probe.background_cold.n} "
            f"| {ms(probe.background_cold.median)} | {ms(probe.background_cold.p95)} "
            f"| {ms(max(probe.background_cold.values))} |"
        )
    add("")
    add("### Seeding")
    add("")
    add("| step | seconds |")
    add("|---|---:|")
    for step, seconds in seeding.items():
        add(f"| {step} | {seconds:.1f} |")
    return "\n".join(out) + "\n"


# -- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000, help="INBOX size (100,000)")
    parser.add_argument("--ten", type=int, default=10_000, help='size of folder "Ten"')
    parser.add_argument("--thousand", type=int, default=1_000, help='size of folder "Thousand"')
    parser.add_argument("--rounds", type=int, default=40, help="raw and cold rounds per folder")
    parser.add_argument("--warm", type=int, default=5, help="warm requests per cold session")
    parser.add_argument("--users", type=int, default=50, help="concurrent users (0: skip)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per load run")
    parser.add_argument(
        "--probe", type=int, default=10, help="cold pages in the interference probe (0: skip)"
    )
    parser.add_argument("--output", type=Path, help="also write the markdown block here")
    parser.add_argument("--keep", action="store_true", help="keep the Dovecot directory")
    parser.add_argument(
        "--dovecot-extra",
        default="",
        help="extra lines for the Dovecot config, e.g. 'mailbox_list_index_include_inbox = yes'",
    )
    args = parser.parse_args(argv)
    args.command = " ".join(
        [
            ".venv/bin/python -m bench.list_pages",
            *map(shlex.quote, sys.argv[1:] if argv is None else argv),
        ]
    )
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    folders = [
        Folder("INBOX", args.messages),
        Folder("Ten", args.ten),
        Folder("Thousand", args.thousand),
    ]
    if args.users and args.thousand < 1:
        raise SystemExit("--users needs the Thousand folder")
    root = Path(tempfile.mkdtemp(prefix="webmail-bench-", dir="/var/tmp"))
    root.chmod(0o755)
    dovecot = Dovecot(root / "dovecot", extra_config=args.dovecot_extra)
    info = machine()
    log(f"Dovecot root {root}")
    try:
        dovecot.start()
        t0 = pc()
        seeding = seed(dovecot, folders, args.users)
        seeding["total seeding"] = pc() - t0
        log(f"seeded in {seeding['total seeding']:.1f} s")

        by_size = sorted(folders, key=lambda f: f.count)
        raw: dict[str, RawResult] = {}
        for folder in by_size:
            raw[folder.name] = measure_raw(dovecot, folder.name, args.rounds)
            r = raw[folder.name]
            log(
                f"raw {folder.name}: median {ms(r.total.median)} ms "
                f"(SORT {ms(r.sort.median)}, FETCH {ms(r.fetch.median)}), p95 {ms(r.total.p95)}"
            )

        workdir = root / "app"
        workdir.mkdir()
        env = {**mail_env(dovecot), "LOG_LEVEL": "INFO"}
        with run_daphne(workdir, env) as server:
            log(f"app at {server.url}")
            floor = http_floor(server.url, args.rounds * 2)
            app: dict[str, AppResult] = {}
            meter = CpuMeter(server.process.pid, dovecot)
            meter.start()
            for folder in by_size:
                app[folder.name] = measure_app(
                    server.url, dovecot, folder, args.rounds, args.warm, server.process.pid
                )
                a = app[folder.name]
                log(
                    f"app {folder.name}: cold median {ms(a.cold.median)} p95 {ms(a.cold.p95)}; "
                    f"warm median {ms(a.warm.median)} p95 {ms(a.warm.p95)}"
                )
            meter.stop()
            info["other_cpu_app_phase"] = f"{meter.share('other'):.2f}"
            log(f"other jobs used {meter.share('other'):.2f} cores during the cold/warm phase")
            serial = load = None
            probe = None
            if args.users:
                users = [f"{LOAD_PREFIX}{i:02d}" for i in range(1, args.users + 1)]
                pid = server.process.pid
                rows = expected_rows(1000)
                serial = asyncio.run(
                    run_load(server.url, users[:1], args.duration, rows, pid, dovecot)
                )
                log(f"serial: {serial.rps:.0f} req/s, median {ms(serial.latency.median)} ms")
                load = asyncio.run(run_load(server.url, users, args.duration, rows, pid, dovecot))
                log(
                    f"{len(users)} users: {load.rps:.0f} req/s, {load.errors} errors, median "
                    f"{ms(load.latency.median)} p95 {ms(load.latency.p95)} ms"
                )
            if args.probe and args.users:
                probe = interference(server.url, dovecot, folders[0], args.probe)
                log(
                    f"interference: warm 1k median {ms(probe.during.median)} "
                    f"p95 {ms(probe.during.p95)} during cold {folders[0].count:,} pages"
                )
            errors = [line for line in server.log().splitlines() if " ERROR " in line]
            if errors:
                log(f"{len(errors)} ERROR lines in the Daphne log, e.g. {errors[0][:300]}")

        with contextlib.suppress(OSError):
            info["loadavg_end"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        report = render(args, folders, seeding, raw, app, floor, serial, load, probe, info)
        print(report)
        if args.output:
            args.output.write_text(report)
    finally:
        dovecot.stop()
        if args.keep:
            log(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
