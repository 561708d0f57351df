"""Folder management: create, rename, delete, subscribe, and the quota.

Names come from users: they are validated (`check_folder_name`, no hierarchy delimiter in
a new name) and go to the server through imapclient's quoting (modified UTF-7). The server's
refusals become messages that say what went wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from mailview.imap.client import FolderInfo, IMAPConnection, QuotaUsage, check_folder_name
from mailview.imap.errors import CommandFailed, InvalidName, MailError
from mailview.services.folders import FolderTree, build_tree
from mailview.services.mailbox import _tree
from mailview.services.session import MailSession

MAX_LABEL = 200


class FolderRefused(MailError):
    status = 400


@dataclass(frozen=True)
class FolderRow:
    name: str
    label: str
    depth: int
    role: str | None
    subscribed: bool
    selectable: bool
    messages: int
    unseen: int

    @property
    def protected(self) -> bool:
        """INBOX and special-use folders are not renamed or deleted here."""
        return self.role is not None


@dataclass(frozen=True)
class FolderOverview:
    rows: list[FolderRow]
    delimiter: str | None
    quota: list[QuotaUsage]


def _refusal(exc: CommandFailed, fallback: str) -> FolderRefused:
    text = exc.detail.upper()
    if "ALREADYEXISTS" in text or "ALREADY EXISTS" in text:
        message = _("A folder with this name already exists.")
    elif "NONEXISTENT" in text or "DOESN'T EXIST" in text or "NOT EXIST" in text:
        message = _("This folder does not exist (any more).")
    elif "HAS CHILDREN" in text or "INUSE" in text:
        message = _("This folder has subfolders: delete them first.")
    elif "NOPERM" in text or "PERMISSION" in text:
        message = _("The mail server does not allow this.")
    elif "LIMIT" in text or "OVERQUOTA" in text:
        message = _("The mail server's limit is reached.")
    else:
        message = fallback
    return FolderRefused(exc.detail, user_message=message)


def overview(mail: MailSession) -> tuple[FolderTree, FolderOverview]:
    """Every folder (subscribed or not), nested, with counts; and the quota."""

    def read(conn: IMAPConnection) -> tuple[FolderTree, FolderOverview]:
        prefix, _d = conn.namespace_prefix()
        infos = conn.list_folders(subscribed_only=False)
        subscribed = {info.name: info.subscribed for info in infos}
        full = build_tree(infos, prefix)
        rows = [
            FolderRow(
                name=node.name,
                label=node.label,
                depth=node.depth,
                role=node.role,
                subscribed=subscribed.get(node.name, False),
                selectable=node.selectable,
                messages=node.messages,
                unseen=node.unseen,
            )
            for node in full.nodes
        ]
        return _tree(conn), FolderOverview(rows, full.delimiter, conn.quota("INBOX"))

    return mail.run(read)


def _check_label(label: str, delimiter: str | None) -> str:
    label = label.strip()
    if not label or len(label) > MAX_LABEL:
        raise InvalidName("empty or long", user_message=_("Give the folder a name."))
    if delimiter and delimiter in label:
        raise InvalidName(
            "delimiter in name",
            user_message=_("A folder name cannot contain “%(d)s”: choose a parent folder instead.")
            % {"d": delimiter},
        )
    if label.upper() == "INBOX":
        raise InvalidName("inbox", user_message=_("This name is reserved."))
    check_folder_name(label)
    return label


def _full_name(conn: IMAPConnection, parent: str, label: str) -> str:
    prefix, delimiter = conn.namespace_prefix()
    delimiter = delimiter or _server_delimiter(conn)
    label = _check_label(label, delimiter)
    if parent:
        check_folder_name(parent)
        if not delimiter:
            raise InvalidName("flat", user_message=_("This server has no nested folders."))
        return parent + delimiter + label
    return prefix + label


def _server_delimiter(conn: IMAPConnection) -> str | None:
    return next((f.delimiter for f in conn.special_use_folders() if f.delimiter), None)


def _existing(conn: IMAPConnection) -> dict[str, FolderInfo]:
    return {f.name: f for f in conn.special_use_folders()}


def create_folder(mail: MailSession, label: str, parent: str = "") -> str:
    """Create and subscribe a folder `label` under `parent` (top level if empty)."""

    def run(conn: IMAPConnection) -> str:
        name = _full_name(conn, parent, label)
        if parent and parent not in _existing(conn):
            raise FolderRefused("no parent", user_message=_("The parent folder does not exist."))
        try:
            conn.create_folder(name)
        except CommandFailed as exc:
            raise _refusal(exc, _("The folder could not be created.")) from None
        conn.set_subscribed(name, True)
        return name

    return mail.run(run, retry=False)


def _guard(conn: IMAPConnection, name: str) -> FolderInfo:
    check_folder_name(name)
    info = _existing(conn).get(name)
    if info is None:
        raise FolderRefused("missing", user_message=_("This folder does not exist (any more)."))
    if name.upper() == "INBOX" or info.special_use is not None:
        raise FolderRefused(
            "protected", user_message=_("The inbox and special folders cannot be changed.")
        )
    return info


def rename_folder(mail: MailSession, name: str, new_label: str) -> str:
    """Rename `name` in place (same parent); its subfolders follow."""

    def run(conn: IMAPConnection) -> str:
        info = _guard(conn, name)
        delimiter = info.delimiter
        parent = name.rsplit(delimiter, 1)[0] if delimiter and delimiter in name else ""
        new_name = _full_name(conn, parent, new_label)
        if new_name == name:
            return name
        try:
            conn.rename_folder(name, new_name)
        except CommandFailed as exc:
            raise _refusal(exc, _("The folder could not be renamed.")) from None
        conn.set_subscribed(new_name, True)
        return new_name

    return mail.run(run, retry=False)


def delete_folder(mail: MailSession, name: str) -> None:
    """Delete a folder and the messages in it (the caller asked for confirmation)."""

    def run(conn: IMAPConnection) -> None:
        _guard(conn, name)
        try:
            conn.set_subscribed(name, False)
        except CommandFailed:
            pass
        try:
            conn.delete_folder(name)
        except CommandFailed as exc:
            raise _refusal(exc, _("The folder could not be deleted.")) from None

    mail.run(run, retry=False)


def set_subscribed(mail: MailSession, name: str, subscribed: bool) -> None:
    def run(conn: IMAPConnection) -> None:
        check_folder_name(name)
        if name.upper() == "INBOX":
            raise FolderRefused("inbox", user_message=_("The inbox is always shown."))
        try:
            conn.set_subscribed(name, subscribed)
        except CommandFailed as exc:
            raise _refusal(exc, _("The subscription could not be changed.")) from None

    mail.run(run, retry=False)
