"""URLs in mail HTML and CSS: which to keep, rewrite (cid: to our own part URLs) or drop.

``UrlPolicy`` is the per-call state that the HTML filters and the CSS sanitizer share: whether
remote content is allowed, how to resolve cid: references, and how many remote loads were
blocked. Only ``sanitize.py`` and ``css.py`` use it; ``sanitize_html`` is the public door.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

CidResolver = Callable[[str], str | None]

DATA_IMAGE = re.compile(r"data:image/(png|gif|jpeg|jpg|webp|bmp);base64,[a-z0-9+/=\s]*", re.I)
_SRCSET_DESCRIPTOR = re.compile(r"\d+(\.\d+)?[wx]|\d+h", re.I)
_INVISIBLE = re.compile(r"[`\x00-\x20\x7f-\xa0\s]+")


class UrlPolicy:
    """Per-call state shared by the filters and the CSS sanitizer."""

    def __init__(self, allow_remote: bool, cid: CidResolver | None) -> None:
        self.allow_remote = allow_remote
        self.cid = cid or (lambda _cid: None)
        self.remote_blocked = 0

    def url(self, value: str, *, image: bool) -> str | None:
        """The URL to keep for `value` (maybe rewritten), or None to drop it."""
        scheme, rest = url_scheme(value)
        if scheme == "cid" and image:
            return self.cid(rest)
        if scheme in ("http", "https") and not rest.startswith("//"):
            return None  # "http:foo" without a host
        if scheme in ("http", "https"):
            if image and not self.allow_remote:
                self.remote_blocked += 1
                return None
            return value.strip()
        if scheme == "mailto" and not image:
            return value.strip()
        if scheme == "data" and image and DATA_IMAGE.fullmatch(_INVISIBLE.sub("", value)):
            return _INVISIBLE.sub("", value)
        if scheme == "" and not image and value.strip().startswith("#"):
            return value.strip()
        return None  # javascript:, vbscript:, relative URLs (they would reach our own site), ...

    def remote_url(self, value: str) -> str | None:
        """An http(s) URL with a host, when remote content is allowed (fonts, media)."""
        scheme, rest = url_scheme(value)
        if scheme not in ("http", "https") or not rest.startswith("//"):
            return None
        if not self.allow_remote:
            self.remote_blocked += 1
            return None
        return value.strip()

    def srcset(self, value: str) -> str | None:
        """A srcset whose every candidate is an allowed image URL with a plain descriptor,
        rebuilt from its parts; None (the attribute dropped) otherwise."""
        candidates = []
        for url, descriptor in parse_srcset(value):
            kept = self.url(url, image=True)
            if kept is None or (descriptor and not _SRCSET_DESCRIPTOR.fullmatch(descriptor)):
                return None
            if any(ch in kept for ch in " ,\t\n\r\f"):
                kept = quote(kept, safe=":/?#[]@!$&'()*+;=%-._~")
            candidates.append(f"{kept} {descriptor}".strip())
        return ", ".join(candidates) or None


def parse_srcset(value: str) -> list[tuple[str, str]]:
    """(URL, descriptor) pairs of a srcset, split as the HTML standard does: a URL runs to
    whitespace (trailing commas end the candidate), a descriptor to the next comma."""
    out = []
    pos, end = 0, len(value)
    while pos < end:
        while pos < end and (value[pos].isspace() or value[pos] == ","):
            pos += 1
        start = pos
        while pos < end and not value[pos].isspace():
            pos += 1
        url = value[start:pos]
        if not url:
            break
        if url.endswith(","):
            out.append((url.rstrip(","), ""))
            continue
        start = pos
        depth = 0
        while pos < end and (value[pos] != "," or depth):
            depth += {"(": 1, ")": -1}.get(value[pos], 0)
            pos += 1
        out.append((url, " ".join(value[start:pos].split())))
    return out


def url_scheme(value: str) -> tuple[str, str]:
    """(scheme, rest) of a URL as a browser would read it: controls and whitespace ignored."""
    normal = _INVISIBLE.sub("", value)
    normal = re.sub(r"[^\x00-\x7f]", "", normal)
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):(.*)", normal, re.S)
    if match is None:
        return "", normal
    scheme = match.group(1).lower()
    rest = match.group(2)
    if scheme == "cid":
        rest = value.strip()[4:].strip().strip("<>")
    return scheme, rest
