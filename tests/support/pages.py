"""What a server-drawn list page shows, read from its HTML (the view tests' one reader)."""

from __future__ import annotations

import re

# A row's subject cell (its attributes vary: dir="auto"); conversation rows with a count badge
# start with the badge's link and are not read here.
_SUBJECT = re.compile(r'<td class="c-subject"[^>]*><a href="[^"]*">([^<]*)</a>')


def list_subjects(html: str) -> list[str]:
    """The subjects of the rows, in order, as the HTML has them (entities not decoded)."""
    return _SUBJECT.findall(html)
