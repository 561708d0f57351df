"""Pytest fixtures for a real SMTP submission server delivering into the test Dovecot.

- ``smtp_server`` (session): STARTTLS on a loopback port, AUTH against ``dovecot``, delivery by
  LMTP. Never stop it in a test.
- ``smtp_server_factory``: ``make(security="starttls", max_size=..., dovecot=None)`` -> a started
  server of the test's own (free to stop, restart or to have a small size limit), stopped after
  the test.
- ``smtp_settings``: points the app's SMTP_* settings at ``smtp_server``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from webmail.devmail.dovecot import Dovecot
from webmail.devmail.smtp import SubmissionServer


@pytest.fixture(scope="session")
def smtp_server(dovecot: Dovecot) -> Iterator[SubmissionServer]:
    server = SubmissionServer.for_dovecot(dovecot, security="starttls")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_server_factory(dovecot: Dovecot) -> Iterator[Callable[..., SubmissionServer]]:
    servers: list[SubmissionServer] = []

    def make(*, dovecot_instance: Dovecot | None = None, **kwargs: Any) -> SubmissionServer:
        server = SubmissionServer.for_dovecot(dovecot_instance or dovecot, **kwargs)
        servers.append(server)
        server.start()
        return server

    yield make
    for server in servers:
        server.stop()


def point_smtp_at(settings: Any, server: SubmissionServer) -> None:
    settings.SMTP_HOST = server.host
    settings.SMTP_PORT = server.port
    settings.SMTP_SECURITY = server.security
    settings.SMTP_CA_FILE = str(server.ca_file) if server.ca_file else None


@pytest.fixture
def smtp_settings(smtp_server: SubmissionServer, settings: Any) -> SubmissionServer:
    """The app sends through the session's SMTP server."""
    point_smtp_at(settings, smtp_server)
    return smtp_server


@pytest.fixture
def compose_settings(smtp_settings: SubmissionServer, settings: Any, tmp_path: Path) -> Any:
    """The app sends through the real SMTP server and keeps compose state in tmp_path."""
    settings.WEBMAIL_COMPOSE_DIR = str(tmp_path / "compose")
    settings.WEBMAIL_DEFAULT_DOMAIN = "example.org"
    return settings
