"""Mail accounts and their sessions: tracking, ending, disabling.

Every login (through any backend) gets an ActiveSession row keyed by the Django session key.
Ending a session deletes the Django session (the browser is logged out at its next request) and
announces the end of the login's mail sessions: `mail_sessions_ended` in this process, and an
EndedLogin row that the other worker processes pick up (webmail.workers) to do the same.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from datetime import timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import DatabaseError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts import audit
from accounts.logins import canonical_login
from accounts.models import ActiveSession, AuditEvent, EndedLogin, MailAccount
from accounts.net import client_ip, user_agent
from accounts.signals import login_attempted, mail_sessions_ended

log = logging.getLogger(__name__)

IMAP_BACKEND = "accounts.backends.IMAPBackend"

#: EndedLogin ids written by this process (its own broadcasts are not replayed).
own_broadcasts: set[int] = set()
_own_lock = threading.Lock()


def _session_store(session_key: str) -> Any:
    engine = import_module(settings.SESSION_ENGINE)
    return engine.SessionStore(session_key=session_key)


# -- recording ----------------------------------------------------------------------------------


def record_login(request: HttpRequest, user: Any) -> None:
    """After a successful login: the session row, the mail account, the audit entry."""
    now = timezone.now()
    login = user.get_username()
    address = client_ip(request)
    session_key = request.session.session_key
    if session_key:
        ActiveSession.objects.update_or_create(
            session_key=session_key,
            defaults={
                "user": user,
                "login": login,
                "address": address,
                "user_agent": user_agent(request),
                "last_seen": now,
            },
        )
        _touched[session_key] = time.monotonic()
    if getattr(user, "backend", None) == IMAP_BACKEND:
        MailAccount.objects.update_or_create(
            user=user,
            defaults={"login": login, "last_login_at": now, "last_login_address": address},
        )
    audit.record(AuditEvent.LOGIN, user, request, backend=getattr(user, "backend", ""))
    login_attempted.send(sender=record_login, result="success")


def record_logout(request: HttpRequest, user: Any) -> None:
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        ActiveSession.objects.filter(session_key=session_key).delete()
        _touched.pop(session_key, None)
    if user is not None:
        audit.record(AuditEvent.LOGOUT, user, request)


# -- last seen ------------------------------------------------------------------------------------

_touched: dict[str, float] = {}  # session key -> monotonic time of the last write, this process


def touch(request: HttpRequest) -> bool:
    """Update the session's last_seen at most every WEBMAIL_SESSION_TOUCH_INTERVAL seconds.

    Returns False when the session's ActiveSession row is gone (it was ended): the caller
    logs the request out.
    """
    key = request.session.session_key
    if not key:
        return True
    now = time.monotonic()
    last = _touched.get(key)
    if last is not None and now - last < settings.WEBMAIL_SESSION_TOUCH_INTERVAL:
        return True
    _touched[key] = now
    if len(_touched) > 50_000:  # forget keys not written for a while
        horizon = now - settings.WEBMAIL_SESSION_TOUCH_INTERVAL
        for stale in [k for k, t in _touched.items() if t < horizon]:
            _touched.pop(stale, None)
    try:
        updated = ActiveSession.objects.filter(session_key=key).update(last_seen=timezone.now())
    except DatabaseError:
        log.exception("could not update a session's last seen time")
        return True
    if not updated:
        _touched.pop(key, None)
    return bool(updated)


# -- ending ---------------------------------------------------------------------------------------


def live_sessions() -> QuerySet[ActiveSession]:
    """Sessions whose Django session has not expired."""
    valid = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    return ActiveSession.objects.filter(session_key__in=valid)


def announce_sessions_ended(login: str, session_key: str | None = None) -> None:
    """Tell this process and the others that `login`'s mail sessions ended."""
    mail_sessions_ended.send(sender=announce_sessions_ended, login=login, session_key=session_key)
    try:
        row = EndedLogin.objects.create(login=login)
    except DatabaseError:
        log.exception("could not broadcast the end of a login's sessions")
        return
    with _own_lock:
        own_broadcasts.add(row.pk)


def end_sessions(
    sessions: Iterable[ActiveSession], *, actor: Any = None, request: HttpRequest | None = None
) -> int:
    """End these sessions now: their browsers are logged out, their mail connections closed."""
    ended = 0
    logins: set[str] = set()
    for active in list(sessions):
        _session_store(active.session_key).delete()
        ActiveSession.objects.filter(pk=active.pk).delete()
        _touched.pop(active.session_key, None)
        logins.add(active.login)
        ended += 1
        audit.record(
            AuditEvent.SESSION_ENDED,
            active.login,
            request,
            by=actor.get_username() if actor is not None else "",
            session_address=active.address or "",
        )
    for login in logins:
        announce_sessions_ended(login)
    return ended


def end_sessions_of(login: str, *, actor: Any = None, request: HttpRequest | None = None) -> int:
    login = canonical_login(login)
    count = end_sessions(ActiveSession.objects.filter(login=login), actor=actor, request=request)
    if not count:
        # No tracked session, but the processes may still hold connections of the login.
        announce_sessions_ended(login)
    return count


def set_account_enabled(
    account: MailAccount,
    enabled: bool,
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> None:
    """Enable or disable a mail account; disabling ends its live sessions at once."""
    MailAccount.objects.filter(pk=account.pk).update(enabled=enabled)
    account.enabled = enabled
    audit.record(
        AuditEvent.ADMIN_ACTION,
        actor,
        request,
        action="enable account" if enabled else "disable account",
        account=account.login,
    )
    if not enabled:
        end_sessions_of(account.login, actor=actor, request=request)


def account_enabled(login: str) -> bool:
    return not MailAccount.objects.filter(login=canonical_login(login), enabled=False).exists()


# -- picking up other processes' broadcasts (called by webmail.workers) ---------------------------


def latest_broadcast_id() -> int:
    row = EndedLogin.objects.order_by("-pk").values_list("pk", flat=True).first()
    return row or 0


def replay_broadcasts(after: int) -> int:
    """Send mail_sessions_ended here for the broadcasts of other processes; the last id seen."""
    last = after
    for pk, login in (
        EndedLogin.objects.filter(pk__gt=after).order_by("pk").values_list("pk", "login")
    ):
        last = pk
        with _own_lock:
            own = pk in own_broadcasts
            own_broadcasts.discard(pk)
        if not own:
            mail_sessions_ended.send(sender=replay_broadcasts, login=login, session_key=None)
    return last


def prune_broadcasts(max_age_seconds: float = 3600) -> None:
    cutoff = timezone.now() - timedelta(seconds=max_age_seconds)
    EndedLogin.objects.filter(at__lt=cutoff).delete()


def prune_stale_sessions() -> int:
    """Forget ActiveSession rows whose Django session is gone or expired."""
    valid = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    deleted, _ = ActiveSession.objects.exclude(session_key__in=valid).delete()
    return deleted
