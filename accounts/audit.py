"""The audit log: who did what, from where. Never a password, a message or its content.

`record(event, user_or_login, request=None, **details)` is the one way in; callers elsewhere
(e.g. compose, when a message is sent) call it with counts and sizes only:

    record(AuditEvent.MESSAGE_SENT, request.user, request, recipients=3, size=48213)
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest
from django.utils import timezone

from accounts.logins import canonical_login
from accounts.models import AuditEvent
from accounts.net import client_ip, user_agent

log = logging.getLogger(__name__)

#: Detail keys that are never stored, whatever a caller passes.
FORBIDDEN_DETAILS = frozenset({"password", "body", "content", "text", "html", "subject", "token"})
PRUNE_EVERY = 3600.0  # seconds between automatic prunings in one process

_last_prune = 0.0
_prune_lock = threading.Lock()


def _login_and_user(user_or_login: Any) -> tuple[str, Any]:
    if user_or_login is None:
        return "", None
    if isinstance(user_or_login, str):
        return canonical_login(user_or_login)[:254], None
    if getattr(user_or_login, "is_authenticated", False):
        return user_or_login.get_username()[:254], user_or_login
    return "", None


def record(
    event: str, user_or_login: Any = None, request: HttpRequest | None = None, **details: Any
) -> AuditEvent | None:
    """Add an entry to the audit log; never raises (a failed write is logged, not fatal)."""
    login, user = _login_and_user(user_or_login)
    if not login and request is not None and getattr(request, "user", None) is not None:
        login, user = _login_and_user(request.user)
    clean = {k: v for k, v in details.items() if k.lower() not in FORBIDDEN_DETAILS}
    try:
        entry = AuditEvent.objects.create(
            event=event,
            login=login,
            user=user,
            address=client_ip(request),
            user_agent=user_agent(request),
            details=clean,
        )
    except DatabaseError:
        log.exception("could not write the audit event %s", event)
        return None
    _maybe_prune()
    return entry


def prune(now: Any = None) -> int:
    """Delete entries older than WEBMAIL_AUDIT_RETENTION_DAYS; returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.WEBMAIL_AUDIT_RETENTION_DAYS)
    deleted, _ = AuditEvent.objects.filter(at__lt=cutoff).delete()
    return deleted


def _maybe_prune() -> None:
    global _last_prune
    now = time.monotonic()
    with _prune_lock:
        if now - _last_prune < PRUNE_EVERY:
            return
        _last_prune = now
    try:
        prune()
    except DatabaseError:
        log.exception("could not prune the audit log")
