"""One facade over the IMAP library.

Everything else in the project talks IMAP through `IMAPConnection`: it speaks
in our dataclasses and raises only `mailview.imap.errors`. imapclient (and the
imaplib beneath it) is imported nowhere else.

A connection is not thread safe; the pool leases it to one request at a time.
"""

from __future__ import annotations

import imaplib
import re
import ssl
import time
from array import array
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.header import decode_header, make_header
from typing import Any

import imapclient
from imapclient import exceptions as imap_exc
from imapclient.datetime_util import parse_to_datetime
from imapclient.imap_utf7 import decode as decode_utf7
from imapclient.imap_utf7 import encode as encode_utf7
from imapclient.imapclient import join_message_ids
from imapclient.response_parser import parse_response
from imapclient.response_types import Address as EnvelopeAddress
from imapclient.response_types import BodyData, Envelope

from accounts.servers import MailServer
from mailview.imap.errors import (
    AuthenticationFailed,
    CommandFailed,
    ConnectionDropped,
    FolderNotFound,
    InvalidName,
    MailError,
    MessageNotFound,
    ServerTimeout,
    ServerUnreachable,
    TLSFailure,
)
from mailview.imap.response import ResponseSyntaxError, fetch_items
from webmail.metrics import observe_imap_command

SORT_KEYS = {
    "date": "DATE",
    "arrival": "ARRIVAL",
    "from": "FROM",
    "subject": "SUBJECT",
    "size": "SIZE",
}
SPECIAL_USE_FLAGS = ("\\Drafts", "\\Sent", "\\Junk", "\\Trash", "\\Archive", "\\All", "\\Flagged")
# The attachment indicator comes from the Content-Type header (multipart/mixed and friends), as
# Roundcube does: BODYSTRUCTURE would say more, but parsing it is a third of a list page's time.
CONTENT_TYPE_ITEM = b"BODY.PEEK[HEADER.FIELDS (CONTENT-TYPE)]"
ROW_FETCH_ITEMS = [
    b"UID",
    b"FLAGS",
    b"ENVELOPE",
    b"RFC822.SIZE",
    b"INTERNALDATE",
    CONTENT_TYPE_ITEM,
]
ROW_FETCH_ARGUMENT = "(" + " ".join(item.decode() for item in ROW_FETCH_ITEMS) + ")"
# The items a row's own FETCH answer always carries (an unsolicited FETCH has FLAGS at most).
ROW_ITEM_NAMES = frozenset((b"UID", b"FLAGS", b"ENVELOPE", b"RFC822.SIZE"))
ATTACHMENT_TYPES = re.compile(
    rb"content-type:\s*(multipart/(mixed|report)|application/|audio/|video/|image/|message/rfc822)",
    re.IGNORECASE,
)
MAX_FOLDER_NAME = 1000
# Commands that leave every message's list row as it was. Any other command (STORE, MOVE, EXPUNGE,
# APPEND, a FETCH that is not a PEEK...) forgets the rows this connection keeps.
ROW_PRESERVING_COMMANDS = frozenset(
    {"NOOP", "FETCH", "SORT", "SEARCH", "THREAD", "LIST", "STATUS", "NAMESPACE", "SELECT", "LOGIN"}
    | {"LOGOUT", "GETQUOTAROOT"}
)
MAX_CACHED_ROWS = 2000
# What SORT (DATE) orders by (RFC 5256 "sent date"): the Date header, else INTERNALDATE.
SORT_DATE_ARGUMENT = "(INTERNALDATE BODY.PEEK[HEADER.FIELDS (DATE)])"
# Sort dates kept per connection, all folders together (about 100 bytes each in a dict): an
# all-folder search's page p needs the dates of p pages' worth of hits per folder.
MAX_CACHED_DATES = 50_000
_UNFOLD = re.compile(rb"\r?\n[ \t]+")
# Downloads: bytes of a part asked for per FETCH (see IMAPConnection.iter_section).
STREAM_CHUNK = 256 * 1024
_SECTION = re.compile(r"[1-9][0-9]{0,5}(\.[1-9][0-9]{0,5}){0,39}")
# imaplib refuses response lines over 1 MB; the UID list of a SORT or SEARCH of a 160,000-message
# folder is one line of more than that. Allow 64 MB.
imaplib._MAXLINE = max(imaplib._MAXLINE, 64 * 1024 * 1024)


def check_folder_name(name: str) -> str:
    """Validate a folder name that came from a user before it goes near the server.

    imapclient quotes names (or sends them as literals), but a quoted string
    cannot carry CR, LF or NUL, so such names are refused here.
    """
    if not name or len(name) > MAX_FOLDER_NAME:
        raise InvalidName(f"folder name of length {len(name)}")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise InvalidName("control character in folder name")
    return name


@dataclass(frozen=True)
class Address:
    name: str
    email: str

    def __str__(self) -> str:
        return self.name or self.email


@dataclass(frozen=True)
class FolderInfo:
    """One entry of LIST, with its STATUS counts where known."""

    name: str
    delimiter: str | None
    flags: frozenset[str]
    subscribed: bool = True
    messages: int | None = None
    unseen: int | None = None

    @property
    def selectable(self) -> bool:
        return not ({"\\noselect", "\\nonexistent"} & {f.lower() for f in self.flags})

    @property
    def special_use(self) -> str | None:
        lowered = {f.lower() for f in self.flags}
        for flag in SPECIAL_USE_FLAGS:
            if flag.lower() in lowered:
                return flag
        return None


@dataclass(frozen=True)
class MailboxState:
    """What SELECT says about a folder: enough to tell whether a cached order is stale."""

    name: str
    uidvalidity: int
    uidnext: int
    exists: int
    highestmodseq: int | None = None

    @property
    def signature(self) -> tuple[int, int, int]:
        # Flag changes do not change any sort order we offer, so HIGHESTMODSEQ is not part of it:
        # a message added moves UIDNEXT, one removed (without one added) lowers EXISTS.
        return (self.uidvalidity, self.uidnext, self.exists)


@dataclass(frozen=True)
class MessageSummary:
    """A row of the message list."""

    uid: int
    subject: str
    sender: Address | None
    to: tuple[Address, ...]
    date: datetime | None
    received: datetime | None
    size: int
    flags: frozenset[str]
    has_attachment: bool

    @property
    def seen(self) -> bool:
        return "\\Seen" in self.flags

    @property
    def flagged(self) -> bool:
        return "\\Flagged" in self.flags

    @property
    def answered(self) -> bool:
        return "\\Answered" in self.flags


def decode_text(value: bytes | str | None) -> str:
    """Decode a header value that may hold RFC 2047 encoded words or raw 8-bit bytes."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        if value.isascii() and b"=?" not in value:
            return value.decode("ascii")  # the common case, without the email.header machinery
        value = value.decode("utf-8", errors="replace")
    elif not isinstance(value, str):
        value = str(value)
    if any("\udc80" <= ch <= "\udcff" for ch in value):  # raw 8-bit smuggled as surrogates
        value = value.encode("utf-8", "surrogateescape").decode("utf-8", errors="replace")
    try:
        return str(make_header(decode_header(value)))
    except (LookupError, ValueError, UnicodeError, AssertionError):
        return value


def _address(raw: Any) -> Address | None:
    if raw.host is None:
        # RFC 3501 7.4.2: the start (mailbox = the group's name) or end of an RFC 5322 group.
        return None
    mailbox = decode_text(raw.mailbox) if raw.mailbox else ""
    host = decode_text(raw.host) if raw.host else ""
    if not mailbox and not host:
        return None
    return Address(name=decode_text(raw.name), email=f"{mailbox}@{host}" if host else mailbox)


def _addresses(raw: Any) -> tuple[Address, ...]:
    return tuple(a for a in (_address(item) for item in raw or ()) if a is not None)


def _summary(uid: int, data: dict[bytes, Any]) -> MessageSummary:
    envelope = data.get(b"ENVELOPE")
    senders = _addresses(envelope.from_) if envelope else ()
    header = next((v for k, v in data.items() if k.startswith(b"BODY[HEADER")), b"") or b""
    attachment = bool(ATTACHMENT_TYPES.search(header))
    return MessageSummary(
        uid=uid,
        subject=decode_text(envelope.subject) if envelope else "",
        sender=senders[0] if senders else None,
        to=_addresses(envelope.to) if envelope else (),
        date=envelope.date if envelope else None,
        received=data.get(b"INTERNALDATE"),
        size=int(data.get(b"RFC822.SIZE") or 0),
        flags=frozenset(
            f.decode("ascii", "replace") for f in data.get(b"FLAGS", ()) if f != b"\\Recent"
        ),
        has_attachment=attachment,
    )


def _as_str(value: Any) -> str:
    if isinstance(value, bytes):
        return decode_utf7(value)
    return str(value)


class IMAPConnection:
    """An IMAP connection to one server, logged in or not yet.

    It remembers the selected folder's state and, per folder and sort key, the
    sorted UID order, so that a second page of an unchanged folder does not
    pay for SORT again.
    """

    def __init__(self, client: imapclient.IMAPClient, server: MailServer) -> None:
        self._client = client
        self._client.normalise_times = False
        # imapclient sets imaplib's debug level to 5, which makes imaplib format the repr() of
        # every line and literal it reads for a logger we cap at WARNING anyway: on a download,
        # most of the time; on a list page, a few percent.
        self._client._imap.debug = 0
        self.server = server
        self.selected: MailboxState | None = None
        self.broken = False
        self.commands = 0
        self.created = time.monotonic()
        self.last_used = self.created
        self._capabilities: frozenset[str] = frozenset()
        self._namespace: tuple[str, str | None] | None = None
        # Results the service layer keeps with the connection (e.g. the folder tree), with the
        # monotonic time they were made; gone with the connection.
        self.memo: dict[str, tuple[float, Any]] = {}
        self._sorted: dict[tuple[str, str], tuple[tuple[int, int, int], array]] = {}
        # List rows of the selected folder by UID. Valid while the server reports no change: an
        # untagged FETCH, EXPUNGE, VANISHED or EXISTS (another session's flag change, new or
        # removed mail) or any command of ours that may change a message forgets them all.
        self._rows: dict[int, MessageSummary] = {}

    # -- opening and closing ------------------------------------------------

    @classmethod
    def connect(cls, server: MailServer, timeout: float) -> IMAPConnection:
        """Open a connection (TLS as the server is configured), not yet logged in."""
        try:
            if server.security == "ssl":
                client = imapclient.IMAPClient(
                    server.host,
                    port=server.port,
                    ssl=True,
                    ssl_context=server.ssl_context(),
                    timeout=timeout,
                )
            else:
                client = imapclient.IMAPClient(
                    server.host, port=server.port, ssl=False, timeout=timeout
                )
                if server.security == "starttls":
                    try:
                        client.starttls(server.ssl_context())
                    except BaseException:
                        _shutdown(client)
                        raise
        except ssl.SSLCertVerificationError as exc:
            raise TLSFailure(f"{server}: {exc.verify_message}") from None
        except (ssl.SSLError, imap_exc.CapabilityError) as exc:
            raise TLSFailure(f"{server}: {exc}") from None
        except TimeoutError:
            raise ServerTimeout(f"{server}: no greeting") from None
        except (imaplib.IMAP4.abort, imap_exc.IMAPClientError) as exc:
            raise ConnectionDropped(f"{server}: {exc}") from None
        except OSError as exc:
            raise ServerUnreachable(f"{server}: {exc.strerror or exc}") from None
        return cls(client, server)

    @classmethod
    def open(
        cls, server: MailServer, username: str, password: str, timeout: float
    ) -> IMAPConnection:
        """Connect and log in."""
        conn = cls.connect(server, timeout)
        try:
            conn.login(username, password)
        except BaseException:
            conn.close()
            raise
        return conn

    def login(self, username: str, password: str) -> None:
        with self._translating("LOGIN"):
            try:
                caps = {c.decode().upper() for c in self._client.capabilities()}
                if "AUTH=PLAIN" in caps:
                    self._client.plain_login(username, password)
                else:
                    self._client.login(username, password)
            except imap_exc.LoginError:
                raise AuthenticationFailed("login refused") from None
            except imaplib.IMAP4.error as exc:
                if isinstance(exc, imaplib.IMAP4.abort):
                    raise
                # AUTHENTICATE answered NO: a wrong password, whatever the wording.
                raise AuthenticationFailed("authentication refused") from None
            self._client._cached_capabilities = None
            self._capabilities = frozenset(c.decode().upper() for c in self._client.capabilities())

    def logout(self) -> None:
        """Say LOGOUT and close; never raises."""
        if not self.broken:
            try:
                self._client.logout()
            except Exception:  # noqa: S110 - the connection is going away anyway
                pass
        self.close()

    def close(self) -> None:
        """Close the socket without a word to the server; never raises."""
        self.broken = True
        self.selected = None
        self._sorted.clear()
        self._rows.clear()
        self.memo.clear()
        _shutdown(self._client)

    # -- plumbing -----------------------------------------------------------

    @contextmanager
    def _translating(self, command: str) -> Iterator[None]:
        """Run commands, turning library and socket errors into our errors."""
        if self.broken:
            raise ConnectionDropped("connection already closed")
        self.commands += 1
        self.last_used = time.monotonic()
        if command not in ROW_PRESERVING_COMMANDS:
            self._rows.clear()
        started = time.perf_counter()  # hosted: command latency for /metrics
        try:
            yield
        except MailError:
            raise
        except TimeoutError:
            self.close()
            raise ServerTimeout(f"{command}: no answer") from None
        except (imaplib.IMAP4.abort, ssl.SSLError, OSError, EOFError) as exc:
            self.close()
            raise ConnectionDropped(f"{command}: {exc}") from None
        except ResponseSyntaxError as exc:
            self.close()  # we cannot tell where the server's answer ends: the state is unknown
            raise ConnectionDropped(f"{command}: {exc}") from None
        except imaplib.IMAP4.error as exc:
            text = str(exc)
            if not _is_server_refusal(text):
                # A protocol error on our side of the wire (line too long, unexpected response):
                # the connection's state is unknown, so it must not go back to the pool.
                self.close()
                raise ConnectionDropped(f"{command}: {text}") from None
            if "NONEXISTENT" in text.upper() or "doesn't exist" in text.lower():
                raise FolderNotFound(text) from None
            raise CommandFailed(text) from None
        finally:
            self.last_used = time.monotonic()
            observe_imap_command(command, time.perf_counter() - started)

    def _absorb_unsolicited(self) -> bool:
        """Drop untagged responses nobody asked for; True if they change the selected folder."""
        pending = self._client._imap.untagged_responses
        if any(pending.get(key) for key in ("FETCH", "EXPUNGE", "VANISHED", "EXISTS")):
            self._rows.clear()
        changed = False
        if self.selected is not None:
            if pending.get("EXPUNGE") or pending.get("VANISHED"):
                changed = True
            exists = pending.get("EXISTS")
            if exists:
                try:
                    changed = changed or int(exists[-1]) != self.selected.exists
                except (TypeError, ValueError):
                    changed = True
        for key in ("EXISTS", "EXPUNGE", "VANISHED", "RECENT", "FETCH"):
            pending.pop(key, None)
        return changed

    @property
    def capabilities(self) -> frozenset[str]:
        return self._capabilities

    def has(self, capability: str) -> bool:
        return capability.upper() in self._capabilities

    # -- commands -----------------------------------------------------------

    def noop(self) -> bool:
        """NOOP; True if the selected folder changed since we last looked."""
        with self._translating("NOOP"):
            self._client.noop()
            return self._absorb_unsolicited()

    def namespace_prefix(self) -> tuple[str, str | None]:
        """The personal namespace's prefix and delimiter (("", "/") on Dovecot); asked once."""
        if self._namespace is None:
            self._namespace = ("", None)
            if self.has("NAMESPACE"):
                with self._translating("NAMESPACE"):
                    ns = self._client.namespace()
                if ns.personal:
                    prefix, delimiter = ns.personal[0]
                    self._namespace = (_as_str(prefix), _as_str(delimiter) if delimiter else None)
        return self._namespace

    def list_folders(self, subscribed_only: bool = True) -> list[FolderInfo]:
        """Folders with their special-use flags and MESSAGES/UNSEEN counts.

        One round trip with LIST-EXTENDED + LIST-STATUS (RFC 5258, 5819);
        otherwise LIST, LSUB and a STATUS per folder.
        """
        if self.has("LIST-EXTENDED") and self.has("LIST-STATUS"):
            return self._list_extended(subscribed_only)
        return self._list_plain(subscribed_only)

    def _list_extended(self, subscribed_only: bool) -> list[FolderInfo]:
        imap = self._client._imap
        returns = ["SUBSCRIBED", "STATUS (MESSAGES UNSEEN)"]
        if self.has("SPECIAL-USE"):
            returns.insert(1, "SPECIAL-USE")
        with self._translating("LIST"):
            typ, data = imap._simple_command("LIST", '""', '"*"', f"RETURN ({' '.join(returns)})")
            if typ != "OK":
                raise CommandFailed(f"LIST: {data}")
            _, listed = imap._untagged_response(typ, data, "LIST")
            statuses = imap.untagged_responses.pop("STATUS", [])
            self._absorb_unsolicited()
        counts = self._parse_statuses(statuses)
        folders = []
        for flags, delimiter, name in self._parse_list(listed):
            subscribed = "\\subscribed" in _lower(flags) or name.upper() == "INBOX"
            if subscribed_only and not subscribed:
                continue
            messages, unseen = counts.get(name, (None, None))
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

    def _list_plain(self, subscribed_only: bool) -> list[FolderInfo]:
        imap = self._client._imap
        with self._translating("LIST"):
            typ, data = imap._simple_command("LIST", '""', '"*"')
            _, listed = imap._untagged_response(typ, data, "LIST")
            typ, data = imap._simple_command("LSUB", '""', '"*"')
            _, subscribed_raw = imap._untagged_response(typ, data, "LSUB")
            self._absorb_unsolicited()
        subscribed = {name for _, _, name in self._parse_list(subscribed_raw)}
        subscribed.add("INBOX")
        folders = []
        for flags, delimiter, name in self._parse_list(listed):
            is_subscribed = name in subscribed or name.upper() == "INBOX"
            if subscribed_only and not is_subscribed:
                continue
            info = FolderInfo(name, delimiter, flags, subscribed=is_subscribed)
            if info.selectable:
                status = self.folder_status(name)
                info = replace(info, messages=status.get("MESSAGES"), unseen=status.get("UNSEEN"))
            folders.append(info)
        return folders

    @staticmethod
    def _parse_list(lines: Sequence[Any]) -> list[tuple[frozenset[str], str | None, str]]:
        lines = [line for line in lines if line not in (b"", None)]
        if not lines:
            return []
        parsed = parse_response(lines)
        out = []
        for i in range(0, len(parsed) - 2, 3):
            flags, delimiter, name = parsed[i : i + 3]
            out.append(
                (
                    frozenset(_as_str(f) for f in flags),
                    _as_str(delimiter) if delimiter else None,
                    _as_str(name),
                )
            )
        return out

    @staticmethod
    def _parse_statuses(lines: Sequence[Any]) -> dict[str, tuple[int | None, int | None]]:
        counts: dict[str, tuple[int | None, int | None]] = {}
        for line in lines:
            if line in (b"", None):
                continue
            try:
                name, items = parse_response([line])
            except (ValueError, imap_exc.ProtocolError):
                continue
            values = dict(zip(items[::2], items[1::2], strict=False))
            counts[_as_str(name)] = (values.get(b"MESSAGES"), values.get(b"UNSEEN"))
        return counts

    def folder_status(self, folder: str) -> dict[str, int]:
        check_folder_name(folder)
        with self._translating("STATUS"):
            raw = self._client.folder_status(folder, ["MESSAGES", "UNSEEN", "UIDNEXT"])
            self._absorb_unsolicited()
        return {k.decode(): int(v) for k, v in raw.items()}

    def select(self, folder: str) -> MailboxState:
        """Make `folder` the selected one, cheaply if it already is.

        If it is already selected, a NOOP tells whether it changed; only then is
        it selected again. The state returned is current either way.
        """
        check_folder_name(folder)
        if self.selected is not None and self.selected.name == folder:
            if not self.noop():
                return self.selected
        with self._translating("SELECT"):
            self.selected = None
            self._rows.clear()
            response = self._client.select_folder(folder)
            self._client._imap.untagged_responses.clear()
        self.selected = MailboxState(
            name=folder,
            uidvalidity=int(response.get(b"UIDVALIDITY", 0)),
            uidnext=int(response.get(b"UIDNEXT", 0)),
            exists=int(response.get(b"EXISTS", 0)),
            highestmodseq=response.get(b"HIGHESTMODSEQ"),
        )
        return self.selected

    def sorted_uids(self, folder: str, key: str) -> tuple[MailboxState, array, bool]:
        """All UIDs of `folder` in ascending `key` order, and whether the server sorted them.

        Served from this connection's cache when the folder is unchanged
        (same UIDVALIDITY, UIDNEXT and EXISTS). Without the SORT extension the
        order is arrival (UID) order and the caller sorts its page itself.
        """
        state = self.select(folder)
        server_sorts = self.has("SORT")
        cache_key = (folder, key if server_sorts else "arrival")
        cached = self._sorted.get(cache_key)
        if cached is not None and cached[0] == state.signature:
            return state, cached[1], server_sorts
        with self._translating("SORT" if server_sorts else "SEARCH"):
            if server_sorts:
                criterion = SORT_KEYS[key]
                if criterion == "FROM" and self.has("SORT=DISPLAY"):
                    criterion = "DISPLAYFROM"
                uids = self._client.sort([criterion], "ALL", charset="UTF-8")
            else:
                uids = sorted(self._client.search("ALL"))
            changed = self._absorb_unsolicited()
        order = array("L", uids)
        if not changed:
            # Keep at most a few orders per connection: each is 4 bytes a message.
            if len(self._sorted) >= 8:
                self._sorted.pop(next(iter(self._sorted)))
            self._sorted[cache_key] = (state.signature, order)
        return state, order, server_sorts

    def fetch_summaries(self, uids: Sequence[int]) -> list[MessageSummary]:
        """List rows for `uids`, in the order given; UIDs that vanished are skipped.

        Rows this connection fetched before, of the selected folder, are reused while the server
        reports no change (see `_rows`); only the others are fetched.
        """
        rows = self._rows
        missing = [uid for uid in uids if uid not in rows]
        if missing:
            with self._translating("FETCH"):
                data, trusted = self._fetch_rows(missing)
                self._absorb_unsolicited()
            if len(rows) + len(missing) > MAX_CACHED_ROWS:
                rows.clear()
            # Another session's flag change arrives as an untagged FETCH among ours: then
            # nothing cached can be trusted.
            trusted = trusted and self.selected is not None
            if not trusted:
                rows.clear()
            fetched = {uid: _summary(uid, data[uid]) for uid in missing if uid in data}
            if trusted:
                rows.update(fetched)
            return [row for row in (rows.get(uid) or fetched.get(uid) for uid in uids) if row]
        return [rows[uid] for uid in uids]

    def _fetch_rows(self, uids: list[int]) -> tuple[dict[int, dict[bytes, Any]], bool]:
        """UID FETCH of ROW_FETCH_ITEMS, parsed by mailview.imap.response (imapclient's parser
        is most of the FETCH's time); ({uid: items}, whether only the responses we asked for
        came back). Sent the way imapclient's fetch() sends it."""
        wanted = set(uids)
        out: dict[int, dict[bytes, Any]] = {}
        only_ours = True
        for items in self._uid_fetch_parsed(uids, ROW_FETCH_ARGUMENT):
            uid = items.get(b"UID")
            # Our answer has the row's ENVELOPE and FLAGS (the header item's name is echoed
            # differently by some servers: _summary finds it by prefix); anything else is another
            # session's change that arrived with it.
            if uid in wanted and ROW_ITEM_NAMES <= items.keys():
                out[uid] = fetch_values(items)
            else:
                only_ours = False
        return out, only_ours

    def _uid_fetch_parsed(self, uids: Sequence[int], argument: str) -> list[dict[bytes, Any]]:
        """Every untagged FETCH answer (ours and any other that came with it) to ``UID FETCH
        uids argument``, as raw items parsed by mailview.imap.response. Sent and checked the way
        imapclient's fetch() does it; its parser, most of a FETCH's time, is skipped."""
        imap = self._client._imap
        tag = imap._command("UID", "FETCH", join_message_ids(uids), argument)
        typ, data = imap._command_complete("FETCH", tag)
        self._client._checkok("fetch", typ, data)
        _typ, data = imap._untagged_response(typ, data, "FETCH")
        return [items for _seq, items in fetch_items(data if data != [None] else [])]

    def fetch_parts(self, uid: int, items: Sequence[str]) -> dict[bytes, Any]:
        """Raw FETCH of one message (e.g. BODYSTRUCTURE, BODY.PEEK[1])."""
        peek_only = all("BODY[" not in item.upper() for item in items)
        with self._translating("FETCH" if peek_only else "FETCH BODY"):
            data = self._client.fetch([uid], [i.encode() for i in items])
            self._absorb_unsolicited()
        return data.get(uid, {})

    # -- writing mail (issue 4): drafts are found by their Message-ID ---------------------------
    # (appending, flags and deleting use the organizing block's append_message, store_flags and
    # expunge_messages; the Drafts and Sent folders come from mailview.services.actions.ensure_role)

    def search_header(self, name: str, value: str) -> list[int]:
        """UIDs of the selected folder whose header ``name`` contains ``value``."""
        if any(ord(ch) < 32 for ch in name + value):
            raise InvalidName("control character in a search")
        with self._translating("SEARCH"):
            uids = self._client.search(["HEADER", name, value])
            self._absorb_unsolicited()
        return sorted(int(u) for u in uids)

    # -- reading messages (message view, parts, attachments) ----------------

    def fetch_section(self, uid: int, section: str, offset: int, length: int) -> bytes | None:
        """BODY.PEEK[section]<offset.length> of one message; None if the message is gone."""
        with self._translating("FETCH"):
            data = self._client.fetch([uid], [f"BODY.PEEK[{section}]<{offset}.{length}>".encode()])
            self._absorb_unsolicited()
        items = data.get(uid)
        if not items:
            return None
        prefix = f"BODY[{section}]".encode()
        return next((v for k, v in items.items() if k.startswith(prefix)), None) or b""

    # -- organizing: actions, search, threads, folder admin (issue 3) -------------------------
    # User text only ever reaches the server through `imap_string` (a quoted string or a
    # literal); folder names go through check_folder_name and imapclient's quoting.

    def forget(self, folder: str) -> None:
        """Drop what this connection remembers about `folder` after we changed it ourselves.

        Our own EXPUNGE responses are consumed by the command, so a later NOOP would not
        report them: the folder must be selected afresh and its cached orders rebuilt.
        """
        self._sorted = {k: v for k, v in self._sorted.items() if k[0] != folder}
        for key in [
            k for k in self.memo if k in ("tree", "special") or k.startswith(f"{folder}\0")
        ]:
            self.memo.pop(key, None)
        if self.selected is not None and self.selected.name == folder:
            self.selected = None

    def store_flags(self, uids: Sequence[int], flags: Sequence[str], add: bool) -> None:
        """+FLAGS or -FLAGS on messages of the selected folder (silently)."""
        if not uids:
            return
        with self._translating("STORE"):
            if add:
                self._client.add_flags(list(uids), list(flags), silent=True)
            else:
                self._client.remove_flags(list(uids), list(flags), silent=True)
            self._absorb_unsolicited()
        self.memo.pop("tree", None)

    def copy_messages(self, uids: Sequence[int], target: str) -> CopyResult:
        """UID COPY to `target`; the new UIDs where the server says them (UIDPLUS)."""
        check_folder_name(target)
        if not uids:
            return CopyResult(target, None, {})
        with self._translating("COPY"):
            self._client._imap.untagged_responses.pop("COPYUID", None)
            self._client.copy(list(uids), target)
            result = self._copyuid(target)
            self._absorb_unsolicited()
        self.forget(target)
        return result

    def move_messages(self, uids: Sequence[int], target: str) -> CopyResult:
        """UID MOVE (RFC 6851), or COPY + \\Deleted + UID EXPUNGE without it."""
        check_folder_name(target)
        if not uids or self.selected is None:
            return CopyResult(target, None, {})
        source = self.selected.name
        if not self.has("MOVE"):
            result = self.copy_messages(uids, target)
            self.expunge_messages(uids, source)
            return result
        with self._translating("MOVE"):
            self._client._imap.untagged_responses.pop("COPYUID", None)
            self._client.move(list(uids), target)
            result = self._copyuid(target)
            self._absorb_unsolicited()
        self.forget(source)
        self.forget(target)
        return result

    def expunge_messages(self, uids: Sequence[int], folder: str | None = None) -> None:
        """Delete messages of the selected folder for good: \\Deleted, then UID EXPUNGE.

        Without UIDPLUS a plain EXPUNGE also removes other messages already marked \\Deleted.
        """
        if not uids or self.selected is None:
            return
        folder = folder or self.selected.name
        with self._translating("EXPUNGE"):
            self._client.add_flags(list(uids), ["\\Deleted"], silent=True)
            if self.has("UIDPLUS"):
                self._client.uid_expunge(list(uids))
            else:
                self._client.expunge()
            self._absorb_unsolicited()
        self.forget(folder)

    def expunge_all(self, folder: str) -> int:
        """Delete every message of `folder` (emptying Trash or Junk); how many there were."""
        state = self.select(folder)
        if state.exists:
            with self._translating("EXPUNGE"):
                self._client.add_flags("1:*", ["\\Deleted"], silent=True)
                self._client.expunge()
                self._absorb_unsolicited()
        self.forget(folder)
        return state.exists

    def _copyuid(self, target: str) -> CopyResult:
        """The mapping from a COPYUID response code: old UID -> new UID."""
        codes = self._client._imap.untagged_responses.pop("COPYUID", None) or []
        for code in reversed(codes):
            text = code.decode("ascii", "replace") if isinstance(code, bytes) else str(code)
            parts = text.split()
            if len(parts) >= 3 and parts[0].isdigit():
                try:
                    old, new = parse_uid_set(parts[1]), parse_uid_set(parts[2].rstrip("]"))
                except ValueError:
                    break
                if len(old) == len(new):
                    return CopyResult(target, int(parts[0]), dict(zip(old, new, strict=True)))
        return CopyResult(target, None, {})

    def search_sorted(
        self, folder: str, criteria: Sequence[SearchToken], key: str = "date"
    ) -> tuple[MailboxState, list[int], bool]:
        """UIDs matching `criteria` in ascending `key` order (SORT), else in arrival order.

        Without SORT: ESEARCH (RETURN (ALL)) where offered, else SEARCH. Results are kept per
        connection while the folder's (UIDVALIDITY, UIDNEXT, EXISTS) is unchanged, so the
        pages of one search cost one SORT.
        """
        state = self.select(folder)
        args = [_criterion(token) for token in criteria] or [b"ALL"]
        server_sorts = self.has("SORT")
        memo_key = f"{folder}\0search\0{key if server_sorts else ''}\0{b' '.join(args)!r}"
        made = self.memo.get(memo_key)
        if made is not None and made[1][0] == state.signature:
            return state, made[1][1], server_sorts
        with self._translating("SEARCH"):
            if server_sorts:
                criterion = SORT_KEYS.get(key, "DATE")
                if criterion == "FROM" and self.has("SORT=DISPLAY"):
                    criterion = "DISPLAYFROM"
                data = self._client._raw_command_untagged(
                    b"SORT", [f"({criterion})".encode(), b"UTF-8", *args]
                )
                uids = _ints(data)
            elif self.has("ESEARCH"):
                data = self._client._raw_command_untagged(
                    b"SEARCH",
                    [b"RETURN", b"(ALL)", b"CHARSET", b"UTF-8", *args],
                    response_name="ESEARCH",
                )
                uids = _esearch_all(data)
            else:
                data = self._client._raw_command_untagged(b"SEARCH", [b"CHARSET", b"UTF-8", *args])
                uids = sorted(_ints(data))
            changed = self._absorb_unsolicited()
        if not changed:
            stale = [k for k in self.memo if "\0search\0" in k]
            if len(stale) >= 8:
                self.memo.pop(stale[0], None)
            self.memo[memo_key] = (time.monotonic(), (state.signature, uids))
        return state, uids, server_sorts

    def sort_dates(self, uids: Sequence[int]) -> dict[int, int]:
        """{uid: the date SORT (DATE) orders it by, as a UTC timestamp} for `uids` of the
        selected folder; UIDs that vanished are left out.

        RFC 5256's sent date: the Date header, else (none, or unparsable) INTERNALDATE, to the
        second. A message never changes, so the dates are kept per folder while its UIDVALIDITY
        holds (new mail does not make them stale) and only the UIDs not seen before are
        fetched, in one UID FETCH.
        """
        if self.selected is None:
            raise CommandFailed("sort_dates: no folder selected")
        folder, uidvalidity = self.selected.name, self.selected.uidvalidity
        memo_key = f"{folder}\0dates"
        made = self.memo.get(memo_key)
        known: dict[int, int] = made[1][1] if made is not None and made[1][0] == uidvalidity else {}
        missing = [uid for uid in uids if uid not in known]
        if not missing:
            return {uid: known[uid] for uid in uids if uid in known}
        with self._translating("FETCH"):
            wanted = set(missing)
            fetched: dict[int, int] = {}
            for items in self._uid_fetch_parsed(missing, SORT_DATE_ARGUMENT):
                uid = items.get(b"UID")
                if uid in wanted and b"INTERNALDATE" in items:
                    fetched[uid] = _sort_date(items)
                else:
                    self._rows.clear()  # another session's flag change came with ours
            self._absorb_unsolicited()
        if len(known) + len(fetched) > MAX_CACHED_DATES:
            known = {}
        others = [k for k in self.memo if k.endswith("\0dates") and k != memo_key]
        if sum(len(self.memo[k][1][1]) for k in others) + len(known) > MAX_CACHED_DATES:
            for key in others:
                self.memo.pop(key, None)
        known.update(fetched)
        self.memo[memo_key] = (time.monotonic(), (uidvalidity, known))
        return {uid: known[uid] for uid in uids if uid in known}

    def thread_references(self, folder: str) -> list[list[int]] | None:
        """THREAD=REFERENCES of the whole folder as lists of UIDs (None without it)."""
        if not self.has("THREAD=REFERENCES"):
            return None
        self.select(folder)
        with self._translating("THREAD"):
            raw = self._client.thread("REFERENCES", "ALL", charset="UTF-8")
            self._absorb_unsolicited()
        return [_flatten_thread(item) for item in raw]

    def fetch_thread_headers(self, uids: Sequence[int]) -> dict[int, ThreadHeaders]:
        """What RFC 5256 REFERENCES threads by, for `uids`: the raw Message-ID, In-Reply-To,
        References, Subject and Date header block, and INTERNALDATE (the date used when the
        Date header is missing or unparsable)."""
        out: dict[int, ThreadHeaders] = {}
        items = [
            b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID IN-REPLY-TO REFERENCES SUBJECT DATE)]",
            b"INTERNALDATE",
        ]
        for start in range(0, len(uids), 5000):
            chunk = list(uids[start : start + 5000])
            with self._translating("FETCH"):
                data = self._client.fetch(chunk, items)
                self._absorb_unsolicited()
            for uid, values in data.items():
                block = next((v for k, v in values.items() if k.startswith(b"BODY[HEADER")), b"")
                out[uid] = ThreadHeaders(block or b"", values.get(b"INTERNALDATE"))
        return out

    def fetch_raw(self, uids: Sequence[int]) -> list[RawMessage]:
        """Whole messages (BODY.PEEK[]), with INTERNALDATE and FLAGS, in the order given."""
        if not uids:
            return []
        with self._translating("FETCH"):
            data = self._client.fetch(list(uids), [b"BODY.PEEK[]", b"INTERNALDATE", b"FLAGS"])
            self._absorb_unsolicited()
        return [
            RawMessage(
                uid=uid,
                data=data[uid].get(b"BODY[]") or b"",
                internaldate=data[uid].get(b"INTERNALDATE"),
                flags=tuple(
                    f.decode("ascii", "replace")
                    for f in data[uid].get(b"FLAGS", ())
                    if f != b"\\Recent"
                ),
            )
            for uid in uids
            if uid in data
        ]

    def append_message(
        self, folder: str, data: bytes, flags: Sequence[str] = (), when: datetime | None = None
    ) -> int | None:
        """APPEND one message; its new UID where the server says it (APPENDUID)."""
        check_folder_name(folder)
        with self._translating("APPEND"):
            response = self._client.append(folder, data, flags=tuple(flags), msg_time=when)
            self._absorb_unsolicited()
        self.forget(folder)
        text = response.decode("ascii", "replace") if isinstance(response, bytes) else response
        match = re.search(r"\[APPENDUID \d+ (\d+)\]", str(text))
        return int(match.group(1)) if match else None

    def create_folder(self, name: str) -> None:
        check_folder_name(name)
        with self._translating("CREATE"):
            self._client.create_folder(name)
            self._absorb_unsolicited()
        self.memo.pop("tree", None)
        self.memo.pop("special", None)

    def rename_folder(self, old: str, new: str) -> None:
        check_folder_name(old)
        check_folder_name(new)
        if self.selected is not None and self.selected.name == old:
            self.unselect()
        with self._translating("RENAME"):
            self._client.rename_folder(old, new)
            self._absorb_unsolicited()
        self.forget(old)

    def delete_folder(self, name: str) -> None:
        check_folder_name(name)
        if self.selected is not None and self.selected.name == name:
            self.unselect()
        with self._translating("DELETE"):
            self._client.delete_folder(name)
            self._absorb_unsolicited()
        self.forget(name)

    def set_subscribed(self, name: str, subscribed: bool) -> None:
        check_folder_name(name)
        with self._translating("SUBSCRIBE" if subscribed else "UNSUBSCRIBE"):
            if subscribed:
                self._client.subscribe_folder(name)
            else:
                self._client.unsubscribe_folder(name)
            self._absorb_unsolicited()
        self.memo.pop("tree", None)

    def unselect(self) -> None:
        """Leave the selected folder (UNSELECT, or CLOSE, which expunges nothing we did not)."""
        if self.selected is None:
            return
        with self._translating("UNSELECT"):
            if self.has("UNSELECT"):
                self._client.unselect_folder()
            else:
                self._client.close_folder()
            self._absorb_unsolicited()
        self.forget(self.selected.name if self.selected else "")
        self.selected = None

    def special_use_folders(self) -> list[FolderInfo]:
        """Every folder with its flags (special-use where the server has it), no counts."""
        imap = self._client._imap
        args = ['""', '"*"']
        if self.has("SPECIAL-USE") and self.has("LIST-EXTENDED"):
            args.append("RETURN (SPECIAL-USE)")
        with self._translating("LIST"):
            typ, data = imap._simple_command("LIST", *args)
            if typ != "OK":
                raise CommandFailed(f"LIST: {data}")
            _, listed = imap._untagged_response(typ, data, "LIST")
            self._absorb_unsolicited()
        return [FolderInfo(name, delim, flags) for flags, delim, name in self._parse_list(listed)]

    def quota(self, folder: str = "INBOX") -> list[QuotaUsage]:
        """GETQUOTAROOT: the quotas that apply to `folder` ([] when the server has none)."""
        if not self.has("QUOTA"):
            return []
        check_folder_name(folder)
        with self._translating("GETQUOTAROOT"):
            _roots, quotas = self._client.get_quota_root(folder)
            self._absorb_unsolicited()
        return [
            QuotaUsage(str(q.quota_root), str(q.resource).upper(), int(q.usage), int(q.limit))
            for q in quotas
        ]

    # -- end of organizing (issue 3) ----------------------------------------------------------
    def iter_section(
        self, uid: int, section: str, start: int = 0, chunk: int = STREAM_CHUNK
    ) -> Iterator[bytes]:
        """BODY.PEEK[section] of one message of the selected folder from byte `start` on, as
        pieces of `chunk` bytes (the last one shorter), one `UID FETCH ... <offset.chunk>` each.

        Read with imaplib directly: each literal is handed over as the socket delivered it,
        without imapclient's parsing. The FETCH of the next piece is sent before the current
        one is read, so the server streams on while the caller works on a piece. `section` ""
        is the whole message. Raises MessageNotFound if the message is gone. The pieces must be
        consumed on the thread that leased this connection; when the caller stops early, the
        piece asked for in advance is read and dropped (or the connection closed).
        """
        if section and not _SECTION.fullmatch(section):
            raise InvalidName(f"bad section {section!r}")
        imap = self._client._imap
        uid_arg = str(int(uid))
        pending: deque[tuple[str, int]] = deque()
        # Pieces by offset. The server may run the two FETCH commands in parallel (RFC 9051
        # 5.5), so the answer read for one command can carry the other one's piece too.
        arrived: dict[int, bytes] = {}
        key = re.compile(rb"BODY\[" + re.escape(section.encode()) + rb"\]<(\d+)> (?:\{\d+\}|\"\")")

        def ask(offset: int) -> None:
            item = f"(BODY.PEEK[{section}]<{offset}.{chunk}>)"
            pending.append((imap._command("UID", "FETCH", uid_arg, item), offset))

        def answer() -> tuple[str, int]:
            tag, offset = pending.popleft()
            typ, dat = imap._command_complete("UID", tag)
            typ, items = imap._untagged_response(typ, dat, "FETCH")
            self._absorb_unsolicited()
            for item in items:
                head, value = item if isinstance(item, tuple) else (item, b"")
                found = key.search(head) if isinstance(head, bytes) else None
                if found:
                    arrived[int(found.group(1))] = value
            return typ, offset

        try:
            with self._translating("FETCH"):
                ask(start)
            while True:
                with self._translating("FETCH"):
                    ask(pending[-1][1] + chunk)
                    typ, offset = answer()
                if typ != "OK":
                    raise CommandFailed(f"FETCH BODY[{section}]: {typ}")
                data = arrived.pop(offset, None)
                if data is None:
                    raise MessageNotFound(f"UID {uid}: no BODY[{section}]<{offset}>")
                yield data
                if len(data) < chunk:
                    return
        finally:
            if pending and not self.broken:
                with self._translating("FETCH"):
                    while pending:
                        answer()


def _is_server_refusal(text: str) -> bool:
    """Whether an imaplib/imapclient error is the server's NO or BAD (the connection is fine)."""
    return " failed: " in text or "command error: " in text


def _lower(flags: frozenset[str]) -> set[str]:
    return {f.lower() for f in flags}


def _shutdown(client: imapclient.IMAPClient) -> None:
    try:
        client.shutdown()
    except Exception:  # noqa: S110 - closing a socket that may already be gone
        pass
    try:
        client._imap.sock.close()
    except Exception:  # noqa: S110
        pass


# -- Live mail (IDLE watchers, mailview/imap/watcher.py) ---------------------------------------
# The watchers speak IMAP over asyncio themselves; they borrow only the parsing from here, so
# that imapclient stays imported in this module alone.


def parse_fetch_lines(lines: Sequence[Any]) -> dict[int, dict[bytes, Any]]:
    """Untagged FETCH responses (imaplib's form: ``b"4 (UID 20 FLAGS (\\Seen))"``, a literal as
    a (head, literal) tuple followed by the rest of the line) keyed by sequence number, with
    the values imapclient's fetch() gives (see `fetch_values`).

    Raises ValueError on a response that does not parse.
    """
    out: dict[int, dict[bytes, Any]] = {}
    try:
        for seq, items in fetch_items(lines):
            out.setdefault(seq, {}).update(fetch_values(items))
    except (ValueError, TypeError, IndexError) as exc:
        raise ValueError(f"unparsable FETCH response: {exc}") from None
    return out


def fetch_values(items: dict[bytes, Any]) -> dict[bytes, Any]:
    """Raw FETCH items (mailview.imap.response) typed as imapclient types them: INTERNALDATE
    and the ENVELOPE's date as datetimes (None when unparsable), ENVELOPE an Envelope of
    Addresses, BODY and BODYSTRUCTURE BodyData; the rest as parsed."""
    out = dict(items)
    if b"INTERNALDATE" in out:
        out[b"INTERNALDATE"] = _datetime(out[b"INTERNALDATE"])
    if b"ENVELOPE" in out:
        out[b"ENVELOPE"] = _envelope(out[b"ENVELOPE"])
    for name in (b"BODY", b"BODYSTRUCTURE"):
        if name in out:
            out[name] = BodyData.create(out[name])
    return out


# The two date forms servers actually send: INTERNALDATE (" 6-Oct-2026 06:22:22 +0000") and an
# RFC 5322 Date header ("Fri, 16 Oct 2026 06:22:22 +0000"). Anything else goes through
# imapclient's general parser (email.utils), ten times slower.
_COMMON_DATE = re.compile(
    rb"(?:[A-Z][a-z]{2}, )? ?(\d{1,2})[- ]([A-Z][a-z]{2})[- ](\d{4})"
    rb" (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)"
)
# Month names of IMAP dates (RFC 3501 date-month), whatever the locale.
IMAP_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NUMBERS = {name.encode(): number for number, name in enumerate(IMAP_MONTHS, 1)}
_ZONES: dict[bytes, tzinfo] = {}


def _datetime(value: Any) -> datetime | None:
    if not value or not isinstance(value, bytes):
        return None
    match = _COMMON_DATE.fullmatch(value)
    if match is not None and match.group(2) in _MONTH_NUMBERS:
        day, month, year, hour, minute, second, sign, zh, zm = match.groups()
        zone = _ZONES.get(sign + zh + zm)
        if zone is None:
            offset = timedelta(hours=int(zh), minutes=int(zm))
            zone = _ZONES[sign + zh + zm] = timezone(-offset if sign == b"-" else offset)
        try:
            return datetime(
                int(year),
                _MONTH_NUMBERS[month],
                int(day),
                int(hour),
                int(minute),
                int(second),
                tzinfo=zone,
            )
        except ValueError:
            pass  # 31 February and the like: the general parser decides
    try:
        return parse_to_datetime(value, normalise=False)
    except ValueError:
        return None


def _sort_date(items: dict[bytes, Any]) -> int:
    """The UTC timestamp SORT (DATE) uses for a message: its Date header, else INTERNALDATE
    (a Date without a zone counts as UTC, as the servers read it)."""
    header = next((v for k, v in items.items() if k.startswith(b"BODY[HEADER")), b"") or b""
    when = None
    if isinstance(header, bytes):
        unfolded = _UNFOLD.sub(b" ", header)
        for line in unfolded.splitlines():
            name, colon, value = line.partition(b":")
            if colon and name.strip().lower() == b"date":
                when = _datetime(value.strip())
                break
    if when is None:
        when = _datetime(items.get(b"INTERNALDATE"))
    if when is None:
        return 0
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        return int(when.timestamp())
    except (OverflowError, ValueError, OSError):
        return 0


def _envelope(raw: Any) -> Envelope | None:
    """The ENVELOPE as imapclient builds it; None for one that is not ENVELOPE-shaped (the row
    then shows without subject and sender rather than failing the whole page)."""
    if not isinstance(raw, tuple) or len(raw) != 10:
        return None
    lists: list[tuple[EnvelopeAddress, ...] | None] = []
    for field in raw[2:8]:
        if not field:
            lists.append(None)
            continue
        if not isinstance(field, tuple) or not all(
            isinstance(item, tuple) and len(item) == 4 for item in field if item
        ):
            return None
        lists.append(tuple(EnvelopeAddress(*item) for item in field if item))
    return Envelope(
        date=_datetime(raw[0]),
        subject=raw[1],
        from_=lists[0],
        sender=lists[1],
        reply_to=lists[2],
        to=lists[3],
        cc=lists[4],
        bcc=lists[5],
        in_reply_to=raw[8],
        message_id=raw[9],
    )


def summary_from_fetch(uid: int, data: dict[bytes, Any]) -> MessageSummary:
    """A list row from FETCH data of ROW_FETCH_ITEMS (the same fields the list page shows)."""
    return _summary(uid, data)


def encode_folder_name(name: str) -> bytes:
    """A folder name as it goes on the wire (modified UTF-7, RFC 3501 5.1.3), validated first."""
    return encode_utf7(check_folder_name(name))


def decode_folder_name(raw: bytes) -> str:
    return decode_utf7(raw)


__all__ = [
    "Address",
    "FolderInfo",
    "IMAPConnection",
    "MailboxState",
    "MessageSummary",
    "SORT_KEYS",
    "ThreadHeaders",
    "check_folder_name",
    "decode_folder_name",
    "decode_text",
    "encode_folder_name",
    "parse_fetch_lines",
    "summary_from_fetch",
]
# -- organizing (issue 3): search tokens, UID sets, COPYUID ----------------------------------


class Atom(str):
    """A search keyword or value we made ourselves (never user text): sent as it is."""

    __slots__ = ()


SearchToken = str  # an Atom, or any other str = user text, sent as a quoted string or literal
_ATOM_OK = re.compile(r"^[A-Za-z0-9:*,.\-()]+$")


def imap_string(text: str) -> bytes:
    """User text as an IMAP string: quoted when it is plain ASCII, else a literal.

    Control characters (CR and LF above all) are replaced by spaces first: they mean nothing in
    a search and CR LF inside a quoted string would end the command early.
    """
    cleaned = "".join(" " if ord(ch) < 32 or ord(ch) == 127 else ch for ch in text)
    raw = cleaned.encode("utf-8")
    if raw.isascii():
        return b'"' + raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
    return _Literal(raw)


class _Literal(imapclient.imapclient._literal):
    """Bytes that imapclient sends as a literal ({n}), never inline."""


def _criterion(token: SearchToken) -> bytes:
    if isinstance(token, Atom):
        if not _ATOM_OK.match(token):
            raise ValueError(f"not a search atom: {token!r}")
        return token.encode("ascii")
    return imap_string(token)


@dataclass(frozen=True)
class CopyResult:
    """Where COPY or MOVE put messages: the target's UIDVALIDITY and old UID -> new UID."""

    target: str
    uidvalidity: int | None
    uids: dict[int, int]


@dataclass(frozen=True)
class ThreadHeaders:
    header: bytes  # raw block: Message-ID, In-Reply-To, References, Subject, Date
    internaldate: datetime | None


@dataclass(frozen=True)
class RawMessage:
    uid: int
    data: bytes
    internaldate: datetime | None
    flags: tuple[str, ...]


@dataclass(frozen=True)
class QuotaUsage:
    root: str
    resource: str  # STORAGE (in KiB) or MESSAGE
    usage: int
    limit: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.usage / self.limit)) if self.limit else 0


def parse_uid_set(text: str) -> list[int]:
    """ "1:3,7" -> [1, 2, 3, 7] (ranges in either direction, as RFC 4315 allows)."""
    out: list[int] = []
    for part in text.split(","):
        if ":" in part:
            a, b = (int(x) for x in part.split(":", 1))
            lo, hi = min(a, b), max(a, b)
            if hi - lo > 1_000_000:
                raise ValueError("UID range too large")
            out.extend(range(lo, hi + 1))
        else:
            out.append(int(part))
    return out


def _ints(data: Sequence[Any]) -> list[int]:
    out: list[int] = []
    for line in data:
        if not line:
            continue
        if isinstance(line, tuple):
            line = b" ".join(x for x in line if isinstance(x, bytes))
        out.extend(int(x) for x in line.split() if x.isdigit())
    return out


def _esearch_all(data: Sequence[Any]) -> list[int]:
    for line in data:
        if not line:
            continue
        text = line.decode("ascii", "replace") if isinstance(line, bytes) else str(line)
        match = re.search(r"\bALL\s+([0-9:,]+)", text, re.IGNORECASE)
        if match:
            return sorted(parse_uid_set(match.group(1)))
    return []


def _flatten_thread(item: Any) -> list[int]:
    if isinstance(item, int):
        return [item]
    out: list[int] = []
    for sub in item:
        out.extend(_flatten_thread(sub))
    return out
