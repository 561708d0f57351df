"""The Settings area, dark mode, the favicon's unread count, printing a message and the user's
one time format (issue 13), in Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.browser import at, fill, log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from webmail.devmail.demo import make_png
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser

BACKGROUND = "() => getComputedStyle(document.body).backgroundColor"


def luminance(css_rgb: str) -> float:
    red, green, blue = (int(v) for v in re.findall(r"\d+", css_rgb)[:3])
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


@pytest.fixture
def dark_system(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1366, "height": 800}, color_scheme="dark")
    yield context
    context.close()


def choose_theme(page: Page, base: str, label: str) -> None:
    page.goto(f"{base}/accounts/settings/display/")
    page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_contain_text("Settings saved.")


def test_the_header_has_one_settings_entry_leading_to_every_section(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    log_in(page, daphne_server.url, alice)
    header = page.locator("header.topbar")
    expect(header.get_by_role("link")).to_have_text(["Webmail", "Compose", "Settings"])
    header.get_by_role("link", name="Settings").click()
    expect(header.get_by_role("link", name="Settings")).to_have_attribute("aria-current", "page")
    nav = page.get_by_role("navigation", name="Settings")
    expect(nav.get_by_role("link")).to_have_text(
        [
            "General",
            "Display",
            "Reading",
            "Composing",
            "Identities and signatures",
            "Contacts",
            "Folders",
            "Filters",
            "Out of office and forwarding",
            "Security",
            "Back to mail",
        ]
    )
    nav.get_by_role("link", name="Composing").click()
    page.get_by_label("Compose new messages in").select_option("html")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_contain_text("Settings saved.")
    expect(page.get_by_label("Compose new messages in")).to_have_value("html")
    expect(nav.get_by_role("link", name="Composing")).to_have_attribute("aria-current", "page")


def test_dark_mode_follows_the_system_and_the_setting_overrides_it(
    dark_system: BrowserContext, daphne_server: LiveServer, alice: MailUser
) -> None:
    alice.append("INBOX", make_message(subject="Newsletter", html="<p>Hello <b>there</b></p>"))
    page = dark_system.new_page()
    log_in(page, daphne_server.url, alice)
    assert luminance(page.evaluate(BACKGROUND)) < 0.2

    # The message's surroundings are dark; the mail keeps its light canvas in its frame.
    page.locator("table.messages tr.row .c-subject a").first.click()
    frame = page.frame_locator("#preview iframe.body-html")
    expect(frame.locator("b")).to_have_text("there")
    pane = page.evaluate(
        "() => getComputedStyle(document.getElementById('preview')).backgroundColor"
    )
    assert luminance(pane) < 0.2
    canvas = frame.locator("body").evaluate("b => getComputedStyle(b).backgroundColor")
    ink = frame.locator("body").evaluate("b => getComputedStyle(b).color")
    assert luminance(canvas) > 0.9 and luminance(ink) < 0.3

    choose_theme(page, daphne_server.url, "Light")
    assert luminance(page.evaluate(BACKGROUND)) > 0.9
    choose_theme(page, daphne_server.url, "As the system")
    assert luminance(page.evaluate(BACKGROUND)) < 0.2


def test_dark_can_be_chosen_on_a_light_system(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    log_in(page, daphne_server.url, alice)
    assert luminance(page.evaluate(BACKGROUND)) > 0.9
    choose_theme(page, daphne_server.url, "Dark")
    assert luminance(page.evaluate(BACKGROUND)) < 0.2
    expect(page.locator('meta[name="theme-color"]')).to_have_attribute("content", "#0d141c")


def test_the_favicon_shows_the_unread_count_and_follows_new_mail(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill(alice, "INBOX", [(make_message(subject=f"Unread {n}"), [], at(n)) for n in range(3)])
    log_in(page, daphne_server.url, alice)
    icon = page.locator('link[rel="icon"]')
    expect(icon).to_have_attribute("data-unread", "3")
    expect(icon).to_have_attribute("href", re.compile(r"^data:image/png;base64,"))
    first = icon.get_attribute("href")
    expect(page.locator("body")).to_have_attribute("data-live", "websocket")
    alice.append("INBOX", make_message(subject="Fresh"))
    expect(icon).to_have_attribute("data-unread", "4", timeout=20_000)
    assert icon.get_attribute("href") != first
    expect(page.locator('meta[name="theme-color"]').first).to_have_attribute("content", "#1c2b3a")


def test_a_printed_message_has_its_headers_text_and_attachments_and_no_ui(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    uid = alice.append(
        "INBOX",
        make_message(
            subject="Trip photos",
            sender="Bob <bob@example.org>",
            text="Here they are.\n",
            attachments=[("beach.png", "image/png", make_png(seed=2))],
        ),
    )
    log_in(page, daphne_server.url, alice)
    page.goto(f"{daphne_server.url}/message/INBOX/{uid}/")
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    page.emulate_media(media="print")
    for hidden in ("header.topbar", "nav#folders", "form.message-actions", ".message-tools"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator("nav.message-actions")).to_be_hidden()
    expect(page.locator("h1.subject")).to_have_text("Trip photos")
    expect(page.locator(".message-head dd.from")).to_contain_text("bob@example.org")
    expect(page.locator(".body-text")).to_contain_text("Here they are.")
    expect(page.locator(".attachments .name")).to_have_text("beach.png")
    pdf = page.pdf()
    assert pdf.startswith(b"%PDF")


def test_every_time_follows_the_users_clock(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    today = datetime.now(UTC).replace(hour=17, minute=5, second=9, microsecond=0)
    uid = alice.append("INBOX", make_message(subject="Evening", date=today), when=today)
    log_in(page, daphne_server.url, alice)
    page.goto(f"{daphne_server.url}/accounts/settings/")
    page.get_by_label("Time zone").select_option("UTC")
    page.get_by_label("12-hour (5:05 PM)").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_contain_text("Settings saved.")
    page.goto(f"{daphne_server.url}/mail/INBOX/")
    expect(page.locator("tr.row .c-date").first).to_have_text("5:05 PM")
    page.goto(f"{daphne_server.url}/message/INBOX/{uid}/")
    expect(page.locator(".message-head dd.date")).to_have_text(re.compile(r" 5:05 PM$"))
    page.goto(f"{daphne_server.url}/compose/?kind=forward&folder=INBOX&uid={uid}")
    body = page.locator("#c-text")
    expect(body).to_have_value(re.compile(r"Date: .* 5:05 PM\n"))
    assert "+0000" not in body.input_value()
    page.locator("#c-subject").fill("Evening, again")
    expect(page.locator("#c-status")).to_have_text(
        re.compile(r"Draft saved at \d{1,2}:\d\d (AM|PM)$"), timeout=20_000
    )
