"""Offline use (opt-in per device): the session's key for what the browser keeps, and the
replay of actions queued while the device was offline.

The browser keeps lists and messages encrypted with a key that lives in the server-side
session only (docs/decisions.md, "Offline mail: a key held by the session"); a new session
has a new key, so what an ended session left behind cannot be read.

Queued actions are replayed one by one, in order. A message that is no longer there (deleted
or moved by another device meanwhile) is reported and dropped, never retried."""

from __future__ import annotations

import base64
import secrets
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any, Literal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mailview.imap.client import IMAPConnection, check_folder_name
from mailview.imap.errors import CommandFailed
from mailview.services import actions
from mailview.services.session import MailSession

SESSION_KEY = "webmail_offline_key"


def session_key(session: MutableMapping[str, Any]) -> str:
    """The session's AES-256 key for kept mail (base64), made on first use."""
    key = session.get(SESSION_KEY)
    if not isinstance(key, str):
        key = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
        session[SESSION_KEY] = key
    return key


@dataclass(frozen=True)
class ReplayResult:
    """What became of one queued action: done, partly or wholly missing, or refused."""

    status: Literal["done", "missing", "refused"]
    message: str
    missing: tuple[int, ...] = ()


def replay_action(
    mail: MailSession,
    folder: str,
    uids: list[int],
    action: str,
    target: str | None,
    *,
    delete_mode: str,
) -> ReplayResult:
    """Apply one queued action to the messages of `uids` that are still in `folder`."""
    check_folder_name(folder)
    if action not in actions.ACTIONS or action == "copy" or not uids:
        return ReplayResult("refused", _("This action cannot be replayed."))

    def present(conn: IMAPConnection) -> set[int]:
        conn.select(folder)
        return {summary.uid for summary in conn.fetch_summaries(uids)}

    try:
        there = mail.run(present, folder=folder)
    except CommandFailed as error:  # the folder itself is gone
        return ReplayResult("missing", str(error.user_message), tuple(uids))
    missing = tuple(uid for uid in uids if uid not in there)
    if not there:
        return ReplayResult(
            "missing",
            ngettext(
                "The message is no longer in this folder.",
                "The messages are no longer in this folder.",
                len(uids),
            ),
            missing,
        )
    try:
        result = actions.apply_action(
            mail,
            {folder: [uid for uid in uids if uid in there]},
            action,
            target,
            delete_mode=delete_mode,
        )
    except (CommandFailed, actions.ActionRefused) as error:  # e.g. a delete needing a yes
        return ReplayResult("refused", str(error.user_message), missing)
    if missing:
        return ReplayResult("missing", result.message, missing)
    return ReplayResult("done", result.message)
