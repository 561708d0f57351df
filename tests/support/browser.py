"""Shared helpers for the browser tests (no fixtures: those live in tests/conftest.py)."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from playwright.sync_api import Browser, Locator, Page, Route, expect

from tests.support.dovecot import MailUser
from webmail.devmail.dovecot import append_message

#: A fixed point in the past, so list dates and date order never depend on the clock.
BASE = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

# The suite runs on a 2-core machine that other work may load heavily: a page or a poll can take
# seconds there. Waits end as soon as their condition holds, so a generous budget costs a passing
# test nothing; Playwright's 5 s default for expect() failed healthy tests under load.
EXPECT_TIMEOUT_MS = 15_000
ACTION_TIMEOUT_MS = 20_000

INBOX_URL = re.compile(r"/mail/INBOX/$")
LOGIN_URL = re.compile(r"/accounts/login/")


def at(minutes: int) -> datetime:
    """``BASE`` plus ``minutes``: a later value is a newer message."""
    return BASE + timedelta(minutes=minutes)


def fill(
    user: MailUser, folder: str, items: Iterable[tuple[EmailMessage, Sequence[str], datetime]]
) -> list[int]:
    """APPEND many messages over one connection (``user.append`` logs in once per message)."""
    client = user.dovecot.client(user.username, user.password)
    try:
        return [append_message(client, folder, msg, flags, when) for msg, flags, when in items]
    finally:
        with contextlib.suppress(Exception):
            client.logout()


def log_in(page: Page, base_url: str, user: MailUser) -> None:
    """Log in through the form and wait for the inbox."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email or username").fill(user.username)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(INBOX_URL)
    expect(page.locator("table.messages")).to_be_visible()
    # The page's deferred scripts (keyboard shortcuts, live updates) have run by "load".
    page.wait_for_load_state("load")


def pump_until(page: Page, condition: Callable[[], object], timeout: float = 20.0) -> None:
    """Let Playwright dispatch events (route handlers, request events) until ``condition``."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        page.wait_for_timeout(20)


@contextlib.contextmanager
def script_held_back(
    browser: Browser, base_url: str, user: MailUser, script: str
) -> Iterator[tuple[Page, Callable[[], None]]]:
    """A logged-in page on which ``static/webmail/<script>`` is held back from now on, as on a
    slow connection: the person can act on the next page before its script has run. Yields the
    page and the function that lets the script of the current page load and waits until it has
    run. The service worker is blocked so that Playwright sees (and holds) the requests."""
    context = browser.new_context(service_workers="block")
    try:
        page = context.new_page()
        log_in(page, base_url, user)
        held: list[Route] = []
        page.route(re.compile(rf"/static/webmail/{re.escape(script)}"), lambda r: held.append(r))

        def release() -> None:
            pump_until(page, lambda: bool(held))  # the request held, else it was never asked
            held[-1].continue_()  # the current page's (a page left behind keeps its own)
            page.wait_for_load_state("load")  # module scripts have run by then

        yield page, release
    finally:
        context.close()


def subjects(page: Page) -> list[str]:
    return page.locator("table.messages tr.row .c-subject a").all_inner_texts()


_DRAG_EVENTS = """([[source, target, dataTransfer], kinds]) => {
  for (const kind of kinds) {
    const node = kind === "dragstart" || kind === "dragend" ? source : target;
    node.dispatchEvent(new DragEvent(kind, { bubbles: true, cancelable: true, dataTransfer }));
  }
}"""
#: The first step: dragstart, and the step's other events only if the page took the drag (its
#: handler put the dragged thing in the DataTransfer). Whether it did; the drag's nodes are kept
#: in the page for the next steps (a drop may also navigate away: nothing is asked after it).
_DRAG_START = """(source, [target, kinds]) => {
  if (!source.draggable) throw new Error("the source is not draggable");
  const drag = [source, target, new DataTransfer()];
  const send = SEND;
  send([drag, ["dragstart"]]);
  if (!drag[2].types.length) return false;
  window.__testDrag = drag;
  send([drag, kinds.slice(1)]);
  return true;
}""".replace("SEND", _DRAG_EVENTS)
_DRAG_NEXT = """(kinds) => (SEND)([window.__testDrag, kinds])""".replace("SEND", _DRAG_EVENTS)


def drag_and_drop(source: Locator, target: Locator) -> None:
    """Drag ``source`` (it must be draggable) onto ``target`` as the page's handlers see it:
    dragstart on the source, dragenter, dragover and drop on the target, dragend on the source,
    with one DataTransfer, all in one go. Not Playwright's drag_to: it tells whether a mouse
    move started a drag by a check that races with Chromium's mouse events on a loaded machine,
    and a drag it misses is never dropped (a CI failure: the row was picked up, never moved)."""
    Drag(source, target).events("dragstart", "dragenter", "dragover", "drop", "dragend")


class Drag:
    """One drag's events, sent in steps (a test can change things between them). The events of
    one step are sent in one go: a drop that leaves the page still gets its dragend.

    The first step starts with dragstart, and the source is found in the same call that sends
    it: a row that live mail drew again just before (opening a message marks it read) is
    dragged as the row now shown, as a person would; a node held from earlier would be
    detached, and its drag a no-op. The drag goes on once the page takes it (its dragstart
    handler puts what is dragged in the DataTransfer): until its script handles drags, a
    dragstart does nothing, and it is sent again (fresh-clone CI runs failed twice with a
    drop that left the row unticked, in place, and no notice). From the first step on, the
    drag keeps its nodes, as a browser's drag does."""

    #: How long a page may take to handle a drag (seconds).
    READY_TIMEOUT = 15.0

    def __init__(self, source: Locator, target: Locator) -> None:
        self.source, self.target = source, target
        self.started = False

    def events(self, *kinds: str) -> None:
        page = self.source.page
        if self.started:
            page.evaluate(_DRAG_NEXT, list(kinds))
            return
        assert kinds and kinds[0] == "dragstart", "a drag's first step starts with dragstart"
        page.wait_for_load_state("load")

        def start() -> bool:
            target = self.target.element_handle()
            self.started = bool(self.source.evaluate(_DRAG_START, [target, list(kinds)]))
            return self.started

        pump_until(page, start, timeout=self.READY_TIMEOUT)  # fails: the page never took it


def folder_item(page: Page, name: str):  # noqa: ANN201 - a Locator
    return page.locator(f'nav#folders li.folder[data-folder="{name}"]')


#: The message list (tbody), the folder tree and the list's count line of a page, as compared
#: by the live-event tests. Normalized, and only this: the selection state a user gives rows
#: ("selected" and "checked" classes, aria-selected) is removed, and whitespace between tags
#: is dropped (rows inserted from a fragment lack the template's indentation text nodes);
#: the count line is compared by its text, trimmed.
LIST_DOM = """() => {
  const strip = (el) => {
    if (!el) return null;
    const copy = el.cloneNode(true);
    const state = copy.querySelectorAll(".selected, .checked");
    state.forEach((e) => e.classList.remove("selected", "checked"));
    copy.querySelectorAll("[aria-selected]").forEach((e) => e.removeAttribute("aria-selected"));
    return copy.outerHTML.replace(/>\\s+</g, "><").trim();
  };
  const table = document.querySelector("table.messages");
  const count = document.querySelector(".list-head .count");
  return {
    list: strip(table && table.querySelector("tbody")),
    tree: strip(document.querySelector("nav#folders > ul")),
    count: count ? count.textContent.trim() : null,
  };
}"""


def list_dom(page: Page) -> dict[str, str | None]:
    return page.evaluate(LIST_DOM)


def fresh_dom(page: Page) -> dict[str, str | None]:
    """The same URL loaded again by the same session in a second tab, without JavaScript: the
    server's own rendering of the state as it is now."""
    browser = page.context.browser
    assert browser is not None
    context = browser.new_context(
        storage_state=page.context.storage_state(),
        java_script_enabled=False,
        viewport=page.viewport_size,
    )
    try:
        tab = context.new_page()
        tab.goto(page.url)
        return list_dom(tab)
    finally:
        context.close()


def same_as_fresh(page: Page, timeout: float = 20_000) -> dict[str, str | None]:
    """Wait until `page` (which received live events) shows what a fresh render shows now."""
    fresh = fresh_dom(page)
    try:
        page.wait_for_function(
            f"(expected) => JSON.stringify(({LIST_DOM})()) === JSON.stringify(expected)",
            arg=fresh,
            timeout=timeout,
        )
    except Exception:  # noqa: BLE001 - show the difference rather than a timeout
        shown = list_dom(page)
        differ = {key: (shown[key], fresh[key]) for key in fresh if shown.get(key) != fresh[key]}
        assert not differ, f"the page differs from a fresh render (page, fresh): {differ!r}"
    return fresh


def add_contact(page: Page, name: str, address: str) -> None:
    """A contact, added through Settings > Contacts."""
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Contacts").click()
    page.get_by_role("link", name="Add a contact").click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email address").fill(address)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("tr.contact")).to_contain_text([name])


def open_compose(page: Page) -> None:
    """Compose, from the page's header."""
    page.get_by_role("link", name="Compose").click()
    expect(page).to_have_url(re.compile(r"/compose/[0-9a-f]{32}/$"))
