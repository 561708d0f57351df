"""Serve the webmail with several Daphne worker processes on one listening socket.

    python -m webmail.serve [--bind 127.0.0.1] [--port 8000] [--workers N]

The sockets are bound here and each worker gets its own with ``daphne --fd``: with more than one
worker every socket is bound to the same address with SO_REUSEPORT, and the kernel spreads new
connections evenly over them (by a hash of the connection's addresses). One shared socket let
whichever worker was awake accept first: one run split 50 connections 7/43. So N workers use N
cores evenly without a load balancer in front. Each worker has its own IMAP pool; a user's
requests may reach any of them (sessions and the audit log are in the database, sessions ended
anywhere are picked up by every worker, see webmail.workers). With more than one worker
PROMETHEUS_MULTIPROC_DIR is set so that /metrics adds up the counters of all of them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence


def bind(host: str, port: int, backlog: int = 1024, reuse_port: bool = False) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host.strip("[]"), port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def worker_command(fd: int) -> list[str]:
    # No --proxy-headers: Daphne would take the client address from the first (client-written)
    # X-Forwarded-For entry. The app reads the header itself, from the right, trusting only
    # WEBMAIL_TRUSTED_PROXIES (accounts/net.client_ip).
    # webmail.daphne: Daphne refusing bodies over the limit before reading them.
    return [sys.executable, "-m", "webmail.daphne", "--fd", str(fd), "webmail.asgi:application"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webmail.serve", description=__doc__)
    parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("WEBMAIL_WORKERS", "1") or 1)
    )
    args = parser.parse_args(argv)
    if os.environ.get("WEBMAIL_PROXY_HEADERS") and not os.environ.get("WEBMAIL_TRUSTED_PROXIES"):
        print(
            "webmail: WEBMAIL_PROXY_HEADERS is no longer read; set WEBMAIL_TRUSTED_PROXIES to "
            "the reverse proxy's address (see docs/deployment.md)",
            file=sys.stderr,
            flush=True,
        )
    workers = max(1, args.workers)

    # One socket per worker (SO_REUSEPORT: the kernel balances), all on the first one's port.
    spread = workers > 1 and hasattr(socket, "SO_REUSEPORT")
    sock = bind(args.bind, args.port, reuse_port=spread)
    socks = [sock]
    while len(socks) < (workers if spread else 1):
        socks.append(bind(args.bind, sock.getsockname()[1], reuse_port=True))
    env = dict(os.environ)
    metrics_dir = None
    if workers > 1 and not env.get("PROMETHEUS_MULTIPROC_DIR"):
        metrics_dir = tempfile.mkdtemp(prefix="webmail-metrics-")
        env["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    processes = []
    for number in range(workers):
        fd = socks[number % len(socks)].fileno()
        processes.append(
            subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                worker_command(fd), env=env, pass_fds=[fd]
            )
        )
    print(
        f"webmail: {workers} Daphne worker(s) on {args.bind}:{sock.getsockname()[1]} "
        f"(pids {', '.join(str(p.pid) for p in processes)})",
        flush=True,
    )
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    status = 0
    try:
        while not stopping:
            exited = [p for p in processes if p.poll() is not None]
            if exited:
                status = exited[0].returncode or 1
                print(f"webmail: worker {exited[0].pid} exited ({status}); stopping", flush=True)
                break
            time.sleep(0.5)
    finally:
        for p in processes:
            if p.poll() is None:
                p.terminate()
        deadline = time.monotonic() + 10
        for p in processes:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for each in socks:
            each.close()
        if metrics_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0 if stopping else status


if __name__ == "__main__":
    sys.exit(main())
