"""The facade's folder commands: LIST (with LIST-STATUS where offered), STATUS, NAMESPACE,
GETQUOTAROOT, CREATE, RENAME, DELETE, SUBSCRIBE."""

from __future__ import annotations

from dataclasses import replace

from .blocking import Untagged
from .connection import ConnectionBase
from .criteria import check_folder_name, decode_folder_name, folder_argument
from .protocol.responses import Data, list_entry, quota_resources, status_items
from .types import SPECIAL_USE_FLAGS, FolderInfo, QuotaUsage

ListEntry = tuple[frozenset[str], str | None, str]


def _entries(untagged: list[Untagged], kind: str = "LIST") -> list[ListEntry]:
    out = []
    for response in untagged:
        if isinstance(response, Data) and response.kind == kind:
            flags, delimiter, name = list_entry(response)
            out.append(
                (
                    frozenset(f.decode("ascii", "replace") for f in flags),
                    delimiter.decode("ascii", "replace") if delimiter else None,
                    decode_folder_name(name),
                )
            )
    return out


class FolderCommands(ConnectionBase):
    def list_folders(self, subscribed_only: bool = True, counts: bool = True) -> list[FolderInfo]:
        """Folders with their special-use flags and MESSAGES/UNSEEN counts.

        One round trip with LIST-EXTENDED + LIST-STATUS (RFC 5258, 5819);
        otherwise LIST, LSUB and a STATUS per folder. ``counts=False``: no STATUS at all (the
        counts stay None), so the server opens no folder: cheap even when a large INBOX is not
        in its mailbox list index.
        """
        if self.has("LIST-EXTENDED") and (self.has("LIST-STATUS") or not counts):
            return self._list_extended(subscribed_only, counts)
        return self._list_plain(subscribed_only, counts)

    def _list_extended(self, subscribed_only: bool, counts: bool = True) -> list[FolderInfo]:
        returns = [b"SUBSCRIBED", b"STATUS (MESSAGES UNSEEN)"] if counts else [b"SUBSCRIBED"]
        if self.has("SPECIAL-USE"):
            returns.insert(1, b"SPECIAL-USE")
        with self._exchange("LIST") as imap:
            _status, untagged = imap.command(
                b"LIST", b'""', b'"*"', b"RETURN (" + b" ".join(returns) + b")"
            )
            self._absorb(untagged, frozenset({"LIST", "STATUS"}))
            found: dict[str, tuple[int | None, int | None]] = {}
            for response in untagged:
                if isinstance(response, Data) and response.kind == "STATUS":
                    raw, items = status_items(response)
                    found[decode_folder_name(raw)] = (items.get("MESSAGES"), items.get("UNSEEN"))
            listed = _entries(untagged)
        folders = []
        for flags, delimiter, name in listed:
            subscribed = "\\subscribed" in {f.lower() for f in flags} or name.upper() == "INBOX"
            if subscribed_only and not subscribed:
                continue
            messages, unseen = found.get(name, (None, None))
            folders.append(
                FolderInfo(
                    name=name,
                    delimiter=delimiter,
                    flags=flags,
                    subscribed=subscribed,
                    messages=messages,
                    unseen=unseen,
                )
            )
        return folders

    def _list_plain(self, subscribed_only: bool, counts: bool = True) -> list[FolderInfo]:
        with self._exchange("LIST") as imap:
            _status, untagged = imap.command(b"LIST", b'""', b'"*"')
            listed = _entries(untagged)
            _status, lsub = imap.command(b"LSUB", b'""', b'"*"')
            subscribed = {name for _, _, name in _entries(lsub, "LSUB")}
            self._absorb(untagged + lsub, frozenset({"LIST", "LSUB"}))
        subscribed.add("INBOX")
        folders = []
        for flags, delimiter, name in listed:
            is_subscribed = name in subscribed or name.upper() == "INBOX"
            if subscribed_only and not is_subscribed:
                continue
            info = FolderInfo(name, delimiter, flags, subscribed=is_subscribed)
            if info.selectable and counts:
                status = self.folder_status(name)
                info = replace(info, messages=status.get("MESSAGES"), unseen=status.get("UNSEEN"))
            folders.append(info)
        return folders

    def folder_status(self, folder: str) -> dict[str, int]:
        argument = folder_argument(folder)
        with self._exchange("STATUS") as imap:
            _status, untagged = imap.command(b"STATUS", argument, b"(MESSAGES UNSEEN UIDNEXT)")
            self._absorb(untagged, frozenset({"STATUS"}))
        out: dict[str, int] = {}
        for response in untagged:
            if isinstance(response, Data) and response.kind == "STATUS":
                out.update(status_items(response)[1])
        return out

    def special_use_folders(self) -> list[FolderInfo]:
        """Every folder with its flags (special-use where the server has it), no counts."""
        args = [b'""', b'"*"']
        if self.has("SPECIAL-USE") and self.has("LIST-EXTENDED"):
            args.append(b"RETURN (SPECIAL-USE)")
        with self._exchange("LIST") as imap:
            _status, untagged = imap.command(b"LIST", *args)
            self._absorb(untagged, frozenset({"LIST"}))
            listed = _entries(untagged)
        return [FolderInfo(name, delim, flags) for flags, delim, name in listed]

    def quota(self, folder: str = "INBOX") -> list[QuotaUsage]:
        """GETQUOTAROOT: the quotas that apply to `folder` ([] when the server has none)."""
        if not self.has("QUOTA"):
            return []
        argument = folder_argument(folder)
        with self._exchange("GETQUOTAROOT") as imap:
            _status, untagged = imap.command(b"GETQUOTAROOT", argument)
            self._absorb(untagged, frozenset({"QUOTA", "QUOTAROOT"}))
        out = []
        for response in untagged:
            if isinstance(response, Data) and response.kind == "QUOTA":
                root, resources = quota_resources(response)
                text = root.decode("utf-8", "replace")
                out += [QuotaUsage(text, name, usage, limit) for name, usage, limit in resources]
        return out

    def create_folder(self, name: str, special_use: str | None = None) -> None:
        """CREATE; with ``special_use`` ("\\Trash"), CREATE-SPECIAL-USE's USE option (the
        caller checks the capability)."""
        argument = folder_argument(name)
        extra: list[bytes] = []
        if special_use is not None:
            if special_use not in SPECIAL_USE_FLAGS:
                raise ValueError(f"not a special-use flag: {special_use!r}")
            extra = [b"(USE (" + special_use.encode("ascii") + b"))"]
        with self._exchange("CREATE") as imap:
            _status, untagged = imap.command(b"CREATE", argument, *extra)
            self._absorb(untagged)
        self.cache.forget_lists()

    def rename_folder(self, old: str, new: str) -> None:
        old_arg, new_arg = folder_argument(old), folder_argument(new)
        if self.selected is not None and self.selected.name == old:
            self.unselect()
        with self._exchange("RENAME") as imap:
            _status, untagged = imap.command(b"RENAME", old_arg, new_arg)
            self._absorb(untagged)
        self.forget(old)

    def delete_folder(self, name: str) -> None:
        argument = folder_argument(name)
        if self.selected is not None and self.selected.name == name:
            self.unselect()
        with self._exchange("DELETE") as imap:
            _status, untagged = imap.command(b"DELETE", argument)
            self._absorb(untagged)
        self.forget(name)

    def set_subscribed(self, name: str, subscribed: bool) -> None:
        check_folder_name(name)
        word = "SUBSCRIBE" if subscribed else "UNSUBSCRIBE"
        with self._exchange(word) as imap:
            _status, untagged = imap.command(word.encode(), folder_argument(name))
            self._absorb(untagged)
        self.cache.tree = None
