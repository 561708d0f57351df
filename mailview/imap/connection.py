"""The base of the facade: the driver, error translation, the selected folder and the caches.

`ConnectionBase` is what `IMAPConnection` (client.py) and its command families
(folder_commands.py, message_commands.py) share: `_exchange(name)` runs driver calls and turns
socket, TLS and syntax errors into our errors (closing the connection when its state is
unknown), `_absorb` looks at the untagged responses nobody asked for, `select` keeps track of
the selected folder.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .blocking import BlockingIMAP, Untagged
from .cache import ConnectionCache
from .criteria import folder_argument
from .endpoint import Endpoint
from .errors import ConnectionDropped, MailError, ServerTimeout
from .hooks import observe_command
from .protocol.responses import Data, Status
from .protocol.syntax import ResponseSyntaxError
from .types import MailboxState, MessageSummary, Namespaces

# Commands that leave every message's list row as it was. Any other command (STORE, MOVE, EXPUNGE,
# APPEND, a FETCH that is not a PEEK...) forgets the rows this connection keeps.
ROW_PRESERVING_COMMANDS = frozenset(
    {"NOOP", "FETCH", "SORT", "SEARCH", "THREAD", "LIST", "STATUS", "NAMESPACE", "SELECT", "LOGIN"}
    | {"LOGOUT", "GETQUOTAROOT", "CAPABILITY"}
)
# Untagged responses that tell of a change in the selected folder.
_CHANGES = frozenset({"FETCH", "EXPUNGE", "VANISHED", "EXISTS"})


class ConnectionBase:
    """An IMAP connection to one server, logged in or not yet (see IMAPConnection)."""

    def __init__(self, imap: BlockingIMAP, server: Endpoint) -> None:
        self._wire = imap
        self.server = server
        self.selected: MailboxState | None = None
        self.broken = False
        self.commands = 0
        self.created = time.monotonic()
        self.last_used = self.created
        self._capabilities: frozenset[str] = imap.capabilities
        self._namespaces: Namespaces | None = None  # NAMESPACE, asked once (namespace_commands)
        # What the services and the facade keep with the connection (see cache.py).
        self.cache = ConnectionCache()
        # List rows of the selected folder by UID. Valid while the server reports no change: an
        # untagged FETCH, EXPUNGE, VANISHED or EXISTS (another session's flag change, new or
        # removed mail) or any command of ours that may change a message forgets them all.
        self._rows: dict[int, MessageSummary] = {}
        self._read_only = False
        # The selected folder's messages changed in an answer to some other command than the
        # NOOP of `select` (new mail with our FETCH, say): the server reports a change once, so
        # the next `select` opens the folder afresh instead of asking NOOP.
        self._stale = False

    # -- plumbing -----------------------------------------------------------

    @contextmanager
    def _exchange(self, command: str) -> Iterator[BlockingIMAP]:
        """Run driver calls, turning socket, TLS and syntax errors into our errors."""
        if self.broken:
            raise ConnectionDropped("connection already closed")
        self.commands += 1
        self.last_used = time.monotonic()
        if command not in ROW_PRESERVING_COMMANDS:
            self._rows.clear()
        started = time.perf_counter()  # hosted: command latency for /metrics
        try:
            yield self._wire
        except ConnectionDropped:
            self.close()
            raise
        except MailError:
            raise
        except TimeoutError:
            self.close()
            raise ServerTimeout(f"{command}: no answer") from None
        except (ssl.SSLError, OSError, EOFError) as exc:
            self.close()
            raise ConnectionDropped(f"{command}: {exc}") from None
        except ResponseSyntaxError as exc:
            self.close()  # we cannot tell where the server's answer ends: the state is unknown
            raise ConnectionDropped(f"{command}: {exc}") from None
        finally:
            self.last_used = time.monotonic()
            observe_command(command, time.perf_counter() - started)

    def _absorb(self, untagged: list[Untagged], ours: frozenset[str] = frozenset()) -> bool:
        """Look at the untagged responses nobody asked for (kinds not in `ours`): any change
        forgets the kept rows; True if the selected folder's messages changed."""
        changed = seen = False
        exists: int | None = None
        for response in untagged:
            if not isinstance(response, Data) or response.kind in ours:
                continue
            kind = response.kind
            if kind in _CHANGES:
                seen = True
                if kind == "EXISTS":
                    exists = response.number
                elif kind != "FETCH":
                    changed = True
        if seen:
            self._rows.clear()
        if self.selected is None:
            return False
        changed = changed or (exists is not None and exists != self.selected.exists)
        self._stale = self._stale or changed
        return changed

    def close(self) -> None:
        """Close the socket without a word to the server; never raises."""
        self.broken = True
        self.selected = None
        self._rows.clear()
        self.cache.clear()
        self._wire.close()

    @property
    def capabilities(self) -> frozenset[str]:
        return self._capabilities

    def has(self, capability: str) -> bool:
        return capability.upper() in self._capabilities

    # -- the selected folder ------------------------------------------------

    def noop(self) -> bool:
        """NOOP; True if the selected folder changed since we last looked."""
        with self._exchange("NOOP") as imap:
            _status, untagged = imap.command(b"NOOP")
            return self._absorb(untagged)

    def select(self, folder: str) -> MailboxState:
        """Make `folder` the selected one, cheaply if it already is.

        If it is already selected, a NOOP tells whether it changed; only then is
        it selected again. The state returned is current either way.
        """
        argument = folder_argument(folder)
        # A folder opened with limited rights ([READ-ONLY], or no \\Deleted among the
        # PERMANENTFLAGS: e.g. shared with read rights only) is opened again each time: the
        # server checks rights when a folder is opened, and its owner may have granted more
        # since (RFC 4314).
        fresh = not self._read_only and not self._stale
        if self.selected is not None and self.selected.name == folder and fresh:
            if not self.noop():
                return self.selected
        with self._exchange("SELECT") as imap:
            self.selected = None
            self._stale = False
            self._rows.clear()
            status, untagged = imap.command(b"SELECT", argument)
        limited = status.code is not None and status.code.name == "READ-ONLY"
        values = {"UIDVALIDITY": 0, "UIDNEXT": 0, "EXISTS": 0}
        modseq = None
        for response in untagged:
            if isinstance(response, Data) and response.kind == "EXISTS":
                values["EXISTS"] = response.number or 0
            elif isinstance(response, Status) and response.code is not None:
                code = response.code
                if code.name == "PERMANENTFLAGS" and b"\\deleted" not in code.args.lower():
                    limited = True
                if code.name in values or code.name == "HIGHESTMODSEQ":
                    found = code.numbers()
                    if found and code.name == "HIGHESTMODSEQ":
                        modseq = found[0]
                    elif found:
                        values[code.name] = found[0]
        self._read_only = limited
        self.selected = MailboxState(
            name=folder,
            uidvalidity=values["UIDVALIDITY"],
            uidnext=values["UIDNEXT"],
            exists=values["EXISTS"],
            highestmodseq=modseq,
        )
        return self.selected

    def unselect(self) -> None:
        """Leave the selected folder (UNSELECT, or CLOSE, which expunges nothing we did not)."""
        if self.selected is None:
            return
        with self._exchange("UNSELECT") as imap:
            _status, untagged = imap.command(b"UNSELECT" if self.has("UNSELECT") else b"CLOSE")
            self._absorb(untagged)
        self.forget(self.selected.name if self.selected else "")
        self.selected = None

    def forget(self, folder: str) -> None:
        """Drop what this connection remembers about `folder` after we changed it ourselves.

        Our own EXPUNGE responses are consumed by the command, so a later NOOP would not
        report them: the folder must be selected afresh and its cached orders rebuilt.
        """
        self.cache.forget(folder)
        if self.selected is not None and self.selected.name == folder:
            self.selected = None
