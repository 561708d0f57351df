"""Loopback TCP relays in front of a test server: one whose network can be cut and restored,
one that holds the server's answers back until something else happened.

Playwright's offline emulation covers the page but not always its service worker (a worker
started again after a restart fetches from the network): a test of offline use after a
restart cuts the network here instead, for everything the browser sends.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from webmail.devmail.ports import free_port


class Cutoff:
    """Relays 127.0.0.1:<port> to ``upstream``; ``cut()`` refuses and drops every connection
    (a network gone), ``restore()`` relays again."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        with self._lock:
            if self._listener is not None:
                return
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(64)
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            dropped, self._open = self._open, set()
        if listener is not None:
            listener.close()
        for sock in dropped:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    server.close()
                    return
                self._open |= {client, server}
            self._connected()
            for a, b, from_server in ((client, server, False), (server, client, True)):
                threading.Thread(target=self._pipe, args=(a, b, from_server), daemon=True).start()

    def _connected(self) -> None:
        """A connection is made (a hook for subclasses)."""

    def _passing(self, from_server: bool) -> None:
        """Data is about to be passed on (a hook for subclasses: it may wait)."""

    def _pipe(self, source: socket.socket, sink: socket.socket, from_server: bool) -> None:
        try:
            while data := source.recv(65536):
                self._passing(from_server)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with suppress(OSError):
                sink.shutdown(socket.SHUT_WR)


class Gate(Cutoff):
    """A relay that notes the connections made through it (``connected``, ``connections``) and
    can hold back
    what the server sends until something else happened (``hold_answers_until``)."""

    #: How long answers are held at most (seconds): a wait that ends so is a failed test. Below
    #: the app's IMAP timeout (20 s), so that the app does not give up first.
    LIMIT = 10.0

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.connected = threading.Event()
        self.connections = 0
        self.held_in_vain = False
        self._until: threading.Event | None = None
        super().__init__(upstream)

    def hold_answers_until(self, event: threading.Event) -> None:
        """The server's next data waits until ``event`` is set (or LIMIT: ``held_in_vain``)."""
        self._until = event

    def _connected(self) -> None:
        self.connections += 1
        self.connected.set()

    def _passing(self, from_server: bool) -> None:
        until = self._until
        if from_server and until is not None:
            if not until.wait(self.LIMIT):
                self.held_in_vain = True
            self._until = None


@contextmanager
def cutoff(url: str) -> Iterator[Cutoff]:
    host, port = url.rsplit("//", 1)[-1].rsplit(":", 1)
    relay = Cutoff((host, int(port)))
    try:
        yield relay
    finally:
        relay.cut()
