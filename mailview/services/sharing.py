"""Sharing a folder with other users of the same domain (IMAP ACL, RFC 4314).

The folder's owner (or anyone holding the "a" right) sees who has access and gives another
login one of three presets (`mailview.imap.acl.PRESETS`: read, read and write, full), or takes
it away. Only logins of the user's own domain can be granted anything; the owner's own entry
and the special identifiers ("anyone", "authenticated", "owner", negative "-" entries) are
never changed from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from accounts.servers import domain_of
from mailview.imap.acl import PRESETS, AclEntry
from mailview.imap.client import IMAPConnection, check_folder_name
from mailview.imap.errors import CommandFailed
from mailview.services.session import MailSession

__all__ = [
    "FolderSharing",
    "SharingRefused",
    "folder_sharing",
    "insert_refusal",
    "share_folder",
    "unshare_folder",
]

_SPECIAL = {"anyone", "authenticated", "owner", "administrators"}


class SharingRefused(CommandFailed):
    status = 400


@dataclass(frozen=True)
class FolderSharing:
    folder: str
    supported: bool
    can_share: bool
    my_rights: str
    entries: list[AclEntry]


def _others(entries: list[AclEntry], login: str) -> list[AclEntry]:
    return [
        e
        for e in entries
        if e.identifier != login
        and e.identifier.lower() not in _SPECIAL
        and not e.identifier.startswith("-")
    ]


def folder_sharing(mail: MailSession, folder: str) -> FolderSharing:
    check_folder_name(folder)

    def read(conn: IMAPConnection) -> FolderSharing:
        supported = conn.has("ACL")
        rights = conn.my_rights(folder)
        can_share = supported and "a" in rights
        entries = _others(conn.get_acl(folder), mail.login) if can_share else []
        return FolderSharing(folder, supported, can_share, rights, entries)

    return mail.run(read)


def _check_grantee(mail: MailSession, grantee: str) -> str:
    grantee = grantee.strip()
    if not grantee or grantee == mail.login:
        raise SharingRefused(
            "grantee", user_message=_("Enter the login of another user of your domain.")
        )
    if grantee.lower() in _SPECIAL or grantee.startswith("-"):
        raise SharingRefused("special", user_message=_("Share with one user at a time."))
    if domain_of(grantee) != domain_of(mail.login):
        raise SharingRefused(
            "other domain",
            user_message=_("Folders can only be shared with users of your own domain."),
        )
    return grantee


def share_folder(mail: MailSession, folder: str, grantee: str, preset: str) -> str:
    """Give ``grantee`` the rights of ``preset`` on ``folder``; returns the grantee."""
    check_folder_name(folder)
    if preset not in PRESETS:
        raise SharingRefused(preset, user_message=_("Choose read, read and write, or full."))
    who = _check_grantee(mail, grantee)
    mail.run(lambda conn: conn.set_acl(folder, who, PRESETS[preset]), retry=False)
    return who


def unshare_folder(mail: MailSession, folder: str, grantee: str) -> None:
    check_folder_name(folder)
    who = grantee.strip()
    if not who or who == mail.login or who.lower() in _SPECIAL:
        raise SharingRefused(who, user_message=_("That access cannot be removed here."))
    mail.run(lambda conn: conn.delete_acl(folder, who), retry=False)


def insert_refusal(mail: MailSession, folder: str) -> str | None:
    """Why the user cannot file messages in ``folder`` (an identity's Sent folder), or None.

    The folder must exist and the user must hold the insert right ("i", RFC 4314) there: their
    own folders always, a folder shared with them when its owner gave "read and write"."""
    try:
        check_folder_name(folder)
    except CommandFailed:
        return _("“%(folder)s” is not a valid folder name.") % {"folder": folder}

    def read(conn: IMAPConnection) -> str | None:
        try:
            conn.folder_status(folder)  # NO if it does not exist (or cannot be seen at all)
            rights = conn.my_rights(folder)
        except CommandFailed:
            return _("There is no folder “%(folder)s” that you can see.") % {"folder": folder}
        if "i" not in rights:
            return _(
                "You may not add messages to “%(folder)s”: its owner has not given you the "
                "right to (ask them for read and write access)."
            ) % {"folder": folder}
        return None

    return mail.run(read)
