"""How much work an HTML part would cost the sanitizer, measured before it is parsed.

The HTML parser's work grows with the number of elements times the depth they nest (scope
checks walk the stack of open elements; misnested formatting tags are reopened again and
again), so a hostile part of ten thousand nested or misnested tags would hold a worker for
many seconds. ``too_complex`` reads the markup once, linearly, with a regular expression and a
stack of tag names, and says whether the part stays within the budget; a part beyond it is
shown flattened to its text (``flatten``) with a notice instead of being parsed.
"""

from __future__ import annotations

import html
import re

#: The most elements an HTML part may have to be shown as HTML.
MAX_ELEMENTS = 6000
#: The deepest they may nest (newsletters rarely pass 40; browsers cap their own trees too).
MAX_DEPTH = 250

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]{0,40})[^>]*>")
_VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr keygen".split()
)
_RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xmp", "noscript"})
_BLOCK = frozenset(
    """address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5
    h6 header hr li main nav ol p pre section table tbody td tfoot th thead tr ul""".split()
)


def too_complex(markup: str) -> bool:
    """Would parsing ``markup`` cost more than the budget (elements, nesting depth)?"""
    elements = 0
    stack: list[str] = []
    open_count: dict[str, int] = {}
    for match in _TAG.finditer(markup):
        name = match.group(2).lower()
        if match.group(1):  # an end tag closes up to its element, if that is open
            if open_count.get(name):
                while stack:
                    top = stack.pop()
                    open_count[top] -= 1
                    if top == name:
                        break
            continue
        elements += 1
        if elements > MAX_ELEMENTS:
            return True
        if name in _VOID:
            continue
        stack.append(name)
        open_count[name] = open_count.get(name, 0) + 1
        if len(stack) > MAX_DEPTH:
            return True
    return False


def flatten(markup: str) -> str:
    """The text of ``markup``: tags removed (script and style with their contents), a line
    break for each block element, entities resolved. Linear in the size of the markup."""
    out: list[str] = []
    skipping = ""
    pos = 0
    for match in _TAG.finditer(markup):
        name = match.group(2).lower()
        closing = bool(match.group(1))
        if skipping:
            if closing and name == skipping:
                skipping = ""
                pos = match.end()
            continue
        out.append(markup[pos : match.start()])
        pos = match.end()
        if not closing and name in _RAW_TEXT:
            skipping = name
        elif name in _BLOCK:
            out.append("\n")
    if not skipping:
        out.append(markup[pos:])
    text = html.unescape("".join(out))
    return re.sub(r"\n[ \t\r\n]*\n", "\n\n", text).strip() + "\n"
