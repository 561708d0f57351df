"""Pointing the app at a test server."""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.servers import MailServer, default_server
from webmail.devmail.cyrus import Cyrus
from webmail.devmail.dovecot import Dovecot

if TYPE_CHECKING:
    from pytest_django.fixtures import Settings


def point_at(
    settings: Settings, dovecot: Dovecot | Cyrus, security: str = "starttls"
) -> MailServer:
    settings.IMAP_HOST = dovecot.host
    settings.IMAP_PORT = dovecot.imaps_port if security == "ssl" else dovecot.imap_port
    settings.IMAP_SECURITY = security
    settings.IMAP_CA_FILE = str(dovecot.ca_file)
    return default_server()
