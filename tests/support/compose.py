"""Helpers of the compose tests: starting a compose, reading what arrived."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage

from django.test import Client

from tests.support.dovecot import MailUser


def start(client: Client, query: str = "") -> str:
    """Open /compose/ (with ``query``); return the compose id."""
    response = client.get("/compose/" + (f"?{query}" if query else ""))
    assert response.status_code == 302, response.content[:2000]
    match = re.match(r"^/compose/([0-9a-f]{32})/$", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def folder_messages(user: MailUser, folder: str) -> list[tuple[int, set[str], EmailMessage]]:
    """(uid, flags, parsed message) of every message in ``folder``, by UID. A message removed
    between the SEARCH and the FETCH (an autosave replaces the draft) is not among them: the
    server answers its FETCH without a body."""
    with user.session() as client:
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
        if data[uid].get(b"BODY[]") is not None
    ]


def text_of(msg: EmailMessage) -> str:
    """The text/plain body with line ends as \\n."""
    body = msg.get_body(("plain",))
    assert body is not None, "no text/plain body"
    return body.get_content().replace("\r\n", "\n")
