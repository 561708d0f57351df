"""Pytest fixtures for a real, private Dovecot (load with ``pytest_plugins``).

- ``dovecot`` (session): one shared, started instance. Never stop or restart it in a test.
- ``mail_user_factory``: ``make(prefix="alice") -> MailUser``, a fresh user on ``dovecot``.
- ``alice``, ``bob``: two fresh users per test.
- ``dovecot_factory``: ``make(extra_config="", tls=True) -> Dovecot``, extra started instances
  (own directory), stopped and removed after the test.
- ``private_dovecot``: one such instance, for tests that stop or restart the server.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import imapclient
import pytest

from tests.support.waiting import wait_until
from webmail.devmail.cyrus import Cyrus
from webmail.devmail.dovecot import Dovecot, append_message
from webmail.devmail.factories import message_bytes

__all__ = ["MailUser", "logged", "make_dovecot_root"]


def logged(dovecot: Dovecot, text: str, times: int = 1, timeout: float = 15.0) -> bool:
    """Does Dovecot's log come to hold ``text`` at least ``times`` times? Its processes write
    through its log process, so a line may arrive a moment after the command it records."""
    return wait_until(lambda: dovecot.log_file.read_text().count(text) >= times, timeout)


def make_dovecot_root(prefix: str = "webmail-dovecot-") -> Path:
    """A fresh directory that Dovecot's unprivileged processes can reach."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/var/tmp"))
    path.chmod(0o755)
    return path


@dataclass
class MailUser:
    """A user on a test server (Dovecot, or Cyrus: tests/support/cyrus.py), with helpers for
    test set-up. Folder names in these helpers are display paths with "/" ("Projects/2024"):
    :meth:`folder` turns them into the server's names."""

    username: str
    password: str
    dovecot: Dovecot | Cyrus
    _clients: list[imapclient.IMAPClient] = field(default_factory=list, repr=False)

    @property
    def address(self) -> str:
        return f"{self.username}@example.org"

    def folder(self, path: str) -> str:
        """The server's name of the display path ``path`` ("Archive" is "INBOX.Archive" in
        Cyrus' default namespace)."""
        server = self.dovecot
        if path.upper() == "INBOX" or not isinstance(server, Cyrus):
            return path
        return server.personal_prefix + path.replace("/", server.separator)

    def client(self) -> imapclient.IMAPClient:
        """A logged-in plain IMAP connection, closed at the end of the test."""
        client = self.dovecot.client(self.username, self.password)
        self._clients.append(client)
        return client

    @contextlib.contextmanager
    def session(self) -> Iterator[imapclient.IMAPClient]:
        """A logged-in plain IMAP connection, closed on leaving the block (for checks that poll:
        one connection at a time, not one per poll until the test ends)."""
        client = self.dovecot.client(self.username, self.password)
        try:
            yield client
        finally:
            _close(client)

    def append(
        self,
        folder: str,
        message: EmailMessage | bytes,
        flags: Sequence[str] = (),
        when: datetime | None = None,
    ) -> int:
        """APPEND to ``folder`` (created if missing); returns the UID."""
        return self.dovecot.append(
            self.username, self.password, self.folder(folder), message, flags, when
        )

    def append_many(
        self,
        folder: str,
        messages: Sequence[tuple[EmailMessage | bytes, datetime | None]],
    ) -> list[int]:
        """APPEND each (message, internal date) to ``folder`` in one MULTIAPPEND (RFC 3502)
        where the server has it: a login and a commit per message cost Cyrus ~0.1 s each.
        Returns the UIDs, in order."""
        name = self.folder(folder)
        with self.session() as client:
            if b"MULTIAPPEND" not in client.capabilities():
                return [append_message(client, name, m, (), when) for m, when in messages]
            if not client.folder_exists(name):
                client.create_folder(name)
                client.subscribe_folder(name)
            response = client.multiappend(
                name,
                [
                    {"msg": message_bytes(m), **({"date": when} if when else {})}
                    for m, when in messages
                ],
            )
            text = response.decode() if isinstance(response, bytes) else str(response)
            match = re.search(r"\[APPENDUID \d+ ([\d:,]+)\]", text)
            assert match, f"no APPENDUID in the APPEND response: {text!r}"
            return uid_set(match.group(1))

    def create_folder(self, name: str) -> None:
        """Create and subscribe ``name`` (separator "/")."""
        with self.session() as client:
            client.create_folder(self.folder(name))
            client.subscribe_folder(self.folder(name))

    @property
    def maildir(self) -> Path:
        assert isinstance(self.dovecot, Dovecot), "Maildirs are Dovecot's"
        return self.dovecot.maildir(self.username)

    def close(self) -> None:
        """Close the connections opened with :meth:`client`."""
        while self._clients:
            _close(self._clients.pop())


def _close(client: imapclient.IMAPClient) -> None:
    """LOGOUT, then the socket closed, whatever state the connection is in."""
    with contextlib.suppress(Exception):
        client.logout()
    with contextlib.suppress(Exception):
        client.shutdown()


def uid_set(text: str) -> list[int]:
    """The UIDs of an IMAP sequence set ("4:6,9" -> [4, 5, 6, 9]), in its order."""
    uids: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition(":")
        low, high = int(first), int(last or first)
        step = 1 if high >= low else -1
        uids.extend(range(low, high + step, step))
    return uids


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    root = make_dovecot_root()
    server = Dovecot(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def _user_factory(server: Dovecot | Cyrus) -> tuple[Callable[..., MailUser], list[MailUser]]:
    users: list[MailUser] = []

    def make(prefix: str = "alice") -> MailUser:
        user = MailUser(
            username=f"{prefix}-{uuid.uuid4().hex[:8]}",
            password=secrets.token_urlsafe(12),
            dovecot=server,
        )
        server.add_user(user.username, user.password)
        users.append(user)
        return user

    return make, users


@pytest.fixture
def mail_user_factory(imap_server: Dovecot | Cyrus) -> Iterator[Callable[..., MailUser]]:
    # imap_server: Dovecot, or each server in turn (tests/support/cyrus.py)
    make, users = _user_factory(imap_server)
    yield make
    for user in users:
        user.close()


@pytest.fixture
def alice(mail_user_factory: Callable[..., MailUser]) -> MailUser:
    return mail_user_factory("alice")


@pytest.fixture
def bob(mail_user_factory: Callable[..., MailUser]) -> MailUser:
    return mail_user_factory("bob")


@pytest.fixture
def dovecot_factory() -> Iterator[Callable[..., Dovecot]]:
    servers: list[Dovecot] = []

    def make(*, extra_config: str = "", tls: bool = True) -> Dovecot:
        server = Dovecot(make_dovecot_root(), extra_config=extra_config, tls=tls)
        servers.append(server)
        server.start()
        return server

    yield make
    for server in servers:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture
def private_dovecot(dovecot_factory: Callable[..., Dovecot]) -> Dovecot:
    """An instance of this test's own: free to be stopped and restarted."""
    return dovecot_factory()
