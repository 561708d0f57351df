"""Actions on messages: flags, move, copy, delete, archive, junk, empty, undo.

Each function takes the user's MailSession and runs its IMAP commands with
`retry=False`: a state change that may already have reached the server is never
sent twice. Moves and deletes return an `UndoRecord` (the new UIDs from COPYUID),
which the view keeps in the session so the last one can be taken back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mailview.imap.cache import Timed
from mailview.imap.client import CopyResult, FolderInfo, IMAPConnection, check_folder_name
from mailview.imap.errors import CommandFailed, MailError
from mailview.services import mailbox
from mailview.services.folders import shown_name
from mailview.services.roles import ROLE_NAMES, role_folders
from mailview.services.session import MailSession

FLAG_ACTIONS: dict[str, tuple[str, bool]] = {
    "read": ("\\Seen", True),
    "unread": ("\\Seen", False),
    "flag": ("\\Flagged", True),
    "unflag": ("\\Flagged", False),
}
MOVE_ACTIONS = {"move", "copy", "delete", "archive", "junk", "notjunk"}
ACTIONS = set(FLAG_ACTIONS) | MOVE_ACTIONS

MAX_SELECTION = 5000


class ActionRefused(MailError):
    """A request that makes no sense (no message chosen, unknown action, moving to itself)."""

    status = 400


@dataclass(frozen=True)
class UndoRecord:
    """How to take back a move: per target folder, the new UIDs and where they came from."""

    label: str
    moves: list[dict[str, Any]] = field(default_factory=list)

    def as_session(self) -> dict[str, Any]:
        return {"label": self.label, "moves": self.moves}

    @classmethod
    def from_session(cls, data: Any) -> UndoRecord | None:
        if not isinstance(data, dict) or not isinstance(data.get("moves"), list):
            return None
        return cls(label=str(data.get("label", "")), moves=data["moves"])


@dataclass(frozen=True)
class ActionResult:
    message: str
    count: int
    undo: UndoRecord | None = None


def parse_selection(folder: str | None, uids: list[str], refs: list[str]) -> dict[str, list[int]]:
    """The messages a form chose: `uid` values in `folder`, and/or `m` values "<folder>/<uid>".

    Folder names are validated; UIDs must be positive integers. Nothing else reaches IMAP.
    """
    chosen: dict[str, list[int]] = {}

    def add(name: str, raw: str) -> None:
        try:
            uid = int(raw)
        except (TypeError, ValueError):
            raise ActionRefused(f"bad uid {raw!r}", user_message=_("Invalid message.")) from None
        if uid <= 0 or uid >= 2**32:
            raise ActionRefused(f"bad uid {raw!r}", user_message=_("Invalid message."))
        bucket = chosen.setdefault(check_folder_name(name), [])
        if uid not in bucket:
            bucket.append(uid)

    for raw in uids:
        if not folder:
            raise ActionRefused("uid without folder", user_message=_("Invalid message."))
        add(folder, raw)
    for ref in refs:
        name, _sep, raw = ref.rpartition("/")
        add(name, raw)
    if not chosen:
        raise ActionRefused("empty selection", user_message=_("Select one or more messages."))
    if sum(len(v) for v in chosen.values()) > MAX_SELECTION:
        raise ActionRefused("selection too large", user_message=_("Too many messages at once."))
    return chosen


def find_role(conn: IMAPConnection, role: str) -> str | None:
    """The folder with special-use `role` (e.g. "\\Trash"), or one with a usual name."""
    made = conn.cache.special
    if made is None or time.monotonic() - made.made > settings.WEBMAIL_FOLDER_TREE_TTL:
        made = conn.cache.special = Timed(time.monotonic(), conn.special_use_folders())
    folders: list[FolderInfo] = made.value
    prefix, _delimiter = conn.namespace_prefix()
    return role_folders(folders, prefix).get(role)


def ensure_role(conn: IMAPConnection, role: str) -> str:
    """The folder for `role`, created (and subscribed) on first need when the server has none."""
    found = find_role(conn, role)
    if found is not None:
        return found
    prefix, _delimiter = conn.namespace_prefix()
    name = prefix + ROLE_NAMES[role][0]
    # CREATE-SPECIAL-USE (RFC 6154): the new folder carries its marker for every client.
    special = role if conn.has("CREATE-SPECIAL-USE") else None
    try:
        conn.create_folder(name, special_use=special)
    except CommandFailed:
        if special is None:
            raise
        conn.create_folder(name)  # a server may refuse the marker (e.g. only one \All)
    conn.set_subscribed(name, True)
    conn.cache.special = None
    return name


def is_role(conn: IMAPConnection, folder: str, role: str) -> bool:
    return find_role(conn, role) == folder


def _count(n: int) -> str:
    return ngettext("%(n)d message", "%(n)d messages", n) % {"n": n}


def apply_action(
    mail: MailSession,
    selection: dict[str, list[int]],
    action: str,
    target: str | None = None,
    *,
    delete_mode: str = "trash",
    confirmed: bool = False,
) -> ActionResult:
    """Run `action` on the selected messages; the caller has asked for confirmation if needed."""
    if action not in ACTIONS:
        raise ActionRefused(f"unknown action {action!r}", user_message=_("Unknown action."))
    if action in ("move", "copy"):
        if not target:
            raise ActionRefused("no target", user_message=_("Choose a folder."))
        check_folder_name(target)

    def run(conn: IMAPConnection) -> ActionResult:
        total = 0
        moves: list[dict[str, Any]] = []
        label = ""
        for folder, uids in selection.items():
            conn.select(folder)
            if action in FLAG_ACTIONS:
                flag, add = FLAG_ACTIONS[action]
                conn.store_flags(uids, [flag], add)
                total += len(uids)
                continue
            dest = _destination(conn, folder, action, target, delete_mode)
            if dest is None:  # permanent delete
                if not confirmed:
                    raise ActionRefused(
                        "unconfirmed delete",
                        user_message=_("Deleting needs a confirmation."),
                    )
                conn.expunge_messages(uids, folder)
                total += len(uids)
                label = _("Deleted %(count)s for good.") % {"count": _count(total)}
                continue
            if dest == folder:
                raise ActionRefused(
                    "same folder",
                    user_message=_("The messages are already in this folder."),
                )
            if action == "junk":
                _keywords(conn, uids, add="$Junk", remove="$NotJunk")
            elif action == "notjunk":
                _keywords(conn, uids, add="$NotJunk", remove="$Junk")
            if action == "copy":
                conn.copy_messages(uids, dest)
            else:
                result: CopyResult = conn.move_messages(uids, dest)
                if result.uids and result.uidvalidity is not None:
                    moves.append(
                        {
                            "from": folder,
                            "to": dest,
                            "uidvalidity": result.uidvalidity,
                            "uids": [result.uids[u] for u in uids if u in result.uids],
                        }
                    )
            total += len(uids)
            prefix, delimiter = conn.namespace_prefix()
            label = _describe(action, total, shown_name(dest, prefix, delimiter))
        if action in FLAG_ACTIONS:
            label = _describe(action, total, None)
        undo = UndoRecord(label, moves) if moves else None
        return ActionResult(label, total, undo)

    first = next(iter(selection))
    return mail.run(run, folder=first, retry=False)


def _destination(
    conn: IMAPConnection, folder: str, action: str, target: str | None, delete_mode: str
) -> str | None:
    if action in ("move", "copy") and target is not None:
        # The picker shows and sends display paths: the server's name is the tree's.
        node = mailbox.page_tree(conn).chosen(target)
        return node.name if node is not None else target
    if action == "archive":
        return ensure_role(conn, "\\Archive")
    if action == "junk":
        return ensure_role(conn, "\\Junk")
    if action == "notjunk":
        return "INBOX"
    # delete
    if delete_mode == "delete" or is_role(conn, folder, "\\Trash"):
        return None
    return ensure_role(conn, "\\Trash")


def _keywords(conn: IMAPConnection, uids: list[int], add: str, remove: str) -> None:
    """$Junk / $NotJunk keywords help server-side filters learn; a server may refuse them."""
    try:
        conn.store_flags(uids, [add], True)
        conn.store_flags(uids, [remove], False)
    except CommandFailed:
        pass


def _describe(action: str, n: int, dest: str | None) -> str:
    count = _count(n)
    texts = {
        "read": _("Marked %(count)s as read."),
        "unread": _("Marked %(count)s as unread."),
        "flag": _("Flagged %(count)s."),
        "unflag": _("Unflagged %(count)s."),
        "move": _("Moved %(count)s to %(dest)s."),
        "copy": _("Copied %(count)s to %(dest)s."),
        "delete": _("Moved %(count)s to %(dest)s."),
        "archive": _("Archived %(count)s."),
        "junk": _("Marked %(count)s as junk."),
        "notjunk": _("Moved %(count)s back to the inbox."),
    }
    return texts[action] % {"count": count, "dest": dest}


def undo(mail: MailSession, record: UndoRecord) -> ActionResult:
    """Move the messages of the last move back where they came from."""

    def run(conn: IMAPConnection) -> ActionResult:
        total = 0
        for move in record.moves:
            source, dest = check_folder_name(move["to"]), check_folder_name(move["from"])
            state = conn.select(source)
            if state.uidvalidity != int(move["uidvalidity"]):
                raise ActionRefused(
                    "uidvalidity changed",
                    user_message=_("This can no longer be undone: the folder has changed."),
                )
            uids = [int(u) for u in move["uids"]]
            conn.move_messages(uids, dest)
            total += len(uids)
        return ActionResult(_("Undone: %(count)s back.") % {"count": _count(total)}, total)

    first = record.moves[0]["to"] if record.moves else "INBOX"
    return mail.run(run, folder=first, retry=False)


def empty_folder(mail: MailSession, folder: str) -> ActionResult:
    """Delete every message in Trash or Junk (only those: other folders are refused)."""
    check_folder_name(folder)

    def run(conn: IMAPConnection) -> ActionResult:
        if not (is_role(conn, folder, "\\Trash") or is_role(conn, folder, "\\Junk")):
            raise ActionRefused(
                "not trash or junk", user_message=_("Only Trash and Junk can be emptied.")
            )
        n = conn.expunge_all(folder)
        return ActionResult(_("Deleted %(count)s for good.") % {"count": _count(n)}, n)

    return mail.run(run, folder=folder, retry=False)
