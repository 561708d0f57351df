"""Benchmark of live mail: 1,000 idle users on one Daphne process, and APPEND -> event latency.

Run from the repository root::

    .venv/bin/python -m bench.live_users                 # 1,000 users, 200 latency samples
    .venv/bin/python -m bench.live_users --users 50      # a quick try

What it does (figures in docs/benchmarks.md):

1. Starts a private Dovecot 2.3 (STARTTLS, as the app connects) with ``--users`` passwd-file
   users, each with one message in INBOX, and IMAP processes that serve many connections each
   (``service imap { client_limit }``: one process per connection would be 1,000 processes).
2. Starts one Daphne process serving the app (tests.support.liveserver.run_daphne).
3. Logs every user in over HTTP (httpx; a session each), then measures the Daphne process's
   RSS (VmRSS of /proc/<pid>/status): the baseline, sessions and pooled IMAP connections
   included.
4. Opens one websocket per user (the minimal client of tests/live/wsclient.py, as the browser
   does) and waits until each is told its INBOX watcher is in IDLE ("watching"): ``--users``
   websockets and as many IDLE connections from the Daphne process. After a pause, the RSS
   again: (RSS after - baseline) / users = memory per idle live user (websocket + watcher).
5. Latency, with every user still connected: ``--samples`` times, APPEND a message to the
   INBOX of user 0 over an open IMAP connection and time from just before the APPEND to the
   "new" event on that user's websocket. p50, p99, max.
6. For reference, the server's own share: the same APPEND timed to the untagged EXISTS on a raw
   imapclient connection in IDLE (no app), ``--raw-samples`` times.

The folder tree (mailview/live/tree.py) is followed on each INBOX watcher's connection:
``--tree notify`` (the default: NOTIFY, as Dovecot offers it) or ``--tree scan`` (NOTIFY turned
off in the app: a LIST-STATUS every WEBMAIL_LIVE_TREE_INTERVAL, ``--scan-interval`` seconds).
Besides the memory it reports the IMAP sessions each live user adds on the server (``doveadm
who`` before and after the websockets) and the Daphne process's CPU time over ``--idle-window``
seconds with every user idle (the scans' cost; NOTIFY costs nothing while nothing changes).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.support.liveserver import mail_env, run_daphne
from tests.support.wsclient import HandshakeRefused, WSClient
from webmail.devmail.dovecot import Dovecot, append_message
from webmail.devmail.factories import make_message

PASSWORD = "bench-live-pw"

DOVECOT_LIMITS = """
service imap {
  service_count = 0
  process_limit = 64
  client_limit = 256
}
service imap-login {
  process_min_avail = 4
  client_limit = 2048
}
default_client_limit = 8192
imap_idle_notify_interval = 29 mins
"""


def raw_idle_latency(dovecot: Dovecot, user: str, samples: int) -> list[float]:
    """APPEND -> untagged EXISTS on a plain imapclient connection in IDLE."""
    idler = dovecot.client(user, PASSWORD)
    appender = dovecot.client(user, PASSWORD)
    out = []
    try:
        idler.select_folder("INBOX")
        idler.idle()
        for i in range(samples):
            start = time.perf_counter()
            append_message(appender, "INBOX", make_message(subject=f"raw {i}"))
            while True:
                responses = idler.idle_check(timeout=30)
                if not responses:
                    raise RuntimeError("no EXISTS within 30 s")
                if any(len(r) > 1 and r[1] == b"EXISTS" for r in responses):
                    out.append(time.perf_counter() - start)
                    break
            time.sleep(0.05)
        idler.idle_done()
    finally:
        for client in (idler, appender):
            with contextlib.suppress(Exception):
                client.logout()
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def imap_sessions(dovecot: Dovecot) -> int:
    return len(dovecot.doveadm("who", "-1").splitlines()) - 1


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
    return ordered[index]


async def log_in(url: str, username: str, sem: asyncio.Semaphore) -> str:
    """A new session for `username`; returns its cookies as a Cookie header."""
    async with sem, httpx.AsyncClient(base_url=url, timeout=120) as client:
        (await client.get("/accounts/login/")).raise_for_status()
        response = await client.post(
            "/accounts/login/",
            data={
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": client.cookies["csrftoken"],
            },
        )
        if response.status_code != 302:
            raise RuntimeError(f"login of {username}: HTTP {response.status_code}")
        return "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)


class Live:
    """A websocket kept read (Daphne closes one that leaves its pings unanswered for 30 s: a slow
    ramp-up or the idle window would lose the first ones); its messages wait in a queue."""

    def __init__(self, ws: WSClient) -> None:
        self.ws = ws
        self.messages: asyncio.Queue[dict] = asyncio.Queue()
        self.task = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            while True:
                await self.messages.put(await self.ws.receive_json(timeout=86400))

    async def close(self) -> None:
        self.task.cancel()
        await self.ws.close()


async def open_live(url: str, cookies: str, sem: asyncio.Semaphore) -> Live:
    """A websocket in "watching". On a loaded machine Daphne drops a handshake its app did not
    accept within 5 s (websocket_connect_timeout), or refuses it (403) when the consumer's
    session read failed (SQLite busy): try again, as live.js does."""
    async with sem:
        for attempt in range(10):
            try:
                ws = await WSClient.connect(f"{url}/ws/live/", cookies, timeout=120)
                break
            except (ConnectionError, asyncio.IncompleteReadError, HandshakeRefused):
                if attempt == 9:
                    raise
                await asyncio.sleep(1 + attempt)
        while (await ws.receive_json(timeout=120))["type"] != "watching":
            pass
        return Live(ws)


async def next_new(live: Live) -> float:
    while True:
        message = await asyncio.wait_for(live.messages.get(), 60)
        if message["type"] == "event" and message["event"]["kind"] == "new":
            return time.perf_counter()


async def run(args: argparse.Namespace) -> dict[str, float | str]:
    root = Path(tempfile.mkdtemp(prefix="webmail-bench-live-", dir="/var/tmp"))
    root.chmod(0o755)
    dovecot = Dovecot(root / "dovecot", extra_config=DOVECOT_LIMITS)
    users = [f"live{i:04d}" for i in range(args.users)]
    results: dict[str, float | str] = {"users": args.users, "tree": args.tree}
    try:
        dovecot.start()
        t0 = time.perf_counter()
        for username in users:
            dovecot.add_user(username, PASSWORD)
        print(f"{len(users)} users created in {time.perf_counter() - t0:.1f} s", flush=True)
        env = {
            **mail_env(dovecot),
            "LOG_LEVEL": "WARNING",
            "WEBMAIL_POOL_IDLE_TIMEOUT": "3600",
            "WEBMAIL_LIVE_NOTIFY": "true" if args.tree == "notify" else "false",
            "WEBMAIL_LIVE_TREE_INTERVAL": str(args.scan_interval),
        }
        with run_daphne(root, env) as server:
            pid = server.process.pid
            sem = asyncio.Semaphore(8)
            t0 = time.perf_counter()
            cookies = await asyncio.gather(*(log_in(server.url, u, sem) for u in users))
            print(f"logged in in {time.perf_counter() - t0:.1f} s", flush=True)
            await asyncio.sleep(args.settle)
            baseline = rss_kb(pid)
            imap_before = imap_sessions(dovecot)
            sem = asyncio.Semaphore(args.open_concurrency)
            t0 = time.perf_counter()
            try:
                sockets = await asyncio.gather(*(open_live(server.url, c, sem) for c in cookies))
            except BaseException:
                print(server.log()[-3000:], dovecot.log_tail(), sep="\n", file=sys.stderr)
                raise
            opened = time.perf_counter() - t0
            print(f"{len(sockets)} websockets watching in {opened:.1f} s", flush=True)
            await asyncio.sleep(args.settle)
            gc.collect()
            connected = rss_kb(pid)
            imap = imap_sessions(dovecot)
            results.update(
                rss_baseline_mb=baseline / 1024,
                rss_connected_mb=connected / 1024,
                kb_per_user=(connected - baseline) / len(users),
                open_seconds=opened,
                imap_sessions=imap,
                imap_per_user=(imap - imap_before) / len(users),
            )
            print(
                f"Daphne RSS {baseline / 1024:.0f} MB logged in -> {connected / 1024:.0f} MB "
                f"with {len(users)} live users: {(connected - baseline) / len(users):.0f} KB "
                f"per idle user; {imap} IMAP sessions on the server "
                f"({(imap - imap_before) / len(users):.2f} per live user)",
                flush=True,
            )
            cpu0 = cpu_seconds(pid)
            await asyncio.sleep(args.idle_window)
            idle_cpu = cpu_seconds(pid) - cpu0
            results["idle_cpu_percent"] = 100 * idle_cpu / args.idle_window
            print(
                f"Daphne CPU with every user idle: {idle_cpu:.1f} s in {args.idle_window:.0f} s",
                flush=True,
            )

            receiver = sockets[0]
            client = dovecot.client(users[0], PASSWORD)
            latencies = []
            try:
                for i in range(args.samples):
                    raw = make_message(subject=f"latency {i}")
                    waiter = asyncio.ensure_future(next_new(receiver))
                    start = time.perf_counter()
                    await asyncio.to_thread(append_message, client, "INBOX", raw)
                    latencies.append(await waiter - start)
                    await asyncio.sleep(args.gap)
            finally:
                with contextlib.suppress(Exception):
                    client.logout()
            results.update(
                p50_ms=statistics.median(latencies) * 1000,
                p99_ms=percentile(latencies, 99) * 1000,
                max_ms=max(latencies) * 1000,
                samples=len(latencies),
            )
            print(
                f"APPEND -> event: p50 {results['p50_ms']:.0f} ms, p99 {results['p99_ms']:.0f} ms,"
                f" max {results['max_ms']:.0f} ms ({len(latencies)} samples)",
                flush=True,
            )
            idle = await asyncio.to_thread(raw_idle_latency, dovecot, users[1], args.raw_samples)
            results.update(
                raw_p50_ms=statistics.median(idle) * 1000, raw_p99_ms=percentile(idle, 99) * 1000
            )
            print(
                f"raw IMAP IDLE, APPEND -> EXISTS: p50 {results['raw_p50_ms']:.0f} ms, "
                f"p99 {results['raw_p99_ms']:.0f} ms ({len(idle)} samples)",
                flush=True,
            )
            rss_after = rss_kb(pid)
            results["rss_end_mb"] = rss_after / 1024
            for ws in sockets:
                await ws.close()
    finally:
        dovecot.stop()
        shutil.rmtree(root, ignore_errors=True)
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000, help="connected users (1,000)")
    parser.add_argument("--samples", type=int, default=200, help="latency samples (200)")
    parser.add_argument("--raw-samples", type=int, default=50, help="raw IDLE samples (50)")
    parser.add_argument("--gap", type=float, default=0.05, help="seconds between samples")
    parser.add_argument("--settle", type=float, default=5.0, help="pause before measuring RSS")
    parser.add_argument(
        "--tree", choices=("notify", "scan"), default="notify", help="how the tree is followed"
    )
    parser.add_argument("--scan-interval", type=float, default=60.0, help="scan every N s (60)")
    parser.add_argument("--idle-window", type=float, default=60.0, help="CPU measured over (60)")
    parser.add_argument(
        "--open-concurrency", type=int, default=50, help="websockets opened at once (50)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    results = asyncio.run(run(parse_args(argv)))
    results["machine_load_1min"] = os.getloadavg()[0]
    print("| " + " | ".join(results) + " |")
    print(
        "| "
        + " | ".join(f"{v:.1f}" if isinstance(v, float) else str(v) for v in results.values())
        + " |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
