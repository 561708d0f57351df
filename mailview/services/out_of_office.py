"""The out-of-office state the mailbox banner shows (the reply runs today, until when).

It is read from ManageSieve (the webmail's script, filters.py) at most every
VACATION_STATUS_TTL seconds per session and kept in the session. The read runs on a small pool
of threads so that no page waits for the ManageSieve connection, TLS and login: the login starts
it for the session's first page (`begin_vacation_status_at_login`), else the mailbox view starts
it before its IMAP work (`begin_vacation_status`); the page's template takes the answer
(`vacation_status`), and the session is written only on the request's thread.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.sessions.backends.base import SessionBase

from accounts.servers import MailServer, sieve_server_for_login
from mailview.services.filters import read_overview
from mailview.services.session import MailSession

__all__ = [
    "VACATION_STATUS_TTL",
    "VacationStatus",
    "begin_vacation_status",
    "begin_vacation_status_at_login",
    "forget_vacation_status",
    "vacation_status",
    "vacation_status_known",
]

#: How long the mailbox banner trusts what it last read of the out-of-office state (seconds);
#: a save through the webmail updates it at once.
VACATION_STATUS_TTL = 300.0
_VACATION_KEY = "webmail_vacation"
#: How long a page waits for the server's out-of-office state (it then shows no banner).
_VACATION_TIMEOUT = 5.0
#: Reads of the out-of-office state at most running at once per process, beside pages' IMAP work
#: (a page whose read has not started by the time it needs it reads it itself).
_VACATION_READERS = 8
_readers: ThreadPoolExecutor | None = None
_readers_lock = threading.Lock()
#: Reads begun as sessions logged in, by session key: (when, the read), for their first page.
_at_login: dict[str, tuple[float, Future[list[Any]]]] = {}
_AT_LOGIN_SECONDS = 60.0
_AT_LOGIN_MAX = 10_000


@dataclass(frozen=True)
class VacationStatus:
    on: bool
    end: date | None = None


def _vacation_state(server: MailServer, login: str, password: str) -> list[Any]:
    """The out-of-office state as the session keeps it: [good until, running, start, end]."""
    overview = read_overview(server, login, password, _VACATION_TIMEOUT)
    vac = overview.filters.vacation
    return [
        time.time() + VACATION_STATUS_TTL,
        vac.enabled and overview.owned_active,
        vac.start.isoformat() if vac.start else "",
        vac.end.isoformat() if vac.end else "",
    ]


def _begin_read(server: MailServer, login: str, secret: str) -> Future[list[Any]]:
    global _readers
    with _readers_lock:
        if _readers is None:
            _readers = ThreadPoolExecutor(_VACATION_READERS, thread_name_prefix="vacation-read")
        return _readers.submit(_vacation_state, server, login, secret)


def begin_vacation_status_at_login(session: SessionBase, login: str, secret: str) -> None:
    """Start reading the out-of-office state as a session logs in (``secret``: the password
    or token the mail server has just accepted), for the first page the login's redirect
    brings next: its ManageSieve connection, TLS and login then run while the browser follows
    the redirect. Kept in this process, by session key, for _AT_LOGIN_SECONDS."""
    key = session.session_key
    if not key:
        return
    begun = _begin_read(sieve_server_for_login(login), login, secret)
    now = time.monotonic()
    with _readers_lock:
        for old in [k for k, (made, _f) in _at_login.items() if now - made > _AT_LOGIN_SECONDS]:
            del _at_login[old]
        while len(_at_login) >= _AT_LOGIN_MAX:
            del _at_login[next(iter(_at_login))]
        _at_login[key] = (now, begun)


def begin_vacation_status(mail: MailSession, session: SessionBase) -> None:
    """Start reading the out-of-office state on another thread when the session's copy is
    missing or too old, so that the ManageSieve connection, TLS and login run beside the page's
    IMAP work instead of after it (or take the read begun as the session logged in);
    `vacation_status` takes the result. The server and the secret are resolved here, on the
    request's thread (a refreshed single sign-on token is saved in the session by the request,
    as for IMAP)."""
    if vacation_status_known(session) or _VACATION_KEY in mail.begun:
        return
    with _readers_lock:
        at_login = _at_login.pop(session.session_key or "", None)
    if at_login is not None:
        mail.begun[_VACATION_KEY] = at_login[1]
        return
    server, secret = sieve_server_for_login(mail.login), mail.password()
    mail.begun[_VACATION_KEY] = _begin_read(server, mail.login, secret)


def vacation_status(mail: MailSession, session: SessionBase, today: date) -> VacationStatus:
    """Whether the out-of-office reply runs today (for the mailbox banner), read from the
    server at most every VACATION_STATUS_TTL seconds per login session (by the read
    `begin_vacation_status` started, if any)."""
    cached: list[Any]
    begun: Future[list[Any]] | None = mail.begun.pop(_VACATION_KEY, None)
    if vacation_status_known(session):
        cached = session[_VACATION_KEY]
    else:
        # Not known: say "off" for the TTL, also when the server cannot be asked (no
        # ManageSieve, or it is down), so a mailbox page never waits on it twice.
        session[_VACATION_KEY] = [time.time() + VACATION_STATUS_TTL, False, "", ""]
        if begun is None or begun.cancel():
            server = sieve_server_for_login(mail.login)
            cached = _vacation_state(server, mail.login, mail.password())
        else:
            cached = begun.result()  # the read's own timeout bounds the wait
        session[_VACATION_KEY] = cached
    _expires, running, start, end = cached
    start_day = date.fromisoformat(start) if start else None
    end_day = date.fromisoformat(end) if end else None
    on = bool(running) and (start_day is None or start_day <= today)
    on = on and (end_day is None or today <= end_day)
    return VacationStatus(on, end_day)


def forget_vacation_status(session: SessionBase) -> None:
    session.pop(_VACATION_KEY, None)
    with _readers_lock:
        _at_login.pop(session.session_key or "", None)


def vacation_status_known(session: SessionBase) -> bool:
    """Is the out-of-office state kept in ``session`` still good (see vacation_status)?"""
    cached = session.get(_VACATION_KEY)
    return isinstance(cached, list) and len(cached) == 4 and cached[0] > time.time()
