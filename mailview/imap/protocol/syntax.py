"""IMAP value syntax (RFC 3501 section 9, RFC 9051) to nested Python values, quickly.

A byte-at-a-time lexer in Python costs 5.7 ms for the 50 rows of a message list (FETCH of
FLAGS, ENVELOPE, sizes and a header field, about 28 KB), three quarters of the whole FETCH.
This module finds the tokens with one regular expression and builds the values, so that a page
of rows costs about a millisecond to parse.

Values: parenthesised lists become tuples, ``NIL`` None, numbers without a leading zero ints,
quoted strings and other atoms bytes (quotes removed, ``\\\\`` and ``\\"`` unescaped), a literal
its bytes. These are the values imapclient's public parser gives; tests/imap/test_syntax.py
checks it on generated responses.

Input is a response as records: a list whose items are either a line (bytes) or, for a line
that ends in a literal, a ``(line ending in {n}, literal bytes)`` pair (see `.framing`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any, TypeAlias

Record: TypeAlias = bytes | tuple[bytes, bytes]

# One token per match, after optional whitespace: a quoted string, a list's parenthesis, an atom
# (which may hold [...] sections with spaces, as in BODY[HEADER.FIELDS (SUBJECT)]; numbers, NIL
# and {n} are atoms too), or a lone % or control character (imapclient makes those tokens of
# their own). Every byte can start a token, so nothing is skipped: a quote or [ that is never
# closed comes out as a one-byte token, which the parser refuses. The loops are unrolled and
# possessive: one pass, no backtracking, half the time of the plain alternation.
_ATOM_CHARS = rb'[^\x00-\x20()%"\[]'
_TOKENS = re.compile(
    rb"[ \t\r\n]*+("
    rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"'
    rb"|[()]"
    rb"|" + _ATOM_CHARS + rb"++(?:\[[^\]]*+\]" + _ATOM_CHARS + rb"*+)*+"
    rb"|(?:\[[^\]]*+\]" + _ATOM_CHARS + rb"*+)++"
    rb'|[%\x00-\x08\x0b\x0c\x0e-\x1f"\[])',
    re.DOTALL,
)
_UNESCAPE = re.compile(rb'\\([\\"])')
_LITERAL = re.compile(rb"~?\{(\d+)\+?\}")
_OPEN, _CLOSE, _QUOTE, _ZERO, _BRACE = 0x28, 0x29, 0x22, 0x30, 0x7B


class ResponseSyntaxError(ValueError):
    """The server's response does not follow the IMAP syntax."""


def parse_values(records: Iterable[Record]) -> list[Any]:
    """The top-level values of ``records``, in order; lists as (nested) tuples."""
    stack: list[list[Any]] = [[]]
    out = stack[0]
    for record in records:
        if isinstance(record, tuple):
            text, literal = record
        else:
            text, literal = record, None
        if text is None:
            continue
        tokens = _TOKENS.findall(text)
        if literal is not None:
            # A record's line ends at the literal's {n} marker: the literal stands in its place.
            marker = _LITERAL.fullmatch(tokens.pop()) if tokens else None
            if marker is None or int(marker.group(1)) != len(literal):
                raise ResponseSyntaxError(f"no {{n}} marker for a literal in {text[-80:]!r}")
        for token in tokens:
            first = token[0]
            if first == _OPEN:
                out = []
                stack.append(out)
            elif first == _CLOSE:
                if len(stack) == 1:
                    raise ResponseSyntaxError(f"unbalanced ')' in {text[:120]!r}")
                closed = tuple(stack.pop())
                out = stack[-1]
                out.append(closed)
            elif first == _QUOTE:
                if len(token) == 1:
                    raise ResponseSyntaxError(f"a quoted string is not closed in {text[:120]!r}")
                token = token[1:-1]
                out.append(_UNESCAPE.sub(rb"\1", token) if b"\\" in token else token)
            elif token == b"NIL":
                out.append(None)
            elif token.isdigit() and (first != _ZERO or len(token) == 1):
                out.append(int(token))
            elif token == b"[":
                raise ResponseSyntaxError(f"a [ is not closed in {text[:120]!r}")
            elif first == _BRACE:
                raise ResponseSyntaxError(f"{token!r} is not followed by its literal")
            else:
                out.append(token)
        if literal is not None:
            out.append(literal)
    if len(stack) != 1:
        raise ResponseSyntaxError("a list is not closed")
    return stack[0]


def fetch_items(records: Iterable[Record]) -> Iterator[tuple[int, dict[bytes, Any]]]:
    """(sequence number, {item name in capitals: raw value}) per untagged FETCH response.

    ``records`` are untagged FETCH data without the leading ``* `` and ``FETCH``:
    ``4 (UID 20 FLAGS (\\Seen))``. Values are as `parse_values` gives them.
    """
    values = parse_values(records)
    if len(values) % 2:
        raise ResponseSyntaxError("a FETCH response without its list")
    for i in range(0, len(values), 2):
        seq, items = values[i], values[i + 1]
        if not isinstance(seq, int) or not isinstance(items, tuple) or len(items) % 2:
            raise ResponseSyntaxError(f"bad FETCH response for {seq!r}")
        out: dict[bytes, Any] = {}
        for j in range(0, len(items), 2):
            name = items[j]
            if not isinstance(name, bytes):
                raise ResponseSyntaxError(f"bad FETCH item name {name!r}")
            out[name.upper()] = items[j + 1]
        yield seq, out
