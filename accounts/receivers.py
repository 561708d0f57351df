"""Receivers of Django's auth signals and of mail_sessions_ended (connected by apps.ready)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts import audit
from accounts.credentials import forget_password
from accounts.models import AuditEvent
from accounts.sessions import record_login, record_logout
from accounts.signals import login_attempted, mail_sessions_ended
from accounts.throttling import attempted_login
from mailview.imap.pool import get_pool


@receiver(user_logged_out)
def end_mail_connections(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Logging out wipes the sealed password and ends the login's mail sessions."""
    if request is not None:
        record_logout(request, user)
        forget_password(request)
    if user is not None:
        mail_sessions_ended.send(sender=end_mail_connections, login=user.get_username())


@receiver(mail_sessions_ended)
def close_pooled_connections(sender: Any, login: str, **kwargs: Any) -> None:
    """LOGOUT on every pooled connection of the login (also those leased at this moment)."""
    get_pool().close_login(login)


@receiver(user_logged_in)
def track_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """The session row, the mail account's last login, the audit entry."""
    if request is not None:
        record_login(request, user)


@receiver(user_login_failed)
def audit_failed_login(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    """A refused password (or a throttled attempt) goes to the audit log, without the password."""
    if getattr(request, "axes_locked_out", False):
        return  # accounts.throttling records the throttled attempt
    audit.record(AuditEvent.LOGIN_FAILED, attempted_login(request, credentials), request)
    login_attempted.send(sender=audit_failed_login, result="failure")
