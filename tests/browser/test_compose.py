"""Writing mail in Chromium: compose and send through the real SMTP server, reply all, forward,
typing before the page's script, autocomplete, identities and contacts (drafts:
test_compose_drafts.py)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import (
    INBOX_URL,
    add_contact,
    log_in,
    open_compose,
    script_held_back,
)
from tests.support.compose import folder_messages, text_of
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from tests.support.waiting import wait_for
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser


def test_compose_and_send_with_an_attachment(
    page: Page, daphne_server: LiveServer, alice: MailUser, bob: MailUser, tmp_path
) -> None:
    report = tmp_path / "Bericht für Bob.pdf"
    report.write_bytes(b"%PDF-1.4\n" + b"0123456789" * 3000)
    log_in(page, daphne_server.url, alice)
    open_compose(page)
    page.get_by_label("To", exact=True).fill(f"Bob Bäcker <{bob.address}>")
    page.get_by_label("Subject").fill("Der Bericht")
    page.get_by_label("Message text", exact=True).fill("Hallo Bob,\n\nanbei der Bericht.\n")
    expect(page.locator(".attachments")).to_contain_text("up to 25 MB per file")
    page.locator("#c-files").set_input_files(str(report))
    expect(page.locator("#c-attachments li .att-name")).to_have_text(["Bericht für Bob.pdf"])
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(INBOX_URL)
    expect(page.locator(".flash")).to_contain_text("Message sent to Bob Bäcker")

    received = wait_for(lambda: folder_messages(bob, "INBOX"))
    [(_uid, _flags, msg)] = received
    assert str(msg["Subject"]) == "Der Bericht"
    assert text_of(msg) == "Hallo Bob,\n\nanbei der Bericht.\n"
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == "Bericht für Bob.pdf"
    assert attachment.get_content() == report.read_bytes()
    assert len(folder_messages(alice, "Sent")) == 1


def test_attachment_removed_before_sending_is_not_sent(
    page: Page, daphne_server: LiveServer, alice: MailUser, bob: MailUser, tmp_path
) -> None:
    one, two = tmp_path / "one.txt", tmp_path / "two.txt"
    one.write_text("one")
    two.write_text("two")
    log_in(page, daphne_server.url, alice)
    open_compose(page)
    page.locator("#c-files").set_input_files([str(one), str(two)])
    expect(page.locator("#c-attachments li .att-name")).to_have_text(["one.txt", "two.txt"])
    page.locator("#c-attachments li", has_text="one.txt").get_by_role(
        "button", name="Remove"
    ).click()
    expect(page.locator("#c-attachments li .att-name")).to_have_text(["two.txt"])
    page.get_by_label("To", exact=True).fill(bob.address)
    page.get_by_label("Subject").fill("Two only")
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(INBOX_URL)
    [(_uid, _flags, msg)] = wait_for(lambda: folder_messages(bob, "INBOX"))
    assert [a.get_filename() for a in msg.iter_attachments()] == ["two.txt"]


def test_reply_all_quotes_and_threads(
    page: Page,
    daphne_server: LiveServer,
    alice: MailUser,
    bob: MailUser,
    mail_user_factory: Callable[..., MailUser],
) -> None:
    carol = mail_user_factory("carol")
    uid = alice.append(
        "INBOX",
        make_message(
            subject="Team lunch",
            sender=f"Bob <{bob.address}>",
            to=f"Alice <{alice.address}>",
            cc=f"Carol <{carol.address}>",
            message_id="<lunch-1@example.org>",
            text="Friday at noon?\n",
        ),
    )
    log_in(page, daphne_server.url, alice)
    page.goto(f"{daphne_server.url}/message/INBOX/{uid}/")
    page.get_by_role("link", name="Reply all").click()
    expect(page.get_by_label("To", exact=True)).to_have_value(f"Bob <{bob.address}>")
    expect(page.get_by_label("Cc", exact=True)).to_have_value(f"Carol <{carol.address}>")
    expect(page.get_by_label("Subject")).to_have_value("Re: Team lunch")
    body = page.get_by_label("Message text", exact=True)
    expect(body).to_have_value(re.compile(r"Bob wrote:\n> Friday at noon\?"))
    expect(body).to_be_focused()
    page.keyboard.type("Count me in.")
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(INBOX_URL)

    for user in (bob, carol):

        def inbox(user: MailUser = user) -> list[tuple[int, set[str], EmailMessage]]:
            return folder_messages(user, "INBOX")

        [(_uid, _flags, msg)] = wait_for(inbox)
        assert msg["In-Reply-To"] == "<lunch-1@example.org>"
        assert text_of(msg).startswith("Count me in.")
        assert "> Friday at noon?" in text_of(msg)
    [(_uid, flags, _msg)] = folder_messages(alice, "INBOX")
    assert "\\Answered" in flags


def test_forward_keeps_the_attachments(
    page: Page, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    uid = alice.append(
        "INBOX",
        make_message(
            subject="Holiday photos",
            sender="Eve <eve@example.net>",
            to=alice.address,
            text="Two photos.\n",
            attachments=[
                ("strand.png", "image/png", b"\x89PNG\r\n\x1a\nbeach"),
                ("berge.png", "image/png", b"\x89PNG\r\n\x1a\nhills"),
            ],
        ),
    )
    log_in(page, daphne_server.url, alice)
    page.goto(f"{daphne_server.url}/message/INBOX/{uid}/")
    page.get_by_role("link", name="Forward", exact=True).click()
    expect(page.get_by_label("Subject")).to_have_value("Fwd: Holiday photos")
    expect(page.locator("#c-attachments li .att-name")).to_have_text(["strand.png", "berge.png"])
    expect(page.get_by_label("Message text", exact=True)).to_have_value(
        re.compile(r"Forwarded Message.*Two photos\.", re.S)
    )
    page.get_by_label("To", exact=True).fill(bob.address)
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(INBOX_URL)
    [(_uid, _flags, msg)] = wait_for(lambda: folder_messages(bob, "INBOX"))
    assert [(a.get_filename(), a.get_content()) for a in msg.iter_attachments()] == [
        ("strand.png", b"\x89PNG\r\n\x1a\nbeach"),
        ("berge.png", b"\x89PNG\r\n\x1a\nhills"),
    ]
    [(_uid, flags, _msg)] = folder_messages(alice, "INBOX")
    assert "$Forwarded" in flags


def test_invalid_address_is_named(page: Page, daphne_server: LiveServer, alice: MailUser) -> None:
    log_in(page, daphne_server.url, alice)
    open_compose(page)
    page.get_by_label("To", exact=True).fill("bob at example")
    page.get_by_label("Message text", exact=True).fill("Hi")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "“bob at example” in the To field is not a valid email address."
    )
    expect(page.get_by_label("To", exact=True)).to_have_value("bob at example")


@contextmanager
def _compose_before_its_script(
    browser: Browser, server: LiveServer, user: MailUser
) -> Iterator[tuple[Page, Callable[[], None]]]:
    """A compose page whose compose.js is held back (a slow connection), and the function that
    lets it run."""
    with script_held_back(browser, server.url, user, "compose.js") as (page, release):
        open_compose(page)
        yield page, release


def test_typing_before_the_page_script_runs_keeps_the_cursor_where_the_user_put_it(
    browser: Browser, daphne_server: LiveServer, alice: MailUser
) -> None:
    # The person starts typing in To before compose.js has run; the script must not then move
    # the cursor to the message text (half the address would land there).
    with _compose_before_its_script(browser, daphne_server, alice) as (page, release):
        to = page.get_by_label("To", exact=True)
        to.press_sequentially("Zo")
        expect(to).to_have_value("Zo")
        release()
        page.keyboard.type("e")
        expect(to).to_have_value("Zoe")
        expect(page.get_by_label("Message text", exact=True)).to_have_value("")


def test_an_address_begun_before_the_page_script_runs_is_completed(
    browser: Browser, page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    log_in(page, daphne_server.url, alice)
    add_contact(page, "Zoë Quist", "zoe@example.net")
    with _compose_before_its_script(browser, daphne_server, alice) as (early, release):
        early.get_by_label("To", exact=True).press_sequentially("Zo")
        release()
        option = early.locator("#c-to-list li", has_text="Zoë Quist")
        expect(option).to_be_visible()
        option.click()
        expect(early.get_by_label("To", exact=True)).to_have_value("Zoë Quist <zoe@example.net>, ")


def test_a_message_written_before_the_page_script_runs_is_saved_as_a_draft(
    browser: Browser, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    # Everything is written before compose.js has run (a slow phone): the script must not take
    # what the fields hold by then for what was saved (it would never be saved).
    with _compose_before_its_script(browser, daphne_server, alice) as (page, release):
        page.get_by_label("To", exact=True).fill(bob.address)
        page.get_by_label("Subject").fill("Early")
        page.get_by_label("Message text", exact=True).fill("Written early.")
        release()
        expect(page.locator("#c-status")).to_contain_text("Draft saved", timeout=15_000)
        drafts = folder_messages(alice, "Drafts")
        assert [(m["Subject"], text_of(m).strip()) for _u, _f, m in drafts] == [
            ("Early", "Written early.")
        ]


def test_text_written_before_switching_to_html_early_is_kept_in_the_editor(
    browser: Browser, daphne_server: LiveServer, alice: MailUser
) -> None:
    with _compose_before_its_script(browser, daphne_server, alice) as (page, release):
        page.get_by_label("Message text", exact=True).fill("plain start")
        page.get_by_role("radio", name="HTML").check()
        release()
        expect(page.locator("#c-editor .ql-editor")).to_have_text("plain start")
        expect(page.get_by_label("Message text", exact=True)).to_be_hidden()


def test_keep_editing_chosen_before_the_page_script_runs_closes_the_question(
    browser: Browser, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    with _compose_before_its_script(browser, daphne_server, alice) as (page, release):
        page.get_by_label("To", exact=True).fill(bob.address)
        page.get_by_label("Message text", exact=True).fill("The report is attached.")
        page.get_by_role("button", name="Send", exact=True).click()  # sent without the script
        question = page.get_by_role("alertdialog", name="Send this message?")
        expect(question).to_contain_text("mentions an attachment")
        page.get_by_role("link", name="Keep editing").click()
        expect(question).to_be_hidden()  # before the script, too
        release()
        expect(question).to_be_hidden()
        expect(page.get_by_label("Subject")).to_be_focused()
    assert folder_messages(bob, "INBOX") == []


def test_files_chosen_before_the_page_script_runs_are_attached(
    browser: Browser, daphne_server: LiveServer, alice: MailUser, tmp_path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("notes")
    with _compose_before_its_script(browser, daphne_server, alice) as (page, release):
        page.locator("#c-files").set_input_files(str(notes))
        release()
        expect(page.locator("#c-attachments li .att-name")).to_have_text(["notes.txt"])


def test_enter_before_the_page_script_runs_does_not_send(
    browser: Browser, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    with _compose_before_its_script(browser, daphne_server, alice) as (page, release):
        page.get_by_label("To", exact=True).fill(bob.address)
        page.get_by_label("Subject").fill("Not yet")
        page.get_by_label("Subject").press("Enter")
        release()
        expect(page).to_have_url(re.compile(r"/compose/[0-9a-f]{32}/$"))
        expect(page.get_by_label("Subject")).to_have_value("Not yet")
    assert folder_messages(bob, "INBOX") == []


def test_autocomplete_from_contacts_groups_and_recent(
    page: Page, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    log_in(page, daphne_server.url, alice)
    add_contact(page, "Zoë Quist", "zoe@example.net")
    page.get_by_role("link", name="Add a group").click()
    page.get_by_label("Name").fill("Quizteam")
    page.get_by_label("Zoë Quist <zoe@example.net>").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("li.group")).to_contain_text(["Quizteam"])

    open_compose(page)
    to = page.get_by_label("To", exact=True)
    to.press_sequentially("Zo", delay=50)
    option = page.locator("#c-to-list li", has_text="Zoë Quist")
    expect(option).to_be_visible()
    option.click()
    expect(to).to_have_value("Zoë Quist <zoe@example.net>, ")

    cc = page.get_by_label("Cc", exact=True)
    cc.press_sequentially("quiz", delay=50)
    expect(page.locator("#c-cc-list li")).to_have_text(["Quizteam (1)"])
    cc.press("ArrowDown")
    cc.press("Enter")
    expect(cc).to_have_value("Zoë Quist <zoe@example.net>, ")

    # An address used in a sent message is suggested afterwards.
    to.fill(bob.address)
    cc.fill("")
    page.get_by_label("Subject").fill("hello")
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(INBOX_URL)
    open_compose(page)
    page.get_by_label("To", exact=True).press_sequentially(bob.username[:6], delay=50)
    expect(page.locator("#c-to-list li")).to_have_text([bob.address])


def test_html_mode_sends_formatted_text(
    page: Page, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    log_in(page, daphne_server.url, alice)
    open_compose(page)
    page.get_by_label("To", exact=True).fill(bob.address)
    page.get_by_label("Subject").fill("Formatted")
    page.get_by_label("Message text", exact=True).fill("plain start")
    page.get_by_role("radio", name="HTML").check()
    editor = page.locator("#c-editor .ql-editor")
    expect(editor).to_have_text("plain start")
    editor.click()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+b")
    page.keyboard.type("bold words")
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(INBOX_URL)
    [(_uid, _flags, msg)] = wait_for(lambda: folder_messages(bob, "INBOX"))
    assert msg.get_content_type() == "multipart/alternative"
    body = msg.get_body(("html",))
    assert body is not None
    html = body.get_content()
    assert "<strong>bold words</strong>" in html
    assert "plain start" in text_of(msg) and "bold words" in text_of(msg)


def test_identity_is_chosen_in_compose_and_signature_added(
    page: Page, daphne_server: LiveServer, alice: MailUser, bob: MailUser
) -> None:
    log_in(page, daphne_server.url, alice)
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Identities and signatures").click()
    expect(page.locator("tr.identity")).to_contain_text([alice.address])
    page.get_by_role("link", name="Add an identity").click()
    page.get_by_label("Name").fill("Alice at Work")
    page.get_by_label("Email address").fill("alice.work@example.org")
    page.get_by_label("Signature (plain text)").fill("Alice, Team Lead")
    page.get_by_label("Default").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("tr.identity").first).to_contain_text("Alice at Work")

    open_compose(page)
    expect(page.get_by_label("From")).to_have_text(re.compile("Alice at Work"))
    expect(page.get_by_label("Message text", exact=True)).to_have_value(
        re.compile(r"-- \nAlice, Team Lead")
    )
    page.get_by_label("To", exact=True).fill(bob.address)
    page.get_by_label("Subject").fill("From work")
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(INBOX_URL)
    [(_uid, _flags, msg)] = wait_for(lambda: folder_messages(bob, "INBOX"))
    assert msg["From"].addresses[0].display_name == "Alice at Work"
    assert msg["From"].addresses[0].addr_spec == "alice.work@example.org"


def test_add_sender_to_contacts_from_a_message(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    uid = alice.append(
        "INBOX", make_message(subject="Hi", sender="Øyvind Berg <oyvind@example.no>")
    )
    log_in(page, daphne_server.url, alice)
    page.goto(f"{daphne_server.url}/message/INBOX/{uid}/")
    page.get_by_role("button", name="Add sender to contacts").click()
    expect(page.locator(".flash")).to_contain_text("oyvind@example.no added to your contacts.")
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Contacts").click()
    expect(page.locator("tr.contact")).to_contain_text(["Øyvind Berg"])
