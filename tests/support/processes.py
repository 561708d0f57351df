"""Freezing a user's imap processes (Dovecot's or Cyrus'): a real server that stops answering."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager

from webmail.devmail.cyrus import Cyrus
from webmail.devmail.dovecot import Dovecot


def imap_pids(dovecot: Dovecot | Cyrus, username: str) -> list[int]:
    """PIDs of the imap processes serving `username` (Dovecot: doveadm who -1, one line a
    connection; Cyrus: its process table, proc_path)."""
    if isinstance(dovecot, Cyrus):
        return dovecot.session_pids(username)
    pids = set()
    for line in dovecot.doveadm("who", "-1", username).splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[0] == username and fields[1] == "imap":
            pids.add(int(fields[2]))
    return sorted(pids)


@contextmanager
def frozen(pids: list[int]) -> Iterator[None]:
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)
