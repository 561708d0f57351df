from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import Signal, receiver

from mailview.imap.pool import get_pool
from mailview.imap.watcher import end_live_mail

from .credentials import forget_password

#: Sent with ``login=<mail login>`` whenever a user's mail sessions end in this process: logout,
#: an admin's "end session", a disabled account. Receivers release what they hold for the login
#: (pooled IMAP connections here; IDLE watchers and websockets where live mail is wired in).
mail_sessions_ended = Signal()


@receiver(user_logged_out)
def end_mail_connections(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Logging out wipes the sealed password and ends the login's mail sessions."""
    if request is not None:
        forget_password(request)
    if user is not None:
        mail_sessions_ended.send(sender=end_mail_connections, login=user.get_username())


@receiver(mail_sessions_ended)
def close_pooled_connections(sender: Any, login: str, **kwargs: Any) -> None:
    """LOGOUT on every pooled connection of the login (also those leased at this moment)."""
    get_pool().close_login(login)


@receiver(mail_sessions_ended)
def close_live_mail(sender: Any, login: str, **kwargs: Any) -> None:
    """Close the login's IDLE watchers in this process and its websockets in every process."""
    end_live_mail(login)
