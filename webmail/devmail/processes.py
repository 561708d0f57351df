"""Stopping a private server's whole process group, and knowing when it is gone."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

__all__ = ["kill_group", "process_alive"]


def kill_group(pgid: int, timeout: float = 10.0) -> None:
    """SIGKILL every process of group ``pgid`` and return once none of them is alive.

    A signal is only delivered when ``killpg`` returns: a child still exiting would keep the
    listening sockets it inherited open, and a test connecting right after a stop would reach
    it. Exited processes that nobody has reaped yet (zombies) hold no sockets and are not
    waited for. Gives up after ``timeout`` seconds, never raises.
    """
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while _alive_in_group(pgid) and time.monotonic() < deadline:
        time.sleep(0.01)


def _alive_in_group(pgid: int) -> bool:
    for entry in Path("/proc").glob("[0-9]*"):
        fields = _stat_fields(int(entry.name))
        if len(fields) >= 3 and fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False


def process_alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    fields = _stat_fields(pid)
    return bool(fields) and fields[0] != "Z"


def _stat_fields(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the name: state, ppid, pgrp, ...; [] once gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return text[text.rfind(")") + 2 :].split()  # the name may hold spaces and parentheses
