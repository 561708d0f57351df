"""The IMAP facade: `IMAPConnection`, over our own protocol core and blocking driver.

Everything else in the project talks IMAP through `IMAPConnection`: it speaks in our
dataclasses (types.py) and raises only `mailview.imap.errors`. Its command families live in
folder_commands.py and message_commands.py, its plumbing (error translation, the selected
folder, the caches) in connection.py; this module opens and logs in, and serves the list page
(sorted UID orders and list rows, the hot path).

A connection is not thread safe; the pool leases it to one request at a time.
"""

from __future__ import annotations

import re
import ssl
from array import array
from collections.abc import Sequence
from typing import Any

from . import hooks
from .acl_commands import AclCommands
from .blocking import BlockingIMAP
from .criteria import (
    Atom,
    SearchToken,
    check_folder_name,
    decode_folder_name,
    encode_folder_name,
    imap_string,
)
from .endpoint import Endpoint
from .errors import (
    CommandFailed,
    ConnectionDropped,
    MailError,
    ServerTimeout,
    ServerUnreachable,
    TLSFailure,
)
from .folder_commands import FolderCommands
from .message_commands import STREAM_CHUNK, MessageCommands
from .namespace_commands import NamespaceCommands
from .protocol.dates import IMAP_MONTHS
from .protocol.responses import Data, number_array
from .protocol.syntax import ResponseSyntaxError
from .types import (
    SORT_KEYS,
    Address,
    CopyResult,
    FolderInfo,
    MailboxState,
    MessageSummary,
    Namespace,
    Namespaces,
    QuotaUsage,
    RawMessage,
    ThreadHeaders,
)
from .values import (
    ROW_FETCH_ITEMS,
    ROW_ITEM_NAMES,
    decode_text,
    fetch_values,
    parse_fetch_lines,
    row_fetch_argument,
    summary_from_fetch,
)

MAX_CACHED_ROWS = 2000
# ID (RFC 2971) field names and values the app sends: plain printable ASCII only.
_ID_VALUE = re.compile(r"[A-Za-z0-9 ._/+-]{1,64}")


class IMAPConnection(FolderCommands, NamespaceCommands, MessageCommands, AclCommands):
    """An IMAP connection to one server, logged in or not yet.

    It remembers the selected folder's state and, per folder and sort key, the
    sorted UID order, so that a second page of an unchanged folder does not
    pay for SORT again.
    """

    # -- opening and closing ------------------------------------------------

    @classmethod
    def connect(cls, server: Endpoint, timeout: float) -> IMAPConnection:
        """Open a connection (TLS as the server is configured), not yet logged in."""
        try:
            imap = BlockingIMAP.connect(server, timeout)
        except ssl.SSLCertVerificationError as exc:
            raise TLSFailure(f"{server}: {exc.verify_message}") from None
        except ssl.SSLError as exc:
            raise TLSFailure(f"{server}: {exc}") from None
        except TimeoutError:
            raise ServerTimeout(f"{server}: no greeting") from None
        except ResponseSyntaxError as exc:
            raise ConnectionDropped(f"{server}: {exc}") from None
        except MailError:
            raise
        except OSError as exc:
            raise ServerUnreachable(f"{server}: {exc.strerror or exc}") from None
        return cls(imap, server)

    @classmethod
    def open(cls, server: Endpoint, username: str, password: str, timeout: float) -> IMAPConnection:
        """Connect and log in."""
        conn = cls.connect(server, timeout)
        try:
            conn.login(username, password)
        except BaseException:
            conn.close()
            raise
        return conn

    def login(self, username: str, password: str) -> None:
        with self._exchange("LOGIN") as imap:
            imap.login(username, password)
            self._capabilities = imap.capabilities
        fields = hooks.client_id()
        if fields and self.has("ID"):
            try:
                self._send_id(fields)
            except CommandFailed:
                pass  # ID is informational: a server refusing it changes nothing

    def _send_id(self, fields: tuple[tuple[str, str], ...]) -> None:
        """ID (RFC 2971) with the app's name and version; the server's reply is recorded."""
        words = []
        for key, value in fields:
            if not (_ID_VALUE.fullmatch(key) and _ID_VALUE.fullmatch(value)):
                continue
            words.append(b'"%s" "%s"' % (key.encode(), value.encode()))
        if not words:
            return
        with self._exchange("ID") as imap:
            _status, untagged = imap.command(b"ID", b"(" + b" ".join(words) + b")")
            self._absorb(untagged, frozenset({"ID"}))
        for response in untagged:
            if isinstance(response, Data) and response.kind == "ID":
                values = response.values()
                items = values[0] if values and isinstance(values[0], tuple | list) else ()
                reply = {
                    k.decode("utf-8", "replace").lower()[:64]: v.decode("utf-8", "replace")[:200]
                    for k, v in zip(items[0::2], items[1::2], strict=False)
                    if isinstance(k, bytes) and isinstance(v, bytes)
                }
                hooks.record_server_id(f"{self.server.host}:{self.server.port}", reply)

    def logout(self) -> None:
        """Say LOGOUT and close; never raises."""
        if not self.broken:
            try:
                self._wire.settimeout(2)
                self._wire.command(b"LOGOUT")
            except Exception:  # noqa: S110 - the connection is going away anyway
                pass
        self.close()

    # -- the list page: sorted orders and rows ------------------------------

    def sorted_uids(self, folder: str, key: str) -> tuple[MailboxState, array[int], bool]:
        """All UIDs of `folder` in ascending `key` order, and whether the server sorted them.

        Served from this connection's cache when the folder is unchanged
        (same UIDVALIDITY, UIDNEXT and EXISTS). Without the SORT extension the
        order is arrival (UID) order and the caller sorts its page itself.
        """
        state = self.select(folder)
        server_sorts = self.has("SORT")
        order_key = key if server_sorts else "arrival"
        kept = self.cache.order(folder, state.signature, order_key)
        if kept is not None:
            return state, kept, server_sorts
        with self._exchange("SORT" if server_sorts else "SEARCH") as imap:
            if server_sorts:
                criterion = self._sort_criterion(key)
                _status, untagged = imap.command(b"UID", b"SORT", criterion, b"UTF-8", b"ALL")
                kind = "SORT"
            else:
                _status, untagged = imap.command(b"UID", b"SEARCH", b"ALL")
                kind = "SEARCH"
            order = array("I")  # 4 bytes a UID (UIDs are 32-bit): 4 MB for a million
            for response in untagged:
                if isinstance(response, Data) and response.kind == kind:
                    order.extend(number_array(response))
            if not server_sorts:
                order = array("I", sorted(order))
            changed = self._absorb(untagged, frozenset({kind}))
        if not changed:
            self.cache.keep_order(folder, state.signature, order_key, order)
        return state, order, server_sorts

    def fetch_summaries(self, uids: Sequence[int]) -> list[MessageSummary]:
        """List rows for `uids`, in the order given; UIDs that vanished are skipped.

        Rows this connection fetched before, of the selected folder, are reused while the server
        reports no change (see `_rows`); only the others are fetched.
        """
        rows = self._rows
        missing = [uid for uid in uids if uid not in rows]
        if not missing:
            return [rows[uid] for uid in uids]
        with self._exchange("FETCH"):
            data, trusted = self._fetch_rows(missing)
        if len(rows) + len(missing) > MAX_CACHED_ROWS:
            rows.clear()
        # Another session's flag change arrives as an untagged FETCH among ours: then
        # nothing cached can be trusted.
        trusted = trusted and self.selected is not None
        if not trusted:
            rows.clear()
        fetched = {uid: summary_from_fetch(uid, data[uid]) for uid in missing if uid in data}
        if trusted:
            rows.update(fetched)
        return [row for row in (rows.get(uid) or fetched.get(uid) for uid in uids) if row]

    def _fetch_rows(self, uids: list[int]) -> tuple[dict[int, dict[bytes, Any]], bool]:
        """UID FETCH of ROW_FETCH_ITEMS: ({uid: typed items}, whether only the responses we
        asked for came back)."""
        wanted = set(uids)
        out: dict[int, dict[bytes, Any]] = {}
        only_ours = True
        for items in self._uid_fetch(uids, row_fetch_argument(self._capabilities)):
            uid = items.get(b"UID")
            # Our answer has the row's ENVELOPE and FLAGS (the header item's name is echoed
            # differently by some servers: summary_from_fetch finds it by prefix); anything
            # else is another session's change that arrived with it.
            if uid in wanted and ROW_ITEM_NAMES <= items.keys():
                out[uid] = fetch_values(items)
            else:
                only_ours = False
        return out, only_ours


__all__ = [
    "IMAP_MONTHS",
    "SORT_KEYS",
    "STREAM_CHUNK",
    "ROW_FETCH_ITEMS",
    "Address",
    "Atom",
    "CopyResult",
    "FolderInfo",
    "IMAPConnection",
    "MailboxState",
    "MessageSummary",
    "Namespace",
    "Namespaces",
    "QuotaUsage",
    "RawMessage",
    "SearchToken",
    "ThreadHeaders",
    "check_folder_name",
    "decode_folder_name",
    "decode_text",
    "encode_folder_name",
    "fetch_values",
    "imap_string",
    "parse_fetch_lines",
    "summary_from_fetch",
]
