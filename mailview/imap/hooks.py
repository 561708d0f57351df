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


def observe_command(command: str, seconds: float) -> None:
    observer = _observer
    if observer is not None:
        observer(command, seconds)
