"""Folder management: create, rename, delete, subscribe, and the quota.

Names come from users: they are validated (`check_folder_name`, no hierarchy delimiter in
a new name) and go to the server through imapclient's quoting (modified UTF-7). The server's
refusals become messages that say what went wrong.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from mailview.imap.client import FolderInfo, IMAPConnection, QuotaUsage, check_folder_name
from mailview.imap.errors import CommandFailed, InvalidName, MailError, ServerRefusedName
from mailview.imap.namespace_commands import ALL_RIGHTS
from mailview.services.folders import FolderTree, build_tree
from mailview.services.mailbox import page_tree
from mailview.services.roles import roles_by_folder
from mailview.services.session import MailSession

MAX_LABEL = 200


class FolderRefused(MailError):
    status = 400


class HasSubfolders(FolderRefused):
    """DELETE refused because the folder has children (Cyrus: ``NO [HASCHILDREN]``)."""

    user_message = _lazy("This folder has subfolders.")


# Characters some servers refuse in folder names (Cyrus: % " \ ! ; { | and more).
_RISKY = set('%*"\\!;{}|^&~`#<>?=+[]')


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
    path: str = ""  # the display path (no namespace prefix)
    section: str = "personal"  # "personal", "other" (shared with me), "shared"
    rights: str = ALL_RIGHTS  # MYRIGHTS (RFC 4314); all of them without the ACL extension

    @property
    def protected(self) -> bool:
        """INBOX and special-use folders are not renamed or deleted here, nor folders whose
        rights forbid it (RFC 4314 "x": delete and rename the folder itself)."""
        return self.role is not None or "x" not in self.rights


@dataclass(frozen=True)
class FolderOverview:
    rows: list[FolderRow]
    delimiter: str | None
    quota: list[QuotaUsage]


def _refusal(exc: CommandFailed, fallback: str, label: str = "") -> FolderRefused:
    text = exc.detail.upper()
    if isinstance(exc, ServerRefusedName) or "INVALID MAILBOX NAME" in text:
        risky = sorted({ch for ch in label if ch in _RISKY})
        if risky:
            message = _("The mail server refused the characters %(chars)s in a folder name.") % {
                "chars": " ".join(risky)
            }
        else:
            message = _("The mail server refused this folder name.")
    elif "HASCHILDREN" in text or "HAS CHILDREN" in text or "INFERIOR" in text:
        return HasSubfolders(exc.detail)
    elif "ALREADYEXISTS" in text or "ALREADY EXISTS" in text:
        message = _("A folder with this name already exists.")
    elif "NONEXISTENT" in text or "DOESN'T EXIST" in text or "NOT EXIST" in text:
        message = _("This folder does not exist (any more).")
    elif "INUSE" in text:
        message = _("This folder is in use: try again in a moment.")
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
        namespaces = conn.namespaces()
        infos = conn.list_folders(subscribed_only=False)
        subscribed = {info.name: info.subscribed for info in infos}
        full = build_tree(infos, prefix, namespaces)
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
                path=node.path,
                section=node.section,
                rights=_rights(conn, node.name, node.section, node.selectable),
            )
            for node in full.nodes
        ]
        return page_tree(conn), FolderOverview(rows, full.delimiter, conn.quota("INBOX"))

    return mail.run(read)


def _rights(conn: IMAPConnection, name: str, section: str, selectable: bool) -> str:
    """MYRIGHTS of a folder that is not the user's own (their own: every right)."""
    if section == "personal":
        return ALL_RIGHTS
    if not selectable:
        return ""
    try:
        return conn.my_rights(name)
    except CommandFailed:
        return ""


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
            raise _refusal(exc, _("The folder could not be created."), label) from None
        conn.set_subscribed(name, True)
        return name

    return mail.run(run, retry=False)


def _guard(conn: IMAPConnection, name: str) -> FolderInfo:
    check_folder_name(name)
    existing = _existing(conn)
    info = existing.get(name)
    if info is None:
        raise FolderRefused("missing", user_message=_("This folder does not exist (any more)."))
    prefix, _d = conn.namespace_prefix()
    section = conn.namespaces().section_of(name)
    personal = [f for f in existing.values() if conn.namespaces().section_of(f.name) == "personal"]
    if name.upper() == "INBOX" or name in roles_by_folder(personal, prefix):
        raise FolderRefused(
            "protected", user_message=_("The inbox and special folders cannot be changed.")
        )
    if "x" not in _rights(conn, name, section, info.selectable):
        raise FolderRefused(
            "no right", user_message=_("You are not allowed to rename or delete this folder.")
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
        # Subscriptions are per name: the subfolders' ones move with them (servers keep the
        # old names subscribed, and the renamed children would vanish from the tree).
        old_subs = [
            f.name for f in _descendants(conn.list_folders(subscribed_only=True), name, delimiter)
        ]
        try:
            conn.rename_folder(name, new_name)
        except CommandFailed as exc:
            raise _refusal(exc, _("The folder could not be renamed."), new_label) from None
        conn.set_subscribed(new_name, True)
        for old in old_subs:
            conn.set_subscribed(new_name + old[len(name) :], True)
            with contextlib.suppress(CommandFailed):
                conn.set_subscribed(old, False)
        with contextlib.suppress(CommandFailed):
            conn.set_subscribed(name, False)
        return new_name

    return mail.run(run, retry=False)


def _descendants(folders: list[FolderInfo], name: str, delimiter: str | None) -> list[FolderInfo]:
    """The folders below ``name``, deepest first."""
    if not delimiter:
        return []
    below = [f for f in folders if f.name.startswith(name + delimiter)]
    return sorted(below, key=lambda f: f.name.count(delimiter), reverse=True)


def subfolders(mail: MailSession, name: str) -> list[str]:
    """The names of the folders below ``name`` (deepest first); [] for a leaf."""

    def run(conn: IMAPConnection) -> list[str]:
        check_folder_name(name)
        info = _existing(conn).get(name)
        if info is None:
            return []
        return [f.name for f in _descendants(list(_existing(conn).values()), name, info.delimiter)]

    return mail.run(run)


def delete_folder(mail: MailSession, name: str, *, with_subfolders: bool = False) -> None:
    """Delete a folder and the messages in it (the caller asked for confirmation); with
    ``with_subfolders``, its subfolders first, bottom-up. A folder with subfolders is otherwise
    refused with :class:`HasSubfolders` (Cyrus refuses it; Dovecot would leave them behind)."""

    def run(conn: IMAPConnection) -> None:
        info = _guard(conn, name)
        below = _descendants(list(_existing(conn).values()), name, info.delimiter)
        if below and not with_subfolders:
            raise HasSubfolders("has children")
        protected = [f for f in below if f.special_use is not None]
        if protected:
            raise FolderRefused(
                "special below",
                user_message=_("%(name)s is a special folder: it cannot be deleted.")
                % {"name": protected[0].name},
            )
        for folder in [*below, info]:
            with contextlib.suppress(CommandFailed):
                conn.set_subscribed(folder.name, False)
            try:
                conn.delete_folder(folder.name)
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
