"""Server responses: framing (bytes to records) and typed responses (records to values).

No I/O here. A driver hands bytes to a `Framer` (or reads whole lines and literals itself, with
`literal_size` to tell when a literal follows) and gets a response as records; `parse_response`
turns the records into a `Continuation`, a `Status` (tagged, or untagged OK/NO/BAD/PREAUTH/BYE,
with its response code) or a `Data` response (``* 4 FETCH (...)``, ``* LIST ...``). The helpers
below give the typed content of the data responses the facade and the watchers use.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Any

from .syntax import Record, ResponseSyntaxError, parse_values

MAX_LINE = 64 * 1024 * 1024  # a SORT of 160,000 messages is one line of more than 1 MB
MAX_LITERAL = 512 * 1024 * 1024

STATUS_WORDS = frozenset({b"OK", b"NO", b"BAD", b"PREAUTH", b"BYE"})


def literal_size(line: bytes) -> int | None:
    """The size announced by a line ending in ``{n}``, ``{n+}`` or ``~{n}``; None otherwise."""
    if not line.endswith(b"}"):
        return None
    start = line.rfind(b"{")
    if start < 0:
        return None
    digits = line[start + 1 : -1].rstrip(b"+")
    if not digits.isdigit() or len(digits) > 12:
        return None
    size = int(digits)
    if size > MAX_LITERAL:
        raise ResponseSyntaxError(f"literal of {size} bytes")
    return size


class Framer:
    """Bytes in, complete responses (as records) out: for drivers that read what arrives.

    ``feed(data)`` as bytes arrive; ``next_response()`` gives the next complete response, its
    literals included, or None until more bytes are needed.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._records: list[Record] = []
        self._pending_literal: tuple[bytes, int] | None = None

    def feed(self, data: bytes) -> None:
        self._buf += data

    @property
    def buffered(self) -> int:
        """Bytes received and not yet part of a response (must be 0 before a TLS handshake)."""
        return len(self._buf)

    def next_response(self) -> list[Record] | None:
        buf = self._buf
        while True:
            if self._pending_literal is not None:
                head, wanted = self._pending_literal
                if len(buf) < wanted:
                    return None
                self._records.append((head, bytes(buf[:wanted])))
                del buf[:wanted]
                self._pending_literal = None
            end = buf.find(b"\r\n")
            if end < 0:
                if len(buf) > MAX_LINE:
                    raise ResponseSyntaxError("response line too long")
                return None
            line = bytes(buf[:end])
            del buf[: end + 2]
            size = None if line.startswith(b"+") and not self._records else literal_size(line)
            if size is None:
                self._records.append(line)
                records, self._records = self._records, []
                return records
            self._pending_literal = (line, size)


@dataclass(frozen=True, slots=True)
class ResponseCode:
    """A response code in brackets: ``[NONEXISTENT]``, ``[COPYUID 7 1:2 5:6]``."""

    name: str  # in capitals
    args: bytes  # the rest inside the brackets, as sent

    def numbers(self) -> list[int]:
        return [int(word) for word in self.args.split() if word.isdigit()]


@dataclass(frozen=True, slots=True)
class Status:
    """A status response: tagged, or untagged (tag ``*``): OK, NO, BAD, PREAUTH or BYE."""

    tag: bytes
    status: str
    code: ResponseCode | None
    text: str

    @property
    def ok(self) -> bool:
        return self.status == "OK"

    def __str__(self) -> str:
        code = ""
        if self.code is not None:
            args = self.code.args.decode("utf-8", "replace")
            code = f"[{self.code.name}{' ' if args else ''}{args}] "
        return f"{self.status} {code}{self.text}".strip()


@dataclass(frozen=True, slots=True)
class Continuation:
    """``+ text``: the server waits for a literal or the next step of an exchange."""

    text: bytes


@dataclass(slots=True)
class Data:
    """An untagged data response: ``* [number] KIND rest``; `records` start after KIND."""

    kind: str
    number: int | None
    records: list[Record]

    @property
    def line(self) -> bytes:
        """The rest of the first line (without a literal)."""
        first = self.records[0]
        return first[0] if isinstance(first, tuple) else first

    def values(self) -> list[Any]:
        return parse_values(self.records)


Response = Status | Continuation | Data


def parse_response(records: list[Record]) -> Response:
    """One framed response to its type. Raises ResponseSyntaxError on nonsense."""
    first = records[0]
    line = first[0] if isinstance(first, tuple) else first
    if line.startswith(b"+"):
        return Continuation(line[2:])
    tag, _, rest = line.partition(b" ")
    if not tag:
        raise ResponseSyntaxError(f"a response without a tag: {line[:80]!r}")
    number = None
    if tag == b"*" and rest[:1].isdigit():
        digits, _, rest = rest.partition(b" ")
        if not digits.isdigit():
            raise ResponseSyntaxError(f"bad message number in {line[:80]!r}")
        number = int(digits)
    word, _, rest = rest.partition(b" ")
    kind = word.upper()
    if number is None and kind in STATUS_WORDS:
        code, text = _code_and_text(rest)
        return Status(tag, kind.decode(), code, text)
    if tag != b"*":
        raise ResponseSyntaxError(f"a tagged response that is not a status: {line[:80]!r}")
    if not kind:
        raise ResponseSyntaxError(f"an untagged response without a name: {line[:80]!r}")
    tail: list[Record] = [(rest, first[1]) if isinstance(first, tuple) else rest]
    return Data(kind.decode("ascii", "replace"), number, tail + records[1:])


def _code_and_text(rest: bytes) -> tuple[ResponseCode | None, str]:
    code = None
    if rest.startswith(b"["):
        end = rest.find(b"]")
        if end > 0:
            name, _, args = rest[1:end].partition(b" ")
            code = ResponseCode(name.upper().decode("ascii", "replace"), args)
            rest = rest[end + 1 :].lstrip(b" ")
    return code, rest.decode("utf-8", "replace")


# -- typed content of data responses ------------------------------------------------------------


def _number_text(data: Data) -> bytes:
    """The numbers of a SEARCH or SORT answer, without a trailing ``(MODSEQ n)``."""
    line = data.line
    cut = line.find(b"(")
    return line[:cut] if cut >= 0 else line


def numbers(data: Data) -> list[int]:
    """``* SEARCH 2 5 7`` -> [2, 5, 7]; ``* SORT 7 2 5`` -> [7, 2, 5] (a MODSEQ item left out)."""
    return list(map(int, _number_text(data).split()))


#: Above this many bytes (about 2,700 UIDs) a list of numbers is read by numpy's C parser.
WIDE_ANSWER = 16 * 1024


def number_array(data: Data) -> array[int]:
    """The same numbers as 32-bit unsigned integers (UIDs), made without a list.

    A long answer (a folder's SORT: 7 MB for a million messages) is read by numpy's text
    parser, 16 ms a million against 118 ms for ``array("I", map(int, words))``; that is most
    of what a cold first page of a large folder costs beyond the server's own time. numpy is
    imported the first time a process reads such an answer (78 ms, 16 MB), never in a process
    that only sees small folders.
    """
    text = _number_text(data)
    if len(text) > WIDE_ANSWER:
        return _wide_number_array(text)
    return array("I", map(int, text.split()))


def _wide_number_array(text: bytes) -> array[int]:
    import numpy  # here, not above: only processes that meet a large folder pay for it

    try:
        values = numpy.fromstring(text, dtype=numpy.int64, sep=" ")
    except ValueError as exc:  # a word that is not a decimal number
        raise ResponseSyntaxError(f"not a list of numbers: {text[:40]!r}") from exc
    if len(values) and (values.min() < 0 or values.max() > 0xFFFFFFFF):
        raise ResponseSyntaxError("a number out of the 32-bit range")
    out = array("I")
    out.frombytes(values.astype(numpy.uint32).tobytes())
    return out


def parse_sequence_set(text: str, limit: int = 10_000_000) -> list[int]:
    """``1:3,7`` -> [1, 2, 3, 7] (ranges in either direction). ValueError if malformed/too big."""
    out: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition(":")
        first, last = int(low), int(high or low)
        if first > last:
            first, last = last, first
        if len(out) + last - first + 1 > limit:
            raise ValueError("sequence set too large")
        out.extend(range(first, last + 1))
    return out


def esearch_all(data: Data) -> list[int]:
    """The ALL of ``* ESEARCH (TAG "A1") UID ALL 1:3,7`` as a sorted list ([] without ALL)."""
    values = data.values()
    for name, value in zip(values, values[1:], strict=False):
        if isinstance(name, bytes) and name.upper() == b"ALL":
            return sorted(
                parse_sequence_set(str(value) if isinstance(value, int) else value.decode())
            )
    return []


def thread_uids(data: Data) -> list[list[int]]:
    """``* THREAD (2)(3 6 (4 23)(44 7 96))`` -> [[2], [3, 6, 4, 23, 44, 7, 96]]."""

    def flatten(item: Any) -> list[int]:
        if isinstance(item, int):
            return [item]
        out: list[int] = []
        for sub in item:
            out.extend(flatten(sub))
        return out

    return [flatten(item) for item in data.values() if isinstance(item, tuple)]


def list_entry(data: Data) -> tuple[frozenset[bytes], bytes | None, bytes]:
    """``* LIST (\\HasNoChildren \\Sent) "/" Sent`` -> (flags, delimiter, raw name)."""
    values = data.values()
    if len(values) < 3 or not isinstance(values[0], tuple):
        raise ResponseSyntaxError(f"bad LIST response {data.line[:80]!r}")
    flags, delimiter, name = values[0], values[1], values[2]
    if isinstance(name, int):
        name = str(name).encode()
    if not isinstance(name, bytes) or not (delimiter is None or isinstance(delimiter, bytes)):
        raise ResponseSyntaxError(f"bad LIST response {data.line[:80]!r}")
    return frozenset(f for f in flags if isinstance(f, bytes)), delimiter, name


def status_items(data: Data) -> tuple[bytes, dict[str, int]]:
    """``* STATUS INBOX (MESSAGES 3 UNSEEN 1)`` -> (raw name, {"MESSAGES": 3, "UNSEEN": 1})."""
    values = data.values()
    if len(values) != 2 or not isinstance(values[1], tuple):
        raise ResponseSyntaxError(f"bad STATUS response {data.line[:80]!r}")
    name, items = values
    if isinstance(name, int):
        name = str(name).encode()
    out = {}
    for key, value in zip(items[::2], items[1::2], strict=False):
        if isinstance(key, bytes) and isinstance(value, int):
            out[key.decode("ascii", "replace").upper()] = value
    return name, out


def quota_resources(data: Data) -> tuple[bytes, list[tuple[str, int, int]]]:
    """``* QUOTA "" (STORAGE 10 512)`` -> (root, [("STORAGE", 10, 512)])."""
    values = data.values()
    if len(values) != 2 or not isinstance(values[1], tuple):
        raise ResponseSyntaxError(f"bad QUOTA response {data.line[:80]!r}")
    root, items = values
    out = []
    for i in range(0, len(items) - 2, 3):
        name, usage, limit = items[i : i + 3]
        if isinstance(name, bytes) and isinstance(usage, int) and isinstance(limit, int):
            out.append((name.decode("ascii", "replace").upper(), usage, limit))
    return root if isinstance(root, bytes) else str(root).encode(), out


def capabilities(words: bytes) -> frozenset[str]:
    """``IMAP4rev1 IDLE SORT`` -> {"IMAP4REV1", "IDLE", "SORT"}."""
    return frozenset(words.decode("ascii", "replace").upper().split())


def fetch_dict(data: Data) -> dict[bytes, Any]:
    """``* 4 FETCH (UID 20 FLAGS (\\Seen))`` -> {b"UID": 20, b"FLAGS": (b"\\Seen",)}: item names
    in capitals, values as `parse_values` gives them."""
    return fetch_dicts([data])[0]


def fetch_dicts(responses: list[Data]) -> list[dict[bytes, Any]]:
    """`fetch_dict` of several FETCH responses, tokenized in one pass (a page of rows)."""
    records: list[Record] = []
    for data in responses:
        records += data.records
    values = parse_values(records)
    if len(values) != len(responses):
        raise ResponseSyntaxError(f"bad FETCH response near {responses[0].line[:80]!r}")
    out = []
    for items in values:
        if not isinstance(items, tuple) or len(items) % 2:
            raise ResponseSyntaxError(f"bad FETCH response {str(items)[:80]}")
        found: dict[bytes, Any] = {}
        for j in range(0, len(items), 2):
            name = items[j]
            if not isinstance(name, bytes):
                raise ResponseSyntaxError(f"bad FETCH item name {name!r}")
            found[name.upper()] = items[j + 1]
        out.append(found)
    return out
