"""Attachment thumbnails and the in-page viewer (issue 13): images and PDFs of a message, one at
a time, with previous and next."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import log_in
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from webmail.devmail.demo import make_pdf, make_png
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser

LOADED = "img => img.complete && img.naturalWidth > 0"


def album(user: MailUser) -> int:
    return user.append(
        "INBOX",
        make_message(
            subject="Holiday",
            text="Photos and the tickets.\n",
            attachments=[
                ("beach.png", "image/png", make_png(seed=1)),
                ("sunset.png", "image/png", make_png(seed=2)),
                ("tickets.pdf", "application/pdf", make_pdf("Tickets", ["Seat 12A"])),
                ("notes.txt", "text/plain", b"not previewable\n"),
            ],
        ),
    )


def test_images_have_thumbnails_and_open_in_the_viewer_with_previous_and_next(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    uid = album(alice)
    log_in(page, daphne_server.url, alice)
    page.goto(f"{daphne_server.url}/message/INBOX/{uid}/")
    thumbs = page.locator(".attachments img.thumb")
    expect(thumbs).to_have_count(2)
    page.wait_for_function(
        f"() => Array.from(document.querySelectorAll('img.thumb')).every({LOADED})"
    )

    page.locator(".attachment", has_text="beach.png").get_by_role("link", name="Preview").click()
    expect(page.get_by_role("dialog", name="beach.png")).to_be_visible()
    viewer = page.locator("dialog.viewer")
    expect(viewer.locator(".viewer-count")).to_have_text("1 of 3")
    expect(viewer.get_by_role("button", name="Previous")).to_be_disabled()
    image = viewer.locator(".viewer-stage img")
    expect(image).to_have_attribute("alt", "beach.png")
    page.wait_for_function(f"() => ({LOADED})(document.querySelector('.viewer-stage img'))")
    expect(page).to_have_url(f"{daphne_server.url}/message/INBOX/{uid}/")  # still the page

    viewer.get_by_role("button", name="Next").click()
    expect(viewer.locator(".viewer-title")).to_have_text("sunset.png")
    page.keyboard.press("ArrowRight")
    expect(viewer.locator(".viewer-title")).to_have_text("tickets.pdf")
    expect(viewer.locator(".viewer-count")).to_have_text("3 of 3")
    expect(viewer.locator(".viewer-stage iframe")).to_have_attribute(
        "src", re.compile(rf"^/message-part/INBOX/{uid}/[0-9.]+/\?inline=1$")
    )
    expect(viewer.get_by_role("button", name="Next")).to_be_disabled()
    page.keyboard.press("ArrowLeft")
    expect(viewer.locator(".viewer-title")).to_have_text("sunset.png")
    page.keyboard.press("Escape")
    expect(viewer).to_be_hidden()
    expect(page.locator("article.message")).to_be_visible()


def test_another_user_cannot_load_the_thumbnails(
    browser: Browser, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    uid = album(alice)
    context = browser.new_context()
    try:
        page = context.new_page()
        log_in(page, daphne_server.url, bob)
        response = page.request.get(f"{daphne_server.url}/message-part/INBOX/{uid}/2/?inline=1")
        assert response.status == 404
        assert not response.headers.get("content-type", "").startswith("image/")
    finally:
        context.close()
