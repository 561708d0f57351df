"""Stopping a private server's process group: its ports are closed when the stop returns."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from webmail.devmail.processes import kill_group

# A parent that listens on a port and leaves a child holding the same socket, as Dovecot's
# master leaves its login processes holding the listeners it passed them.
LISTENER = """
import os, signal, socket
sock = socket.socket()
sock.bind(("127.0.0.1", 0))
sock.listen()
if os.fork() == 0:
    signal.pause()
print(sock.getsockname()[1], flush=True)
signal.pause()
"""


def test_when_the_group_is_killed_no_process_of_it_holds_its_port_any_more() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", LISTENER], stdout=subprocess.PIPE, start_new_session=True
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        socket.create_connection(("127.0.0.1", port), timeout=5).close()  # listening
        kill_group(proc.pid)
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2)
    finally:
        kill_group(proc.pid)
        proc.wait()


def test_a_group_that_is_already_gone_is_no_error() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"], start_new_session=True)
    proc.wait()
    kill_group(proc.pid)
