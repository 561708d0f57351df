"""Live events proven against state, the way Zulip's verify_action does: for each kind of event,
a page that received it in Chromium has the same message list (and folder tree) as a fresh
render of the same state in a second tab; and a row added live is a row like the others
(selected by its checkbox, acted on from the toolbar, dragged onto a folder, opened).

What the comparison ignores, and only that (tests/support/browser.py, ``LIST_DOM``): the
selection state a user gives rows (the "selected" and "checked" classes, aria-selected), and
whitespace between tags (text nodes the browser keeps from the template's indentation, which
rows inserted from a fragment do not have).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import (
    ACTION_TIMEOUT_MS,
    at,
    drag_and_drop,
    fill,
    folder_item,
    list_dom,
    log_in,
    same_as_fresh,
)
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer, mail_env, run_daphne
from webmail.devmail.dovecot import Dovecot
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser

ROWS = "table.messages tr.row"
ROOT_ID = "<trip@example.org>"
VIEWS = ["list", "threads"]
#: How long a live change may take to show (IMAP IDLE, the channel layer, a loaded 2-core box).
LIVE_TIMEOUT = 20_000


@pytest.fixture(scope="module")
def daphne_server(dovecot: Dovecot) -> Iterator[LiveServer]:
    """The app with its folder tree read afresh on every page (it is kept 15 s by default) and
    counted before the page is sent (by default the page asks afterwards), so a fresh render
    shows the counts as they are now; polling every 2 s without a websocket."""
    workdir = Path(tempfile.mkdtemp(prefix="webmail-live-rows-"))
    try:
        env = {
            **mail_env(dovecot),
            "WEBMAIL_FOLDER_TREE_TTL": "0",
            "WEBMAIL_FOLDER_COUNTS_LATER": "false",  # a fresh render counts first
            "WEBMAIL_LIVE_POLL_INTERVAL": "2",  # when the websocket is blocked
        }
        with run_daphne(workdir, env) as server:
            yield server
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def seed(alice: MailUser) -> dict[str, int]:
    """A small INBOX: a conversation of two (one unread) and a lone read message."""
    uids = fill(
        alice,
        "INBOX",
        [
            (make_message(subject="Trip", message_id=ROOT_ID, date=at(1)), ("\\Seen",), at(1)),
            (make_message(subject="Budget", date=at(2)), ("\\Seen",), at(2)),
            (
                make_message(
                    subject="Re: Trip", in_reply_to=ROOT_ID, references=[ROOT_ID], date=at(3)
                ),
                (),
                at(3),
            ),
        ],
    )
    return dict(zip(["trip", "budget", "reply"], uids, strict=True))


def open_list(page: Page, server: LiveServer, alice: MailUser, view: str, folder: str = "INBOX"):
    log_in(page, server.url, alice)
    page.goto(f"{server.url}/mail/{folder}/?view={view}")
    toggle = "List view" if view == "threads" else "Conversations"
    expect(page.locator("a.view-toggle")).to_have_text(toggle)
    expect(page.locator("body")).to_have_attribute("data-live", "websocket")
    page.evaluate("window.notReloaded = true")


def verify_event(
    page: Page, change: Callable[[], object], settled: Callable[[], None] | None = None
) -> None:
    """Make `change` on the server; the open page follows it to exactly a fresh render.

    `settled` waits for the page to show the change before the fresh render is made, where the
    server itself needs a moment to see it (a folder deleted under a selected connection)."""
    before = list_dom(page)
    change()
    if settled is not None:
        settled()
    fresh = same_as_fresh(page)
    assert fresh != before  # the change shows: the page did follow something
    assert page.evaluate("window.notReloaded") is True


def other_session(alice: MailUser):  # noqa: ANN201 - an IMAPClient
    """Another IMAP session of alice's (another mail client) with INBOX selected."""
    client = alice.client()
    client.select_folder("INBOX")
    return client


# -- every event kind, in list and conversation view ---------------------------------------


@pytest.mark.parametrize("view", VIEWS)
def test_new_message_matches_a_fresh_render(
    page: Page, daphne_server: LiveServer, alice: MailUser, view: str
) -> None:
    seed(alice)
    open_list(page, daphne_server, alice, view)
    reply = make_message(
        subject="Re: Trip <again>",
        sender="Zoë Live <zoe@example.org>",
        in_reply_to=ROOT_ID,
        references=[ROOT_ID],
        date=at(4),
        attachments=[("plan.txt", "text/plain", b"plan")],
    )
    verify_event(page, lambda: alice.append("INBOX", reply, when=at(4)))
    expect(page.locator(f"{ROWS} .c-subject a:not(.thread-count)").first).to_have_text(
        "Re: Trip <again>"
    )


@pytest.mark.parametrize("view", VIEWS)
def test_read_and_flagged_changes_match_a_fresh_render(
    page: Page, daphne_server: LiveServer, alice: MailUser, view: str
) -> None:
    uids = seed(alice)
    open_list(page, daphne_server, alice, view)
    other = other_session(alice)
    verify_event(page, lambda: other.add_flags([uids["reply"]], ["\\Seen"]))
    verify_event(page, lambda: other.add_flags([uids["budget"]], ["\\Flagged"]))
    verify_event(page, lambda: other.remove_flags([uids["trip"], uids["budget"]], ["\\Seen"]))
    expect(page.locator(f"{ROWS}.flagged")).to_have_count(1)


@pytest.mark.parametrize("view", VIEWS)
def test_expunge_matches_a_fresh_render(
    page: Page, daphne_server: LiveServer, alice: MailUser, view: str
) -> None:
    uids = seed(alice)
    open_list(page, daphne_server, alice, view)
    other = other_session(alice)

    def expunge(*names: str) -> Callable[[], None]:
        def run() -> None:
            chosen = [uids[n] for n in names]
            other.add_flags(chosen, ["\\Deleted"])
            other.uid_expunge(chosen)

        return run

    verify_event(page, expunge("trip"))
    verify_event(page, expunge("budget", "reply"))
    expect(page.locator("table.messages tr.empty")).to_have_text("This folder is empty.")


@pytest.mark.parametrize("view", VIEWS)
def test_folder_counts_match_a_fresh_render(
    page: Page, daphne_server: LiveServer, alice: MailUser, view: str
) -> None:
    alice.create_folder("Receipts")
    alice.append("Receipts", make_message(subject="Invoice", date=at(0)), when=at(0))
    open_list(page, daphne_server, alice, view, folder="Receipts")
    expect(folder_item(page, "INBOX").locator(".unseen")).to_have_count(0)
    # Mail in INBOX while Receipts is open: only the tree (and the title) change.
    verify_event(page, lambda: alice.append("INBOX", make_message(subject="Elsewhere")))
    expect(folder_item(page, "INBOX").locator(".unseen")).to_have_text("1")
    other = other_session(alice)
    verify_event(page, lambda: other.add_flags(other.search("ALL"), ["\\Seen"]))
    expect(folder_item(page, "INBOX").locator(".unseen")).to_have_count(0)
    other.logout()


#: Stands for a page made before its folder's UIDs changed: the table's UIDVALIDITY is
#: replaced before live.js reads it (Dovecot does not tell an IDLE session that its folder was
#: deleted and made again, and a huge VANISHED cannot be caused from outside).
STALE_UIDVALIDITY = """
new MutationObserver((_, observer) => {
  const table = document.querySelector("table.messages");
  if (table) { table.setAttribute("data-uidvalidity", "1"); observer.disconnect(); }
}).observe(document, { childList: true, subtree: true });
"""


@pytest.mark.parametrize("view", VIEWS)
def test_reset_matches_a_fresh_render(
    page: Page, daphne_server: LiveServer, alice: MailUser, view: str
) -> None:
    """A reset ("these UIDs mean nothing any more, reload the list"): the page shows the
    folder's rows afresh, without a reload and without a notice. Over the polling fallback,
    whose answers the test holds back until the folder has changed."""
    alice.create_folder("Projects")
    alice.append("Projects", make_message(subject="Old plan", date=at(0)), when=at(0))
    page.route_web_socket(re.compile(r"/ws/live/"), lambda ws: ws.close(code=1011))
    held = []
    log_in(page, daphne_server.url, alice)
    page.add_init_script(STALE_UIDVALIDITY)
    page.route(re.compile(r"/updates/Projects/"), lambda route: held.append(route))
    with page.expect_request(re.compile(r"/updates/Projects/")):
        page.goto(f"{daphne_server.url}/mail/Projects/?view={view}")
    expect(page.locator("body")).to_have_attribute("data-live", "polling")
    page.evaluate("window.notReloaded = true")

    def change_then_answer() -> None:
        alice.append("Projects", make_message(subject="New plan", date=at(1)), when=at(1))
        assert held
        page.unroute(re.compile(r"/updates/Projects/"))  # the held polls go on to the server

    verify_event(page, change_then_answer)
    expect(page.locator(f"{ROWS} .c-subject a:not(.thread-count)")).to_have_text(
        ["New plan", "Old plan"]
    )
    expect(page.locator("table.messages")).not_to_have_attribute("data-uidvalidity", "1")
    expect(page.locator(".live-notice")).to_have_count(0)


# -- a row added live is a row like the others -----------------------------------------------


def arrive(page: Page, alice: MailUser, subject: str) -> int:
    uid = alice.append("INBOX", make_message(subject=subject, date=at(10)), when=at(10))
    row = page.locator(f'{ROWS}[data-uid="{uid}"] .c-subject a')
    expect(row).to_have_text(subject, timeout=LIVE_TIMEOUT)
    return uid


def test_live_row_is_selected_by_its_checkbox_and_marked_read_from_the_toolbar(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    seed(alice)
    open_list(page, daphne_server, alice, "list")
    uid = arrive(page, alice, "Fresh one")
    row = page.locator(f'{ROWS}[data-uid="{uid}"]')
    expect(row.locator(".c-date")).to_have_text("5 Jan")  # its own column, not the size's
    row.locator(".c-check input").click()
    expect(row).to_have_class(re.compile(r"\bchecked\b"))
    expect(page.locator("#preview .placeholder")).to_be_visible()  # ticking did not open it
    # Shift-click from the live row reaches the rows of the page load.
    page.locator(ROWS).nth(2).locator(".c-check input").click(modifiers=["Shift"])
    expect(page.locator(f"{ROWS} .c-check input:checked")).to_have_count(3)
    page.locator(ROWS).nth(2).locator(".c-check input").click()
    page.locator(ROWS).nth(1).locator(".c-check input").click()
    expect(page.locator(f"{ROWS} .c-check input:checked")).to_have_count(1)
    page.get_by_role("button", name="Read", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("Marked 1 message as read.")
    expect(page.locator(f'{ROWS}[data-uid="{uid}"]')).not_to_have_class(re.compile(r"\bunread\b"))


def test_live_row_can_be_dragged_onto_a_folder(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    seed(alice)
    alice.create_folder("Projects")
    open_list(page, daphne_server, alice, "list")
    uid = arrive(page, alice, "Move me")
    drag_and_drop(page.locator(f'{ROWS}[data-uid="{uid}"]'), folder_item(page, "Projects"))
    expect(page.locator(".flash")).to_contain_text("Moved 1 message to Projects.")
    expect(page.locator(f"{ROWS} .c-subject a")).to_have_text(["Re: Trip", "Budget", "Trip"])


def test_live_row_opens_in_the_preview_by_click_and_keyboard(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    seed(alice)
    open_list(page, daphne_server, alice, "list")
    uid = arrive(page, alice, "Open me")
    page.locator(f'{ROWS}[data-uid="{uid}"] .c-subject a').click()
    expect(page.locator("#preview")).to_contain_text("Hello world")
    expect(page.locator(f'{ROWS}[data-uid="{uid}"]')).to_have_class(re.compile(r"\bselected\b"))
    page.keyboard.press("j")
    expect(page.locator(ROWS).nth(1)).to_have_class(re.compile(r"\bselected\b"))
    page.keyboard.press("k")
    page.keyboard.press("Enter")
    expect(page.locator(f'{ROWS}[data-uid="{uid}"]')).to_have_class(re.compile(r"\bselected\b"))
    assert page.evaluate("window.notReloaded") is True


def test_live_row_at_phone_width_matches_a_fresh_render_and_can_be_acted_on(
    browser: Browser, daphne_server: LiveServer, alice: MailUser
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    try:
        seed(alice)
        open_list(page, daphne_server, alice, "list")
        verify_event(
            page, lambda: alice.append("INBOX", make_message(subject="On the go"), when=at(10))
        )
        row = page.locator(ROWS).first
        expect(row.locator(".c-subject a")).to_have_text("On the go")
        row.locator(".c-check input").click()
        expect(row.locator(".c-check input")).to_be_checked()
        page.get_by_role("button", name="Read", exact=True).click()
        expect(page.locator(".flash")).to_contain_text("Marked 1 message as read.")
    finally:
        context.close()
