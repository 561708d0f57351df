"""Fixtures for the compose tests: the app sends through the real SMTP server."""

from __future__ import annotations

import re
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.conftest_dovecot import MailUser
from webmail.devmail.smtp import SubmissionServer


@pytest.fixture
def compose_settings(smtp_settings: SubmissionServer, settings: Any, tmp_path: Path) -> Any:
    settings.WEBMAIL_COMPOSE_DIR = str(tmp_path / "compose")
    settings.WEBMAIL_DEFAULT_DOMAIN = "example.org"
    return settings


def start(client: Client, query: str = "") -> str:
    """Open /compose/ (with ``query``); return the compose id."""
    response = client.get("/compose/" + (f"?{query}" if query else ""))
    assert response.status_code == 302, response.content[:2000]
    match = re.match(r"^/compose/([0-9a-f]{32})/$", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def folder_messages(user: MailUser, folder: str) -> list[tuple[int, set[str], EmailMessage]]:
    """(uid, flags, parsed message) of every message in ``folder``, by UID."""
    client = user.client()
    if not client.folder_exists(folder):
        return []
    client.select_folder(folder, readonly=True)
    uids = client.search("ALL")
    if not uids:
        return []
    data = client.fetch(uids, ["BODY.PEEK[]", "FLAGS"])
    return [
        (
            uid,
            {f.decode() for f in data[uid][b"FLAGS"]},
            message_from_bytes(data[uid][b"BODY[]"], policy=policy.default),
        )
        for uid in sorted(data)
    ]


@pytest.fixture
def compose_start() -> Callable[..., str]:
    return start


def text_of(msg: EmailMessage) -> str:
    """The text/plain body with line ends as \\n."""
    return msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
