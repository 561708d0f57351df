"""The facade's ACL commands (RFC 4314): GETACL, SETACL, DELETEACL, MYRIGHTS."""

from __future__ import annotations

import re

from .acl import AclEntry, normalize
from .connection import ConnectionBase
from .criteria import folder_argument, imap_string
from .errors import InvalidName
from .protocol.responses import Data

_IDENTIFIER = re.compile(r"[^\s\"\\(){}%*\x00-\x1f\x7f]{1,254}")


def check_identifier(identifier: str) -> str:
    """A login to grant rights to: one printable word (no spaces, quotes, wildcards)."""
    if not _IDENTIFIER.fullmatch(identifier):
        raise InvalidName(f"ACL identifier {identifier!r}", user_message="This is not a login.")
    return identifier


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class AclCommands(ConnectionBase):
    def get_acl(self, folder: str) -> list[AclEntry]:
        """Who has which rights on ``folder`` (needs the "a" right); [] without ACL support."""
        if not self.has("ACL"):
            return []
        argument = folder_argument(folder)
        with self._exchange("GETACL") as imap:
            _status, untagged = imap.command(b"GETACL", argument)
            self._absorb(untagged, frozenset({"ACL"}))
        entries = []
        for response in untagged:
            if isinstance(response, Data) and response.kind == "ACL":
                values = response.values()[1:]
                for identifier, rights in zip(values[::2], values[1::2], strict=False):
                    entries.append(AclEntry(_text(identifier), normalize(_text(rights))))
        return entries

    def set_acl(self, folder: str, identifier: str, rights: str) -> None:
        """Replace ``identifier``'s rights on ``folder`` (RFC 4314 letters)."""
        argument = folder_argument(folder)
        who = imap_string(check_identifier(identifier))
        with self._exchange("SETACL") as imap:
            _status, untagged = imap.command(
                b"SETACL", argument, who, imap_string(normalize(rights))
            )
            self._absorb(untagged)

    def delete_acl(self, folder: str, identifier: str) -> None:
        argument = folder_argument(folder)
        who = imap_string(check_identifier(identifier))
        with self._exchange("DELETEACL") as imap:
            _status, untagged = imap.command(b"DELETEACL", argument, who)
            self._absorb(untagged)

    def my_rights(self, folder: str) -> str:
        """The logged-in user's rights on ``folder`` (all rights when the server has no ACL)."""
        if not self.has("ACL"):
            return "lrswipkxtea"
        argument = folder_argument(folder)
        with self._exchange("MYRIGHTS") as imap:
            _status, untagged = imap.command(b"MYRIGHTS", argument)
            self._absorb(untagged, frozenset({"MYRIGHTS"}))
        for response in untagged:
            if isinstance(response, Data) and response.kind == "MYRIGHTS":
                values = response.values()
                if len(values) >= 2:
                    return normalize(_text(values[1]))
        return ""
