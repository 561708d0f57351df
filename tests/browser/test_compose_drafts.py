"""Drafts in Chromium: autosave and restore after the tab is closed, saved once, across a new
login and after the session ended, kept when the SMTP server refuses the message."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from tests.support.browser import INBOX_URL, log_in, open_compose, pump_until
from tests.support.compose import folder_messages, text_of
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from tests.support.waiting import wait_for

pytestmark = pytest.mark.browser


def _draft_saved(
    page: Page, base_url: str, user: MailUser, to: str, text: str, subject: str = ""
) -> Locator:
    """Log in, write to ``to`` and wait until the page says the draft is saved: the body field."""
    log_in(page, base_url, user)
    open_compose(page)
    page.get_by_label("To", exact=True).fill(to)
    if subject:
        page.get_by_label("Subject").fill(subject)
    body = page.get_by_label("Message text", exact=True)
    body.fill(text)
    # Autosave after a few seconds of change, without any click.
    expect(page.locator("#c-status")).to_contain_text("Draft saved", timeout=15_000)
    return body


def test_draft_autosaves_and_is_restored_after_closing_the_tab(
    page: Page, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    body = _draft_saved(
        page, daphne_server.url, alice, bob.address, "First paragraph.", "Unfinished thoughts"
    )
    drafts = folder_messages(alice, "Drafts")
    assert [text_of(m).strip() for _u, _f, m in drafts] == ["First paragraph."]

    # More typing, then the tab is closed at once: the page saves on its way out.
    body.press("End")
    page.keyboard.type(" Second sentence.")
    context = page.context
    page.close(run_before_unload=True)

    def latest() -> list[str]:
        found = [text_of(m).strip() for _u, _f, m in folder_messages(alice, "Drafts")]
        return found if found == ["First paragraph. Second sentence."] else []

    assert wait_for(latest) == ["First paragraph. Second sentence."]

    # A new tab: the draft is in the Drafts folder, and opening it continues it.
    page = context.new_page()
    page.goto(f"{daphne_server.url}/mail/Drafts/")
    page.locator("table.messages tr.row .c-subject a", has_text="Unfinished thoughts").click()
    page.get_by_role("link", name="Edit draft").first.click()
    expect(page).to_have_url(re.compile(r"/compose/[0-9a-f]{32}/$"))
    expect(page.get_by_label("To", exact=True)).to_have_value(bob.address)
    expect(page.get_by_label("Subject")).to_have_value("Unfinished thoughts")
    expect(page.get_by_label("Message text", exact=True)).to_have_value(
        re.compile(r"^First paragraph\. Second sentence\.")
    )
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(INBOX_URL)
    assert wait_for(lambda: folder_messages(bob, "INBOX"))
    assert wait_for(lambda: folder_messages(alice, "Drafts") == [])


def _drafts_once(user: MailUser, text: str) -> Callable[[], list[str]]:
    """A check that the Drafts folder holds one draft, ``text``."""

    def check() -> list[str]:
        found = [text_of(m).strip() for _u, _f, m in folder_messages(user, "Drafts")]
        return found if found == [text] else []

    return check


def _save_held(page: Page, body: Locator, text: str) -> Route:
    """``text`` written and saved ("Save draft"), the save's request held on its way: the
    route, to let it go on or fail later. The page's next saves go straight through."""
    held: list[Route] = []
    page.route("**/save/", lambda route: held.append(route), times=1)
    body.fill(text)
    page.locator("#c-save").click()
    pump_until(page, lambda: bool(held))
    return held[0]


def test_an_autosave_answered_after_the_save_on_leaving_does_not_undo_it(
    page: Page, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    """An autosave is on its way, more is written, the tab is hidden: the page sends what it
    shows. The server may handle that save first and the older autosave after it; the draft
    keeps the newer text."""
    body = _draft_saved(page, daphne_server.url, alice, bob.address, "One.", "Two saves")
    held = _save_held(page, body, "One. Two.")
    body.fill("One. Two. Three.")
    page.evaluate("window.dispatchEvent(new Event('pagehide'))")
    pump_until(page, _drafts_once(alice, "One. Two. Three."), timeout=30)  # handles the route

    with page.expect_response(lambda r: r.request == held.request) as answer:
        held.continue_()  # the older save, handled last
    assert answer.value.json()["stale"] is True
    assert _drafts_once(alice, "One. Two. Three.")()
    page.reload()
    expect(page.get_by_label("Message text", exact=True)).to_have_value("One. Two. Three.")


def test_the_save_on_leaving_goes_even_while_an_autosave_of_the_same_text_is_on_its_way(
    page: Page, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    """A closing tab may cancel the autosave it was sending: the save sent on leaving (a beacon,
    which outlives the page) carries the same text, so nothing written is lost."""
    body = _draft_saved(page, daphne_server.url, alice, bob.address, "Kept.", "Closing")
    held = _save_held(page, body, "Kept. Every word.")
    page.evaluate("window.dispatchEvent(new Event('pagehide'))")
    pump_until(page, _drafts_once(alice, "Kept. Every word."), timeout=30)
    held.abort()  # as the closing page cancels it
    expect(page.locator("#c-status")).to_contain_text("could not be saved")


def test_a_field_left_without_a_change_saves_the_draft_no_second_time(
    page: Page, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    """A field fires "change" when it loses focus, also when what it holds is saved already
    (as it does when the page is left for the Drafts list): that saves nothing again, so the
    draft the list shows is still the one there when it is opened."""
    body = _draft_saved(page, daphne_server.url, alice, bob.address, "Saved once.", "Once")
    saves: list[str] = []
    page.on(
        "request",
        lambda r: saves.append(r.url) if r.method == "POST" and r.url.endswith("/save/") else None,
    )
    body.dispatch_event("change")
    page.evaluate("window.dispatchEvent(new Event('pagehide'))")
    # A real change is saved, once (written in one input: typed key by key, an autosave could
    # fall in the middle of it and the rest be a second save).
    body.fill("Saved once. Changed.")

    def saved_text() -> list[str]:
        found = [text_of(m).strip() for _u, _f, m in folder_messages(alice, "Drafts")]
        return found if found == ["Saved once. Changed."] else []

    assert wait_for(saved_text)
    expect(page.locator("#c-status")).to_contain_text("Draft saved")
    assert len(saves) == 1


def test_after_logging_in_again_elsewhere_the_draft_is_saved_and_sent(
    page: Page, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    body = _draft_saved(
        page, daphne_server.url, alice, bob.address, "Before.", "Written across two logins"
    )
    # A login in another tab gives the browser a new CSRF token (Django rotates it): the token
    # this page was drawn with is refused from then on.
    page.context.add_cookies(
        [{"name": "csrftoken", "value": secrets.token_hex(16), "url": daphne_server.url}]
    )
    body.press("End")
    page.keyboard.type(" After.")

    def saved() -> list[str]:
        found = [text_of(m).strip() for _u, _f, m in folder_messages(alice, "Drafts")]
        return found if found == ["Before. After."] else []

    assert wait_for(saved) == ["Before. After."]
    expect(page.locator("#c-status")).to_contain_text("Draft saved")
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(INBOX_URL)
    assert wait_for(lambda: folder_messages(bob, "INBOX"))


def test_when_the_session_ended_the_compose_page_says_so_and_keeps_the_text(
    page: Page, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    body = _draft_saved(page, daphne_server.url, alice, bob.address, "Kept.")
    # Live mail's poll would take the whole page to the login form: here the page stays.
    page.route("**/updates/**", lambda route: route.abort())
    [token] = [c["value"] for c in page.context.cookies() if c["name"] == "csrftoken"]
    ended = page.context.request.post(
        f"{daphne_server.url}/accounts/logout/", headers={"X-CSRFToken": token}
    )
    assert ended.ok
    body.press("End")
    page.keyboard.type(" More.")
    expect(page.locator("#c-status")).to_contain_text("You are logged out", timeout=15_000)
    expect(body).to_have_value("Kept. More.")


def test_smtp_failure_keeps_the_draft_and_the_form(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    log_in(page, daphne_server.url, alice)
    open_compose(page)
    page.get_by_label("To", exact=True).fill("no-such-user@example.org")
    page.get_by_label("Subject").fill("Into the void")
    page.get_by_label("Message text", exact=True).fill("Words I do not want to lose.")
    page.get_by_role("button", name="Send").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("refused no-such-user@example.org")
    expect(alert).to_contain_text("Your message is kept in Drafts.")
    expect(page.get_by_label("Subject")).to_have_value("Into the void")
    expect(page.get_by_label("Message text", exact=True)).to_have_value(
        "Words I do not want to lose."
    )
    [(_uid, _flags, draft)] = folder_messages(alice, "Drafts")
    assert str(draft["Subject"]) == "Into the void"
