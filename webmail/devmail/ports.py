"""Free loopback ports for the private servers of the demo, the tests and the benchmarks."""

from __future__ import annotations

import os
import socket
import threading

__all__ = ["free_port"]

_ports_lock = threading.Lock()
_ports_handed_out: set[int] = set()
_range_cursor = [0]


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1 (never the same one twice in this process).

    With WEBMAIL_PORT_RANGE ("first-last", set per test process when tests run in parallel),
    ports come from that range only: several processes asking the kernel for "any free port"
    can be handed the same one before the first binds it, and a server that listens with
    SO_REUSEPORT would then share its port with another test's server.
    """
    span = os.environ.get("WEBMAIL_PORT_RANGE", "")
    with _ports_lock:
        if span:
            # Round the range: a port comes back only after every other one was handed out.
            first, last = (int(part) for part in span.split("-", 1))
            size = last - first + 1
            for _ in range(size):
                port = first + _range_cursor[0] % size
                _range_cursor[0] += 1
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                    try:
                        sock.bind(("127.0.0.1", port))
                    except OSError:
                        continue
                return port
            raise RuntimeError(f"no free port left in WEBMAIL_PORT_RANGE {span}")
        for _ in range(100):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            if port not in _ports_handed_out:
                _ports_handed_out.add(port)
                return port
    raise RuntimeError("could not find a free port")
