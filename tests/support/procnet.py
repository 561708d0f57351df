"""Which process holds which TCP connections, read from /proc (Linux): how evenly the kernel
spread connections over Daphne workers (bench.workers, tests/webmail/test_deployment.py)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

_ESTABLISHED = "01"
_LISTEN = "0A"


def child_pids(pid: int) -> list[int]:
    """The direct children of ``pid`` (the workers of ``python -m webmail.serve``)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out += [int(n) for n in (task / "children").read_text().split()]
    return sorted(set(out))


def _inodes(port: int, wanted_state: str = _ESTABLISHED) -> set[str]:
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state == wanted_state and int(local.rsplit(":", 1)[1], 16) == port:
                    inodes.add(inode)
    return inodes


def connections_by_pid(pids: list[int], port: int) -> dict[int, int]:
    """How many established connections to local ``port`` each of ``pids`` holds."""
    return {pid: len(found) for pid, found in _sockets_by_pid(pids, _inodes(port)).items()}


def listening_sockets_by_pid(pids: list[int], port: int) -> dict[int, set[str]]:
    """The listening sockets on ``port`` (as "socket:[inode]") that each of ``pids`` holds."""
    return _sockets_by_pid(pids, _inodes(port, _LISTEN))


def _sockets_by_pid(pids: list[int], inodes: set[str]) -> dict[int, set[str]]:
    wanted = {f"socket:[{inode}]" for inode in inodes}
    found: dict[int, set[str]] = {}
    for pid in pids:
        held: set[str] = set()
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    link = os.readlink(f"/proc/{pid}/fd/{fd}")
                    if link in wanted:
                        held.add(link)
        found[pid] = held
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` so far."""
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0
