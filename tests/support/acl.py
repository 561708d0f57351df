"""A Dovecot with ACLs, the shared namespace and public folders (webmail/devmail/acl.py), its
users, and public folders made as an administrator would."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Mapping, Sequence
from email.message import EmailMessage
from typing import TYPE_CHECKING

import pytest

from tests.support.dovecot import MailUser
from tests.support.servers import point_at
from webmail.devmail.acl import PUBLIC_PREFIX, acl_config, create_public_folder
from webmail.devmail.dovecot import Dovecot, connect
from webmail.devmail.factories import message_bytes

if TYPE_CHECKING:
    from pytest_django.fixtures import Settings


@pytest.fixture
def acl_dovecot(dovecot_factory: Callable[..., Dovecot], settings: Settings) -> Dovecot:
    """A private Dovecot with the acl plugin, the shared and the public namespace (the config
    names the instance's mail directory, known once the factory made it: so it is restarted
    with it); the app points at it."""
    server = dovecot_factory()
    server.stop()
    server.extra_config = acl_config(server.mail_dir)
    server.start()
    point_at(settings, server)
    return server


def acl_user(server: Dovecot, name: str) -> MailUser:
    u = MailUser(f"{name}-{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(12), server)
    server.add_user(u.username, u.password)
    return u


def public_folder(
    server: Dovecot,
    name: str,
    acl: Mapping[str, str],
    messages: Sequence[EmailMessage] = (),
    *,
    seeder: MailUser,
) -> str:
    """Make Public/<name> with ``acl``, ``messages`` APPENDed by ``seeder`` (given every right
    while it seeds); returns the IMAP name."""
    folder = PUBLIC_PREFIX + name
    create_public_folder(server.mail_dir, name, {**acl, f"user={seeder.username}": "lrswipkxtea"})
    conn = connect(server, seeder.username, seeder.password)
    try:
        for msg in messages:
            conn.append_message(folder, message_bytes(msg))
    finally:
        conn.logout()
    create_public_folder(server.mail_dir, name, acl)
    return folder
