from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from mailview.imap.pool import get_pool

from .credentials import forget_password


@receiver(user_logged_out)
def end_mail_connections(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Logging out wipes the sealed password and ends the login's IMAP connections (LOGOUT)."""
    if request is not None:
        forget_password(request)
    if user is not None:
        get_pool().close_login(user.get_username())
