"""Commands to bytes: atoms, quoted strings, literals, sequence sets, tagged command lines.

No I/O here. A command is a list of arguments, each either `bytes` (syntax we made: an atom, a
quoted string, a parenthesised list) or a `Literal` (text a quoted string cannot carry).
`encode_command` gives the bytes to send as pieces: with synchronizing literals the driver
sends a piece, waits for the server's ``+`` and sends the next; with LITERAL+ (RFC 7888) the
whole command is one piece.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# ASTRING-CHAR without the ones our own tokenizer reads specially ([, ], %, *, {, ~ at start):
# anything else goes quoted, which every server reads the same way.
_SAFE_ATOM = re.compile(rb"[A-Za-z0-9!#$&'+,\-./:;<=>?@^_`|]+")
_QUOTABLE = re.compile(rb"[\x01-\x09\x0b\x0c\x0e-\x7f]*")


@dataclass(frozen=True, slots=True)
class Literal:
    """An argument sent as a literal ``{n}`` (``~{n}`` when `binary`, RFC 3516)."""

    data: bytes
    binary: bool = False


@dataclass(frozen=True, slots=True)
class FileLiteral:
    """A literal whose bytes are in a file (``size`` of them), read by the driver in pieces as
    it sends them: a message larger than memory should hold (a draft with its attachments) is
    never one bytes object."""

    path: str
    size: int


#: A file literal above this size is sent synchronizing even when the server offers LITERAL+
#: (RFC 7888 allows either): the server can then refuse it (too large, over quota) before the
#: bytes travel, instead of after reading them all.
SYNC_FILE_LITERAL_ABOVE = 1024 * 1024

Argument = bytes | Literal
Piece = tuple[bytes | FileLiteral, ...]


def quoted(data: bytes) -> bytes:
    """A quoted string; ValueError for bytes a quoted string cannot carry (CR, LF, NUL, 8-bit)."""
    if not _QUOTABLE.fullmatch(data):
        raise ValueError("not quotable")
    return b'"' + data.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def string(data: bytes) -> Argument:
    """An IMAP string: quoted when it can be, a literal otherwise (never spliced raw)."""
    if _QUOTABLE.fullmatch(data):
        return b'"' + data.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
    return Literal(data)


def astring(data: bytes) -> Argument:
    """An atom when that is unambiguous, else as `string` (folder names, login names)."""
    if _SAFE_ATOM.fullmatch(data) and data.upper() != b"NIL":
        return data
    return string(data)


def sequence_set(numbers: Iterable[int]) -> bytes:
    """[1, 2, 3, 7] -> b"1:3,7" (runs of consecutive numbers as ranges, order kept otherwise)."""
    parts: list[bytes] = []
    start = prev = -2
    for n in numbers:
        n = int(n)
        if n <= 0:
            raise ValueError(f"not a message number: {n}")
        if n == prev + 1:
            prev = n
            continue
        if start > 0:
            parts.append(b"%d" % start if start == prev else b"%d:%d" % (start, prev))
        start = prev = n
    if start > 0:
        parts.append(b"%d" % start if start == prev else b"%d:%d" % (start, prev))
    if not parts:
        raise ValueError("empty sequence set")
    return b",".join(parts)


def encode_command(tag: bytes, words: Sequence[Argument], literal_plus: bool) -> list[bytes]:
    """``tag words...`` CR LF as pieces: each piece but the last ends with a synchronizing
    literal's ``{n}`` CR LF, after which the server's ``+`` must be awaited."""
    return [
        b"".join(part for part in piece if isinstance(part, bytes))
        for piece in encode_streamed(tag, words, literal_plus)
    ]


def encode_streamed(
    tag: bytes, words: Sequence[Argument | FileLiteral], literal_plus: bool
) -> list[Piece]:
    """As `encode_command`, where a piece is a run of bytes and `FileLiteral` s, which the
    driver sends in order, reading each file as it goes."""
    pieces: list[Piece] = []
    parts: list[bytes | FileLiteral] = []
    line = bytearray(tag)
    for word in words:
        line += b" "
        if isinstance(word, Literal | FileLiteral):
            data: bytes | FileLiteral = word.data if isinstance(word, Literal) else word
            size = len(word.data) if isinstance(word, Literal) else word.size
            prefix = b"~" if isinstance(word, Literal) and word.binary else b""
            plus = literal_plus and (
                isinstance(word, Literal) or word.size <= SYNC_FILE_LITERAL_ABOVE
            )
            line += b"%s{%d%s}\r\n" % (prefix, size, b"+" if plus else b"")
            if not plus:
                pieces.append((*parts, bytes(line)))
                parts, line = [], bytearray()
            if isinstance(data, bytes):
                line += data
            else:
                parts += [bytes(line), data]
                line = bytearray()
        else:
            line += word
    line += b"\r\n"
    pieces.append(tuple(p for p in (*parts, bytes(line)) if p != b""))
    return pieces


def parenthesized(items: Iterable[bytes]) -> bytes:
    """(a b c)."""
    return b"(" + b" ".join(items) + b")"
