"""Hooks the IMAP layer calls without knowing who listens (it imports nothing of the app).

The webmail registers its metrics at start-up (webmail.apps): `set_command_observer` with a
function that gets each command's name and its duration in seconds.
"""

from __future__ import annotations

from collections.abc import Callable

CommandObserver = Callable[[str, float], None]

_observer: CommandObserver | None = None


def set_command_observer(observer: CommandObserver | None) -> None:
    """Call `observer(command, seconds)` after every IMAP command (None: nobody)."""
    global _observer
    _observer = observer


def command_observer() -> CommandObserver | None:
    """The observer set now (a test that listens too puts it back afterwards)."""
    return _observer


def observe_command(command: str, seconds: float) -> None:
    observer = _observer
    if observer is not None:
        observer(command, seconds)


# -- IMAP ID (RFC 2971) ---------------------------------------------------------------------------

_client_id: tuple[tuple[str, str], ...] = ()
_server_ids: dict[str, dict[str, str]] = {}
_MAX_SERVERS = 100


def set_client_id(fields: dict[str, str] | None) -> None:
    """What the app says about itself after login (ID), e.g. {"name": "Webmail", "version":
    "0.1.0"}; None or {}: no ID is sent. Never anything about the user or their browser."""
    global _client_id
    _client_id = tuple((fields or {}).items())


def client_id() -> tuple[tuple[str, str], ...]:
    return _client_id


def record_server_id(server: str, fields: dict[str, str]) -> None:
    """Keep the last ID reply of each server (this process; at most 100 servers)."""
    if server not in _server_ids and len(_server_ids) >= _MAX_SERVERS:
        _server_ids.pop(next(iter(_server_ids)))
    _server_ids[server] = fields


def server_ids() -> dict[str, dict[str, str]]:
    """Server ("host:port") -> its ID reply, as last seen by this process."""
    return dict(_server_ids)
