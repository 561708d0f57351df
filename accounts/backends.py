"""Authentication against the user's IMAP server."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.logins import canonical_login
from accounts.models import Preferences
from accounts.rowload import user_with_related
from accounts.servers import server_for_login
from accounts.sessions import account_enabled
from mailview.imap.client import IMAPConnection
from mailview.imap.errors import AuthenticationFailed, MailError
from mailview.imap.pool import PoolKey, get_pool, password_fingerprint

log = logging.getLogger(__name__)


class AccountDisabled(MailError):
    """The password is right but an admin disabled the account (or the Django user)."""

    user_message = _("This account is disabled. Ask your administrator.")
    status = 403


class IMAPBackend(BaseBackend):
    """A user is whoever the IMAP server accepts (LOGIN or AUTHENTICATE PLAIN).

    The Django user is created on first login, with an unusable password: the
    password lives only in the mail server (and, sealed, in the session). The
    connection that checked the password goes into the pool, so the first page
    after login does not log in again.

    Server problems (unreachable, TLS, timeout), a refused domain and a disabled
    account propagate as MailError so that the login form can name them; a refused
    password returns None. Local accounts (staff created with createsuperuser, who
    have a usable password) never authenticate here, and the admin's login form
    (`local_only=True`) never asks IMAP.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if not username or not password or kwargs.get("local_only"):
            return None
        # Every spelling of a login is one account: the server is asked, and the Django user,
        # its devices and its disabled flag are looked up, with the canonical form only.
        login = canonical_login(username)
        if not login or any(ord(c) < 32 for c in login) or any(ord(c) < 32 for c in password):
            return None
        server = server_for_login(login)
        try:
            conn = IMAPConnection.open(server, login, password, settings.WEBMAIL_IMAP_TIMEOUT)
        except AuthenticationFailed:
            log.info("login refused by %s", server)
            return None
        user_model = get_user_model()
        field = user_model.USERNAME_FIELD
        spellings = [
            u
            for u in user_model._default_manager.filter(**{f"{field}__iexact": login})
            if canonical_login(u.get_username()) == login
        ]
        if any(u.has_usable_password() for u in spellings):
            conn.logout()
            log.warning("a mail login matched a local (staff) account; refused")
            return None
        if any(not self.user_can_authenticate(u) for u in spellings) or not account_enabled(login):
            conn.logout()
            raise AccountDisabled(f"account {login!r} is disabled")
        lookup: dict[str, Any] = {user_model.USERNAME_FIELD: login}
        user, created = user_model._default_manager.get_or_create(**lookup)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        get_pool().adopt(PoolKey(login, server, password_fingerprint(login, password)), conn)
        return user

    def user_can_authenticate(self, user: Any) -> bool:
        return getattr(user, "is_active", True)

    def get_user(self, user_id: int) -> Any:
        user_model = get_user_model()
        try:
            # With the user's settings in the same query: every request reads both
            # (accounts.middleware.UserTimezoneMiddleware), one query instead of two, whose SQL
            # is made once (accounts/rowload.py).
            user = user_with_related(user_model, Preferences, user_id)
        except ValidationError:
            return None
        if user is None:
            return None
        return user if self.user_can_authenticate(user) else None
