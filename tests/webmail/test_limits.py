"""What one client can make the app hold or do: /metrics label values come from a fixed set;
unauthenticated /healthz probes IMAP at most once per cache period."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


class CountingIMAPServer:
    """A plain-TCP IMAP greeter on a free loopback port that counts its connections."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _addr = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as lines:
            conn.sendall(b"* OK [CAPABILITY IMAP4rev1] counting server ready\r\n")
            for line in lines:
                tag, _, command = line.decode().strip().partition(" ")
                if command.upper().startswith("LOGOUT"):
                    conn.sendall(f"* BYE\r\n{tag} OK LOGOUT done\r\n".encode())
                    return
                if command.upper().startswith("CAPABILITY"):
                    conn.sendall(b"* CAPABILITY IMAP4rev1\r\n")
                conn.sendall(f"{tag} OK done\r\n".encode())

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def counting_imap(settings) -> Iterator[CountingIMAPServer]:
    server = CountingIMAPServer()
    settings.IMAP_HOST, settings.IMAP_PORT, settings.IMAP_SECURITY = (
        "127.0.0.1",
        server.port,
        "none",
    )
    yield server
    server.close()


def test_healthz_probes_imap_once_per_cache_period(counting_imap, settings):
    settings.WEBMAIL_HEALTH_IMAP_CACHE = 60
    for _ in range(5):
        response = Client().get("/healthz")
        assert response.status_code == 200
        assert response.json()["checks"]["imap"]["ok"] is True
    assert counting_imap.connections == 1


def test_healthz_probes_again_once_the_period_is_over(counting_imap, settings):
    settings.WEBMAIL_HEALTH_IMAP_CACHE = 0
    for _ in range(3):
        assert Client().get("/healthz").status_code == 200
    assert counting_imap.connections == 3


def test_metrics_labels_take_only_known_http_methods(mail_server):
    client = Client()
    for method in ("BREW", "X" * 200, "PROPFIND", "get"):
        client.generic(method, "/healthz")
    client.generic("DELETE", "/healthz")
    text = Client().get("/metrics").content.decode()
    methods = {
        line.split('method="', 1)[1].split('"', 1)[0]
        for line in text.splitlines()
        if line.startswith("webmail_http_requests_total{")
    }
    assert methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}
    assert "other" in methods and "DELETE" in methods
    assert "BREW" not in text and "PROPFIND" not in text
