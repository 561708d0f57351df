"""Plain text bodies: format=flowed (RFC 3676) and quote levels, as (depth, line) pairs."""

from __future__ import annotations

import html
import re

_QUOTE = re.compile(r"^((?:>[ \t]?)+)")
MAX_LINES = 100_000


def text_lines(text: str, *, flowed: bool = False, delsp: bool = False) -> list[tuple[int, str]]:
    """The lines of a text body with their quote depth (the "> " markers removed).

    With format=flowed, soft line breaks (a line ending in a space) are joined within the same
    quote depth, space-stuffing is undone and "-- " (the signature separator) stays a line.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    raw_lines = text.split("\n")
    if raw_lines and raw_lines[-1] == "":
        raw_lines.pop()
    raw_lines = raw_lines[:MAX_LINES]
    out: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for raw in raw_lines:
        match = _QUOTE.match(raw)
        if match:
            depth = match.group(1).count(">")
            line = raw[match.end() :] if not flowed else raw[len(match.group(1).rstrip(" \t")) :]
        else:
            depth, line = 0, raw
        if not flowed:
            out.append((depth, line))
            continue
        if line.startswith(" "):
            line = line[1:]  # space-stuffing
        soft = line.endswith(" ") and line != "-- "
        if pending is not None and pending[0] == depth:
            line = pending[1] + line
        elif pending is not None:
            out.append(pending)
        pending = None
        if soft:
            pending = (depth, line[:-1] if delsp else line)
        else:
            out.append((depth, line))
    if pending is not None:
        out.append(pending)
    return out


def html_to_text(markup: str) -> str:
    """A readable text from HTML (tags removed, entities resolved, blocks on their own lines).

    The result is plain text (for a text/plain alternative or a quote), never shown as HTML.
    """
    markup = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", "", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</(p|div|tr|li|h[1-6])\s*>", "\n", markup)
    text = html.unescape(re.sub(r"(?s)<[^>]*>", "", markup))
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
