"""Sieve strings from user input (RFC 5228 2.4.2): nothing a user types can end a string early
or start a command.

Inside a quoted string only ``"`` and ``\\`` are special; both are escaped. A line break is
legal in a Sieve string but never in an address, a folder name or a header name, where it
would let a value smuggle a second header or command into what the server does: those are
refused (`UnsafeValue`). Free text (a vacation reply, a reject message) may span lines; its
line breaks are normalised to CRLF, the only line break RFC 5228 allows in a script.
"""

from __future__ import annotations

import re

__all__ = ["UnsafeValue", "header_name", "sieve_string", "sieve_string_list"]

_FIELD_NAME = re.compile(r"[!-9;-~]+")


class UnsafeValue(ValueError):
    """A value that cannot be put into a script as asked (a line break in a one-line field)."""


def sieve_string(value: str, *, multiline: bool = False) -> str:
    """``value`` as a quoted Sieve string.

    One-line values with CR, LF or NUL raise `UnsafeValue`; ``multiline`` text keeps its line
    breaks (as CRLF) but never a NUL.
    """
    if "\0" in value:
        raise UnsafeValue("a NUL character cannot be part of a filter")
    if multiline:
        value = re.sub(r"\r\n|\r|\n", "\r\n", value)
    elif "\r" in value or "\n" in value:
        raise UnsafeValue("a line break cannot be part of this value")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sieve_string_list(values: list[str] | tuple[str, ...]) -> str:
    """A Sieve string list ``["a", "b"]`` of one-line values."""
    return "[" + ", ".join(sieve_string(v) for v in values) + "]"


def header_name(value: str) -> str:
    """A header field name (RFC 5322 ftext: printable ASCII except colon), or UnsafeValue."""
    value = value.strip()
    if not _FIELD_NAME.fullmatch(value):
        raise UnsafeValue(f"{value!r} is not a header name")
    return value
