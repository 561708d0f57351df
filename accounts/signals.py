from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import Signal, receiver

from accounts.credentials import forget_password
from mailview.imap.pool import get_pool

#: Sent with ``login=<mail login>`` whenever a user's mail sessions end in this process: logout,
#: an admin's "end session", a disabled account. Receivers release what they hold for the login
#: (pooled IMAP connections here; IDLE watchers and websockets where live mail is wired in).
#: (accounts.sessions also passes ``session_key=`` when one admin-ended session caused it.)
mail_sessions_ended = Signal()

#: Sent with ``result=`` "success", "failure" or "throttled" for every login attempt (the
#: metrics count them: webmail/apps.py connects the receiver).
login_attempted = Signal()


@receiver(user_logged_out)
def end_mail_connections(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Logging out wipes the sealed password and ends the login's mail sessions."""
    if request is not None:
        from accounts.sessions import record_logout

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
        from accounts.sessions import record_login

        record_login(request, user)


@receiver(user_login_failed)
def audit_failed_login(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    """A refused password (or a throttled attempt) goes to the audit log, without the password."""
    from accounts import audit
    from accounts.models import AuditEvent
    from accounts.throttling import attempted_login

    if getattr(request, "axes_locked_out", False):
        return  # accounts.throttling records the throttled attempt
    audit.record(AuditEvent.LOGIN_FAILED, attempted_login(request, credentials), request)
    login_attempted.send(sender=audit_failed_login, result="failure")
