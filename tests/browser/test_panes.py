"""The reading pane (issue 13): a splitter between the list and the preview, moved with the
mouse or the keyboard and remembered for the user on the server; Settings › Display chooses the
preview on the right, below the list, or none (messages then open in their own page)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import FloatRect, Page, expect

from tests.support.browser import at, fill, log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser

ROWS = "table.messages tr.row"
LONG = "Quarterly planning meeting for the infrastructure team, agenda and notes"


def fill_inbox(user: MailUser) -> None:
    fill(
        user,
        "INBOX",
        [(make_message(subject=f"{LONG} {i}", date=at(i)), (), at(i)) for i in range(3)],
    )


def choose_layout(page: Page, base_url: str, label: str) -> None:
    page.goto(f"{base_url}/accounts/settings/display/")
    page.get_by_label(label).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    page.goto(f"{base_url}/mail/INBOX/")


def drag_splitter(page: Page, dx: float) -> int:
    """Drag the splitter ``dx`` pixels with the mouse; the size it then announces."""
    handle = box(page, ".splitter")
    y = handle["y"] + handle["height"] / 2
    page.mouse.move(handle["x"] + 3, y)
    page.mouse.down()
    page.mouse.move(handle["x"] + dx, y, steps=5)
    page.mouse.up()
    value = page.locator(".splitter").get_attribute("aria-valuenow")
    return int(value or "0")


def box(page: Page, selector: str) -> FloatRect:
    found = page.locator(selector).bounding_box()
    assert found is not None, selector
    return found


def shown_subject_chars(page: Page) -> int:
    """How many characters of the first row's subject are visible (not cut by the ellipsis)."""
    return int(
        page.locator(f"{ROWS} .c-subject").first.evaluate(
            """(cell) => {
                const link = cell.querySelector("a:not(.thread-count)");
                const text = link.textContent;
                const right = cell.getBoundingClientRect().right - 4;
                const range = document.createRange();
                let n = 0;
                for (let i = 1; i <= text.length; i++) {
                  range.setStart(link.firstChild, 0);
                  range.setEnd(link.firstChild, i);
                  if (range.getBoundingClientRect().right > right) break;
                  n = i;
                }
                return n;
            }"""
        )
    )


def test_preview_right_gives_the_subject_room_at_1366(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill_inbox(alice)
    page.set_viewport_size({"width": 1366, "height": 800})
    log_in(page, daphne_server.url, alice)
    expect(page.locator("body")).to_have_class(re.compile(r"\bpane-right\b"))
    assert shown_subject_chars(page) >= 50
    list_box, preview = box(page, "main.list-pane"), box(page, "#preview")
    assert preview["x"] > list_box["x"] + list_box["width"] - 1  # side by side
    page.locator(ROWS).first.click()
    expect(page.locator("#preview h2.subject")).to_have_text(f"{LONG} 2")


def test_the_splitter_moves_with_keys_and_mouse_and_survives_a_reload(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill_inbox(alice)
    page.set_viewport_size({"width": 1366, "height": 800})
    log_in(page, daphne_server.url, alice)
    splitter = page.get_by_role("separator", name="Resize the list and the preview")
    expect(splitter).to_be_visible()
    expect(splitter).to_have_attribute("aria-valuenow", "58")
    width = box(page, "main.list-pane")["width"]
    splitter.focus()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("PageUp")
    expect(splitter).to_have_attribute("aria-valuenow", "46")
    assert box(page, "main.list-pane")["width"] < width - 50
    # The arrows moved the splitter, not the list's selection.
    expect(page.locator(f"{ROWS}.selected")).to_have_count(0)
    # Dragging: the list follows the mouse.
    dragged = drag_splitter(page, 150)
    assert dragged > 46
    # Saved for the user: the same size after a reload.
    expect(splitter).to_have_attribute("data-saved", str(dragged))
    page.reload()
    expect(splitter).to_have_attribute("aria-valuenow", str(dragged))
    assert (
        abs(
            box(page, "main.list-pane")["width"]
            - page.locator(".layout").evaluate(
                f"(el) => (el.clientWidth - 230 - 6) * {dragged} / 100"
            )
        )
        < 3
    )


def test_preview_below_the_list(page: Page, daphne_server: LiveServer, alice: MailUser) -> None:
    fill_inbox(alice)
    page.set_viewport_size({"width": 1366, "height": 800})
    log_in(page, daphne_server.url, alice)
    choose_layout(page, daphne_server.url, "Preview below the list")
    expect(page.locator("body")).to_have_class(re.compile(r"\bpane-below\b"))
    list_box, preview = box(page, "main.list-pane"), box(page, "#preview")
    assert preview["y"] >= list_box["y"] + list_box["height"] - 1  # one above the other
    assert abs(preview["x"] - list_box["x"]) < 2
    assert shown_subject_chars(page) >= 60
    splitter = page.get_by_role("separator", name="Resize the list and the preview")
    expect(splitter).to_have_attribute("aria-orientation", "horizontal")
    splitter.focus()
    page.keyboard.press("ArrowDown")
    expect(splitter).to_have_attribute("aria-valuenow", "47")
    page.locator(ROWS).first.click()
    expect(page.locator("#preview h2.subject")).to_have_text(f"{LONG} 2")
    expect(page).to_have_url(re.compile(r"\?msg=\d+$"))


def test_no_preview_opens_messages_in_their_own_page(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill_inbox(alice)
    page.set_viewport_size({"width": 1366, "height": 800})
    log_in(page, daphne_server.url, alice)
    choose_layout(page, daphne_server.url, "No preview: messages open in their own page")
    expect(page.locator("#preview")).to_be_hidden()
    expect(page.locator(".splitter")).to_have_count(0)
    assert box(page, "main.list-pane")["width"] > 1000
    page.locator(ROWS).first.click()
    expect(page).to_have_url(re.compile(r"/message/INBOX/\d+/$"))
    expect(page.locator("article.message h1.subject")).to_have_text(f"{LONG} 2")
