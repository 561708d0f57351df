"""What user input may become on the wire: folder names, search criteria, UID sets.

User text only ever reaches the server through `imap_string` (a quoted string, or a literal
when it is not ASCII); search keywords are `Atom`s made by the app; folder names go through
`check_folder_name` and modified UTF-7.
"""

from __future__ import annotations

import re

from .errors import InvalidName
from .protocol import utf7
from .protocol.commands import Argument, Literal, astring

MAX_FOLDER_NAME = 1000
_ATOM_OK = re.compile(r"^[A-Za-z0-9:*,.\-()]+$")


def check_folder_name(name: str) -> str:
    """Validate a folder name that came from a user before it goes near the server.

    Names are sent quoted (or as literals), but a quoted string cannot carry CR, LF or NUL, so
    such names are refused here.
    """
    if not name or len(name) > MAX_FOLDER_NAME:
        raise InvalidName(f"folder name of length {len(name)}")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise InvalidName("control character in folder name")
    return name


def encode_folder_name(name: str) -> bytes:
    """A folder name as it goes on the wire (modified UTF-7, RFC 3501 5.1.3), validated first."""
    return utf7.encode(check_folder_name(name))


def decode_folder_name(raw: bytes) -> str:
    return utf7.decode(raw)


def folder_argument(name: str) -> Argument:
    """A folder name as a command argument: validated, modified UTF-7, atom or quoted."""
    return astring(encode_folder_name(name))


class Atom(str):
    """A search keyword or value we made ourselves (never user text): sent as it is."""

    __slots__ = ()


SearchToken = str  # an Atom, or any other str = user text, sent as a quoted string or literal


def imap_string(text: str) -> Argument:
    """User text as an IMAP string: quoted when it is plain ASCII, else a literal.

    Control characters (CR and LF above all) are replaced by spaces first: they mean nothing in
    a search and CR LF inside a quoted string would end the command early.
    """
    cleaned = "".join(" " if ord(ch) < 32 or ord(ch) == 127 else ch for ch in text)
    raw = cleaned.encode("utf-8")
    if raw.isascii():
        return b'"' + raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
    return Literal(raw)


def criterion(token: SearchToken) -> Argument:
    """One search criterion: an Atom as it is (checked), user text as `imap_string`."""
    if isinstance(token, Atom):
        if not _ATOM_OK.match(token):
            raise ValueError(f"not a search atom: {token!r}")
        return token.encode("ascii")
    return imap_string(token)
