"""Stopping a private server's whole process group, and knowing when it is gone."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

__all__ = ["kill_group"]


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
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # gone while we looked
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses.
        fields = text[text.rfind(")") + 2 :].split()
        if len(fields) >= 3 and fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False
