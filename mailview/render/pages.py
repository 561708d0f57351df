"""Rendered pages kept for the next identical request: a warm page is served without rendering.

A page is kept with the inputs it was rendered from (``inputs``: everything the template reads,
from the folder's rows and tree to the user's settings, language, time zone, day and session
state). A request whose inputs compare equal gets the same bytes; any difference (a flag
changed, a message arrived or left, a setting, another day, the tree's counts) renders afresh
and replaces the entry. So nothing has to be invalidated by hand: what the page shows is the key.

Kept per user, per session and per path (``PageKey``): never served to another user or
another session (pieces shared by many pages, `kept_fragment`, per user). The only
per-request part of such a page, the CSRF token, is kept as a placeholder and filled in for
each response. All kept pages of a worker together stay under ``limit`` bytes, least recently
used dropped first (WEBMAIL_PAGE_CACHE_BYTES).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

#: Replaces the CSRF token in a kept page (64 characters, as a masked token; not a valid one).
CSRF_PLACEHOLDER = b"@" * 64
_CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{32,128})"')

PageKey = tuple[str, str, str]  # (login, session key, full path)


@dataclass(frozen=True)
class Kept:
    inputs: object
    body: bytes  # the page with CSRF_PLACEHOLDER for the token


class PageStore:
    """Thread-safe LRU of rendered pages, bounded in bytes (see the module docstring)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self.hits = 0
        self.misses = 0
        self._pages: OrderedDict[PageKey, Kept] = OrderedDict()
        self._lock = threading.Lock()

    def set_limit(self, limit: int) -> None:
        with self._lock:
            self.limit = max(0, limit)
            self._evict()

    def get(self, key: PageKey, inputs: object, token: str | None) -> bytes | None:
        """The kept page for ``key`` if it was rendered from equal ``inputs``, with ``token``
        (None: a piece kept as it was drawn, see `kept_fragment`)."""
        with self._lock:
            kept = self._pages.get(key)
            if kept is None or kept.inputs != inputs:
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
        if token is None:
            return kept.body
        return kept.body.replace(CSRF_PLACEHOLDER, token.encode("ascii"))

    def put(self, key: PageKey, inputs: object, body: bytes, csrf: bool = True) -> None:
        """Keep ``body`` (a page just rendered from ``inputs``) for ``key``; ``csrf``: its CSRF
        token is replaced by the placeholder (a page; a fragment has none)."""
        if len(body) > self.limit:
            self.drop(key)
            return
        found = _CSRF_INPUT.search(body) if csrf else None
        if found is not None:
            body = body.replace(found.group(1), CSRF_PLACEHOLDER)
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self.used -= len(old.body)
            self._pages[key] = Kept(inputs, body)
            self.used += len(body)
            self._evict()

    def drop(self, key: PageKey) -> None:
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self.used -= len(old.body)

    def drop_login(self, login: str) -> None:
        """Forget every page of a login (logged out, or its sessions ended)."""
        with self._lock:
            for key in [k for k in self._pages if k[0] == login]:
                self.used -= len(self._pages.pop(key).body)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self.used = 0

    def __len__(self) -> int:
        return len(self._pages)

    def _evict(self) -> None:
        while self.used > self.limit and self._pages:
            _key, kept = self._pages.popitem(last=False)
            self.used -= len(kept.body)


#: The worker's pages (the app sets the limit from WEBMAIL_PAGE_CACHE_BYTES at start-up).
page_store = PageStore(32 * 1024 * 1024)
#: Pieces shared by many pages (`kept_fragment`); the app gives it an eighth of the pages' bytes.
fragment_store = PageStore(4 * 1024 * 1024)


def kept_fragment(login: str, name: str, inputs: object, draw: Callable[[], str]) -> str:
    """A piece of a page that many pages share and that changes rarely (the folder tree, the
    actions toolbar): ``draw()`` only when its ``inputs`` differ from the last time this login
    drew it, else the same HTML. Kept in a store of their own (an eighth of the pages' bytes,
    forgotten with them when the login's sessions end), under the login, not the session: the
    piece is a function of its inputs alone and holds no CSRF token."""
    key = (login, "", name)
    body = fragment_store.get(key, inputs, None)
    if body is not None:
        return body.decode()
    html = draw()
    fragment_store.put(key, inputs, html.encode(), csrf=False)
    return html
