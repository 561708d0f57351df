"""The session proxy: what a view holds to talk to the user's mailbox.

`MailSession.for_request(request)` knows who the user is, which server holds
their mail and how to unseal their password; `run(fn)` leases a pooled
connection, calls `fn(conn)`, and if the server dropped the connection on the
way, retries once on a fresh one (reconnecting with the session's credentials).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any, TypeVar

from django.http import HttpRequest

from accounts.servers import MailServer, server_for_login
from accounts.sso.tokens import current_secret
from mailview.imap.client import IMAPConnection
from mailview.imap.errors import ConnectionDropped, CredentialsUnavailable
from mailview.imap.pool import ConnectionPool, PoolKey, get_pool, password_fingerprint

T = TypeVar("T")


class MailSession:
    def __init__(
        self,
        login: str,
        server: MailServer,
        password: Callable[[], str],
        pool: ConnectionPool | None = None,
    ) -> None:
        self.login = login
        self.server = server
        self._password_source = password
        self._password: str | None = None
        self._key: PoolKey | None = None
        self.pool = pool or get_pool()
        #: Work begun on another thread for this request, by name, taken by whoever needs its
        #: result (e.g. the out-of-office read that runs beside a page's IMAP work).
        self.begun: dict[str, Future[Any]] = {}

    @classmethod
    def for_user(
        cls, user: Any, session: Any, cookies: Mapping[str, str], pool: ConnectionPool | None = None
    ) -> MailSession:
        if not user.is_authenticated:
            raise CredentialsUnavailable("anonymous")
        login = user.get_username()
        return cls(
            login,
            server_for_login(login),
            lambda: current_secret(session, cookies, user.pk),
            pool,
        )

    @classmethod
    def for_request(cls, request: HttpRequest) -> MailSession:
        cached = getattr(request, "_mail_session", None)
        if cached is None:
            cached = cls.for_user(request.user, request.session, request.COOKIES)
            request._mail_session = cached  # type: ignore[attr-defined]
        return cached

    def password(self) -> str:
        if self._password is None:
            self._password = self._password_source()
        return self._password

    @property
    def key(self) -> PoolKey:
        if self._key is None:
            self._key = PoolKey(
                self.login, self.server, password_fingerprint(self.login, self.password())
            )
        return self._key

    def run(
        self, fn: Callable[[IMAPConnection], T], *, folder: str | None = None, retry: bool = True
    ) -> T:
        """Call fn with a leased connection; one transparent retry if the connection dropped.

        Pass retry=False for work that must not run twice (it may have reached the
        server before the connection broke).
        """
        attempts = 2 if retry else 1
        for attempt in range(1, attempts + 1):
            try:
                with self.pool.lease(self.key, self.password, folder) as conn:
                    return fn(conn)
            except ConnectionDropped:
                if attempt == attempts:
                    raise
                # The server went away under us (restart, idle timeout, kick): the other idle
                # connections of this key are most likely dead too.
                self.pool.discard_idle(self.key)
        raise AssertionError("unreachable")

    def end(self) -> int:
        """LOGOUT and close every pooled connection of this login."""
        return self.pool.close_login(self.login)
