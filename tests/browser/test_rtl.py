"""Right to left: with Arabic chosen (here by the browser's language), the page is dir="rtl",
the folder pane is on the right, bars run from the right, and mail keeps its own direction (an
English subject reads left to right in the Arabic list, an Arabic or Hebrew one right to left);
the mailbox, a message and compose, at desktop and phone width. The JavaScript's own words come
from the Arabic catalogue. German is checked the same way for the JavaScript catalogue, also on
the offline page, which keeps its catalogue for use without a network."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, FloatRect, Page, expect

from tests.browser.test_offline import storage
from tests.support.browser import INBOX_URL, at
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from tests.support.locales import compile_catalogues
from tests.support.waiting import wait_until
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser

SHOTS = Path(tempfile.gettempdir()) / "webmail-screenshots-h18"
ARABIC = "تقرير الاجتماع الأسبوعي"
HEBREW = "דוח הפגישה השבועית"
ENGLISH = "Weekly meeting report (draft 2)"


@pytest.fixture(scope="module")
def catalogues() -> None:
    compile_catalogues()


def page_in(browser: Browser, language: str) -> Iterator[Page]:
    context = browser.new_context(locale=language, viewport={"width": 1366, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def arabic(browser: Browser, catalogues: None) -> Iterator[Page]:
    yield from page_in(browser, "ar")


@pytest.fixture
def german(browser: Browser, catalogues: None) -> Iterator[Page]:
    yield from page_in(browser, "de")


def log_in_any_language(page: Page, base: str, user: MailUser) -> None:
    """The login form by its fields, whatever language its labels are in."""
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(user.password)
    page.locator("form.login-box button[type=submit]").click()
    expect(page).to_have_url(INBOX_URL)
    expect(page.locator("table.messages")).to_be_visible()
    page.wait_for_load_state("load")


def box(page: Page, selector: str) -> FloatRect:
    found = page.locator(selector).first.bounding_box()
    assert found, selector
    return found


def direction(page: Page, selector: str) -> str:
    return str(page.locator(selector).first.evaluate("(el) => getComputedStyle(el).direction"))


def subject_link(subject: str) -> str:
    return f'table.messages tr.row .c-subject a:text-is("{subject}")'


def subject_cell(subject: str) -> str:
    return f'table.messages tr.row .c-subject:has(a:text-is("{subject}"))'


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_arabic_mirrors_the_mailbox_message_and_compose(
    arabic: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    page, base = arabic, daphne_server.url
    uids = {
        subject: alice.append(
            "INBOX",
            make_message(subject=subject, text=body, date=at(i)),
            when=at(i),
        )
        for i, (subject, body) in enumerate(
            [
                (ENGLISH, "The minutes are attached.\n"),
                (HEBREW, "שלום, הנה הסיכום.\n"),
                (ARABIC, "مرحبا، هذا هو الملخص.\n"),
            ]
        )
    }
    log_in_any_language(page, base, alice)
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")

    # The folder pane is on the right of the list; the toolbar starts on the right.
    assert box(page, "nav#folders")["x"] > box(page, "table.messages")["x"]
    buttons = page.locator(".list-toolbar button:visible")
    assert buttons.count() > 2
    first, last = buttons.first.bounding_box(), buttons.last.bounding_box()
    assert first and last and first["x"] > last["x"]
    # The JavaScript's words (live.js's toggles) are Arabic.
    expect(page.locator(".topbar .live-toggle").first).to_have_text("الصوت")

    # Each subject in its own direction: Arabic and Hebrew right to left, aligned to the
    # cell's right edge; the English one left to right, its words in their order.
    for subject in (ARABIC, HEBREW):
        assert direction(page, subject_link(subject)) == "rtl"
    assert direction(page, subject_link(ENGLISH)) == "ltr"
    for subject, side in ((ARABIC, "right"), (ENGLISH, "left")):
        link, cell = box(page, subject_link(subject)), box(page, subject_cell(subject))
        if side == "right":
            assert abs((cell["x"] + cell["width"]) - (link["x"] + link["width"])) < 16
        else:
            assert abs(cell["x"] - link["x"]) < 16
    expect(page.locator(subject_link(ENGLISH))).to_have_text(ENGLISH)
    shoot(page, "rtl-mailbox-desktop")

    # A message: the English one keeps its direction inside the Arabic page, the Arabic one
    # is right to left; the body too (dir="auto").
    page.goto(f"{base}/message/INBOX/{uids[ENGLISH]}/")
    assert direction(page, "article.message .subject") == "ltr"
    assert direction(page, "article.message .body-text") == "ltr"
    page.goto(f"{base}/message/INBOX/{uids[ARABIC]}/")
    assert direction(page, "article.message .subject") == "rtl"
    assert direction(page, "article.message .body-text") == "rtl"
    heading, article = box(page, "article.message .subject"), box(page, "article.message")
    assert heading["x"] + heading["width"] > article["x"] + article["width"] - 40
    shoot(page, "rtl-message-desktop")

    # Compose: each label on the right of its field.
    page.goto(f"{base}/compose/")
    label = box(page, ".compose-fields label")
    field = box(page, ".compose-fields input[type=text], .compose-fields input[type=email]")
    assert label["x"] > field["x"]
    shoot(page, "rtl-compose-desktop")

    # Phone width: the checkbox on the right of each row, the folder drawer from the right.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/mail/INBOX/")
    row_check = box(page, "table.messages tr.row .c-check")
    row_subject = box(page, "table.messages tr.row .c-subject")
    assert row_check["x"] > row_subject["x"]
    assert direction(page, subject_link(ENGLISH)) == "ltr"
    shoot(page, "rtl-mailbox-phone")
    page.locator(".menu-toggle").click()
    drawer = page.locator("nav#folders")
    expect(drawer).to_be_visible()
    edge = drawer.bounding_box()
    assert edge and abs(edge["x"] + edge["width"] - 390) < 2
    shoot(page, "rtl-folders-phone")


def test_the_javascript_speaks_german(
    german: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    page, base = german, daphne_server.url
    alice.append("INBOX", make_message(subject="Hallo", date=at(0)), when=at(0))
    log_in_any_language(page, base, alice)
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator(".topbar .live-toggle").first).to_have_text("Ton")
    assert box(page, "nav#folders")["x"] < box(page, "table.messages")["x"]
    page.goto(f"{base}/accounts/two-factor/")  # Settings › Security: the offline setting
    page.locator("#offline-enabled").check()
    expect(page.locator("#offline-usage")).to_contain_text("Auf diesem Gerät gespeichert")
    # The offline page keeps its catalogue: offline, its words are still German.
    page.goto(f"{base}/mail/INBOX/")
    assert wait_until(lambda: "list:/mail/INBOX/#1" in storage(page)["kept"], 30)
    assert wait_until(
        lambda: any(e.startswith(f"{base}/jsi18n/?l=de&") for e in storage(page)["entries"]), 30
    )
    page.context.set_offline(True)
    page.goto(f"{base}/mail/INBOX/")
    expect(page.get_by_role("button", name="Als gelesen markieren")).to_be_visible()
    page.context.set_offline(False)
