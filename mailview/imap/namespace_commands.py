"""The facade's NAMESPACE (RFC 2342) and MYRIGHTS (RFC 4314): where the personal folders, other
users' folders and shared folders live, and what the user may do with a folder."""

from __future__ import annotations

from typing import Any

from .connection import ConnectionBase
from .criteria import decode_folder_name
from .protocol.responses import Data
from .types import Namespace, Namespaces

#: Rights assumed where the server has no ACL extension: everything (own folders only).
ALL_RIGHTS = "lrswipkxtea"


def _namespace_list(value: Any) -> tuple[Namespace, ...]:
    if not isinstance(value, tuple | list):
        return ()  # NIL
    out = []
    for entry in value:
        if not isinstance(entry, tuple | list) or not entry:
            continue
        prefix, delimiter = entry[0], entry[1] if len(entry) > 1 else None
        out.append(
            Namespace(
                decode_folder_name(prefix if isinstance(prefix, bytes) else b""),
                delimiter.decode("ascii", "replace") if isinstance(delimiter, bytes) else None,
            )
        )
    return tuple(out)


class NamespaceCommands(ConnectionBase):
    def namespace_prefix(self) -> tuple[str, str | None]:
        """The personal namespace's prefix and delimiter (("", "/") on Dovecot)."""
        personal = self.namespaces().personal[0]
        return personal.prefix, personal.delimiter

    def namespaces(self) -> Namespaces:
        """The three kinds of namespace; without NAMESPACE, one personal namespace "" (asked
        once per connection)."""
        if self._namespaces is not None:
            return self._namespaces
        found = Namespaces(personal=(Namespace("", None),))
        if self.has("NAMESPACE"):
            with self._exchange("NAMESPACE") as imap:
                _status, untagged = imap.command(b"NAMESPACE")
                self._absorb(untagged)
            for response in untagged:
                if isinstance(response, Data) and response.kind == "NAMESPACE":
                    values = list(response.values()) + [None, None, None]
                    found = Namespaces(
                        personal=_namespace_list(values[0]) or (Namespace("", None),),
                        other=_namespace_list(values[1]),
                        shared=_namespace_list(values[2]),
                    )
        self._namespaces = found
        return found
