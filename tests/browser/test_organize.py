"""Organizing mail in Chromium: selection, drag and drop, delete and undo, search, folders,
import and export."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from mailview.services.transfer import mbox_entry
from tests.support.browser import (
    Drag,
    at,
    drag_and_drop,
    fill,
    folder_item,
    log_in,
    script_held_back,
    subjects,
)
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer
from webmail.devmail.factories import make_message, message_bytes

pytestmark = pytest.mark.browser

ROWS = "table.messages tr.row"


def fill_inbox(user: MailUser, count: int, flags: tuple[str, ...] = ()) -> None:
    fill(
        user,
        "INBOX",
        [(make_message(subject=f"Message {i}", date=at(i)), flags, at(i)) for i in range(count)],
    )


def imap_subjects(user: MailUser, folder: str) -> list[str]:
    client = user.client()
    client.select_folder(folder, readonly=True)
    uids = client.search("ALL")
    if not uids:
        return []
    return sorted(
        v[b"ENVELOPE"].subject.decode() for v in client.fetch(uids, ["ENVELOPE"]).values()
    )


def test_shift_click_selects_a_range_and_marks_it_read(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill_inbox(alice, 6)
    log_in(page, daphne_server.url, alice)
    rows = page.locator(ROWS)
    expect(rows.locator(".c-subject a")).to_have_text([f"Message {i}" for i in range(5, -1, -1)])
    rows.nth(1).locator(".c-check input").click()
    rows.nth(4).locator(".c-check input").click(modifiers=["Shift"])
    expect(page.locator(f"{ROWS} .c-check input:checked")).to_have_count(4)
    expect(page.locator("#preview .placeholder")).to_be_visible()  # checking did not open one
    page.get_by_role("button", name="Read", exact=True).click()

    expect(page.locator(".flash")).to_contain_text("Marked 4 messages as read.")
    expect(page.locator(f"{ROWS}.unread .c-subject a")).to_have_text(["Message 5", "Message 0"])

    # Select all on the page, then mark unread.
    page.locator("#select-all").check()
    expect(page.locator(f"{ROWS} .c-check input:checked")).to_have_count(6)
    page.get_by_role("button", name="Unread", exact=True).click()
    expect(page.locator(f"{ROWS}.unread")).to_have_count(6)


def test_drag_and_drop_moves_messages_to_a_folder(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill_inbox(alice, 3)
    alice.create_folder("Projects")
    log_in(page, daphne_server.url, alice)
    row = page.locator(ROWS).filter(has_text="Message 1")
    drag_and_drop(row, folder_item(page, "Projects"))

    expect(page.locator(".flash")).to_contain_text("Moved 1 message to Projects.")
    expect(page.locator(ROWS)).to_have_count(2)
    assert subjects(page) == ["Message 2", "Message 0"]
    assert imap_subjects(alice, "Projects") == ["Message 1"]

    # Two ticked messages travel together.
    page.locator(ROWS).nth(0).locator(".c-check input").check()
    page.locator(ROWS).nth(1).locator(".c-check input").check()
    drag_and_drop(page.locator(ROWS).nth(0), folder_item(page, "Projects"))
    expect(page.locator(".flash")).to_contain_text("Moved 2 messages to Projects.")
    expect(page.locator("tr.empty")).to_have_text("This folder is empty.")
    assert imap_subjects(alice, "Projects") == ["Message 0", "Message 1", "Message 2"]


def test_a_row_drawn_again_live_while_it_is_dragged_still_drops_on_the_folder(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    """Another session (or opening the message) changes the row being dragged; live mail draws
    it again once the drag is over (a new node in its place, its box not ticked, would end the
    drag without a drop), so the drop moves the message."""
    fill_inbox(alice, 2)
    alice.create_folder("Projects")
    log_in(page, daphne_server.url, alice)
    expect(page.locator("body")).to_have_attribute("data-live", "websocket")
    other = alice.client()
    other.select_folder("INBOX")
    uids = other.search(["SUBJECT", "Message 0"]) + other.search(["SUBJECT", "Message 1"])
    other.add_flags([uids[0]], ["\\Flagged"])  # the folder is watched: this comes back live
    expect(page.locator(ROWS).filter(has_text="Message 0").locator(".icon.flag")).to_be_visible()

    drag = Drag(page.locator(ROWS).filter(has_text="Message 1"), folder_item(page, "Projects"))
    drag.events("dragstart", "dragenter", "dragover")
    other.add_flags([uids[1]], ["\\Seen"])  # changed while it is dragged
    expect(folder_item(page, "INBOX").locator(".unseen")).to_have_text("1")  # the change came
    drag.events("dragover", "drop", "dragend")

    expect(page.locator(".flash")).to_contain_text("Moved 1 message to Projects.")
    assert imap_subjects(alice, "Projects") == ["Message 1"]
    expect(page.locator(ROWS)).to_have_count(1)
    other.logout()


def test_delete_and_undo(page: Page, daphne_server: LiveServer, alice: MailUser) -> None:
    fill_inbox(alice, 3)
    log_in(page, daphne_server.url, alice)
    page.locator(ROWS).filter(has_text="Message 2").click()  # open it in the preview
    expect(page.locator("#preview article.message")).to_be_visible()
    page.keyboard.press("#")  # the shortcut acts on the open message

    expect(page.locator(".flash")).to_contain_text("Moved 1 message to Trash.")
    assert subjects(page) == ["Message 1", "Message 0"]
    assert imap_subjects(alice, "Trash") == ["Message 2"]

    page.get_by_role("button", name="Undo").click()
    expect(page.locator(".flash")).to_contain_text("Undone: 1 message back.")
    assert subjects(page) == ["Message 2", "Message 1", "Message 0"]
    assert imap_subjects(alice, "Trash") == []
    expect(page.get_by_role("button", name="Undo")).to_have_count(0)


def test_delete_in_trash_asks_before_deleting_for_good(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    alice.append("Trash", make_message(subject="Old junk"))
    log_in(page, daphne_server.url, alice)
    folder_item(page, "Trash").locator("a").click()
    page.locator(f"{ROWS} .c-check input").check()
    page.get_by_role("button", name="Delete", exact=True).click()
    expect(page.locator("main h1")).to_have_text("Delete for good?")
    page.get_by_role("button", name="Delete for good?").click()
    expect(page.locator("tr.empty")).to_be_visible()
    assert imap_subjects(alice, "Trash") == []


def test_select_all_ticked_before_the_page_script_runs_selects_every_row(
    browser: Browser, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill_inbox(alice, 3)
    with script_held_back(browser, daphne_server.url, alice, "actions.js") as (page, release):
        page.goto(f"{daphne_server.url}/mail/INBOX/", wait_until="commit")
        page.locator("#select-all").check()
        release()
        expect(page.locator(f"{ROWS}.checked")).to_have_count(3)
        page.get_by_role("button", name="Flag", exact=True).click()
        expect(page.locator(".flash")).to_contain_text("Flagged 3 messages.")


def test_search_then_act_on_results(page: Page, daphne_server: LiveServer, alice: MailUser) -> None:
    fill(
        alice,
        "INBOX",
        [
            (make_message(subject="Invoice March", date=at(1)), (), at(1)),
            (make_message(subject="Lunch plans", date=at(2)), (), at(2)),
            (make_message(subject="Invoice April", date=at(3)), (), at(3)),
        ],
    )
    alice.append("Archive", make_message(subject="Invoice 2025", date=at(0)), when=at(0))
    log_in(page, daphne_server.url, alice)
    page.keyboard.press("/")
    expect(page.locator("#search-q")).to_be_focused()
    page.keyboard.type("invoice")
    page.keyboard.press("Enter")

    expect(page.locator(".list-head .count")).to_have_text("1–2 of 2")
    assert subjects(page) == ["Invoice April", "Invoice March"]

    page.locator("details.advanced summary").click()
    page.get_by_label("All folders").check()
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".list-head .count")).to_contain_text("1–3 of 3")
    expect(page.locator(f"{ROWS} .c-folder")).to_have_text(["Inbox", "Inbox", "Archive"])

    # "Select all" ticks the rows through the toolbar's script (the rows' own boxes are what
    # the server gets): a flag clicked before the script has run would flag nothing.
    page.wait_for_load_state()
    page.locator("#select-all").check()
    page.get_by_role("button", name="Flag", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("Flagged 3 messages.")
    expect(page.locator(f"{ROWS}.flagged")).to_have_count(3)


def test_all_folders_search_puts_the_newest_message_first_whatever_its_folder(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill(
        alice,
        "INBOX",
        [
            (make_message(subject="Trip plan, old notes", date=at(1)), (), at(1)),
            (make_message(subject="Trip plan, first draft", date=at(3)), (), at(3)),
        ],
    )
    alice.append("Projects", make_message(subject="Trip plan, final", date=at(5)), when=at(5))
    alice.append("Archive", make_message(subject="Trip plan, 2025", date=at(0)), when=at(0))
    log_in(page, daphne_server.url, alice)
    page.locator("#search-q").fill("trip plan")
    page.keyboard.press("Enter")
    expect(page.locator(".list-head .count")).to_have_text("1–2 of 2")

    page.locator("details.advanced summary").click()
    page.get_by_label("All folders").check()
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".list-head .count")).to_contain_text("1–4 of 4")
    expect(page.locator(f"{ROWS} .c-subject a")).to_have_text(
        ["Trip plan, final", "Trip plan, first draft", "Trip plan, old notes", "Trip plan, 2025"]
    )
    expect(page.locator(f"{ROWS} .c-folder")).to_have_text(
        ["Projects", "Inbox", "Inbox", "Archive"]
    )


def test_keyboard_help_overlay(page: Page, daphne_server: LiveServer, alice: MailUser) -> None:
    log_in(page, daphne_server.url, alice)
    help_box = page.locator("#shortcut-help")
    expect(help_box).to_be_hidden()
    page.keyboard.press("?")
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text("Mark read")
    page.keyboard.press("Escape")
    expect(help_box).to_be_hidden()


def test_r_replies_to_the_message_in_the_preview_and_c_composes(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    fill_inbox(alice, 2)
    log_in(page, daphne_server.url, alice)
    page.keyboard.press("j")
    page.keyboard.press("Enter")  # the first row opens in the preview pane
    expect(page.locator("#preview .message-actions .act-reply")).to_be_visible()
    expect(page.locator("#preview .subject")).to_have_text("Message 1")
    page.keyboard.press("r")
    expect(page).to_have_url(re.compile(r"/compose/[0-9a-f]+/$"))
    expect(page.locator("#c-subject")).to_have_value("Re: Message 1")
    page.goto(f"{daphne_server.url}/mail/INBOX/")
    page.keyboard.press("c")
    expect(page).to_have_url(re.compile(r"/compose/[0-9a-f]+/$"))
    expect(page.locator("#c-subject")).to_have_value("")


def test_folder_create_rename_delete(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    log_in(page, daphne_server.url, alice)
    page.get_by_role("link", name="Manage folders").click()
    expect(page.locator("main h1")).to_have_text("Folders")
    expect(page.locator(".quota label")).to_contain_text("Storage:")

    page.locator("#new-folder-name").fill("Clients")
    page.get_by_role("button", name="Create").click()
    expect(page.locator(".flash")).to_contain_text("Folder Clients created.")
    page.locator("#new-folder-name").fill("Acme")
    page.locator("#new-folder-parent").select_option("Clients")
    page.get_by_role("button", name="Create").click()
    expect(page.locator('tr.folder-row[data-folder="Clients/Acme"]')).to_be_visible()

    row = page.locator('tr.folder-row[data-folder="Clients/Acme"]')
    row.locator("input[name=name]").fill("Acme Corp")
    row.get_by_role("button", name="Rename").click()
    expect(page.locator(".flash")).to_contain_text("Folder renamed to Clients/Acme Corp.")
    expect(page.locator('tr.folder-row[data-folder="Clients/Acme Corp"]')).to_be_visible()

    page.locator('tr.folder-row[data-folder="Clients/Acme Corp"]').get_by_role(
        "button", name="Delete"
    ).click()
    expect(page.locator("main h1")).to_have_text("Delete folder?")
    page.get_by_role("button", name="Delete folder?").click()
    expect(page.locator(".flash")).to_contain_text("Folder Clients/Acme Corp deleted.")
    expect(page.locator('tr.folder-row[data-folder="Clients/Acme Corp"]')).to_have_count(0)
    names = [name for _f, _d, name in alice.client().list_folders()]
    assert "Clients" in names and "Clients/Acme Corp" not in names


def test_export_then_import_round_trip(
    page: Page, daphne_server: LiveServer, alice: MailUser, tmp_path: Path
) -> None:
    fill(
        alice,
        "Source",
        [
            (make_message(subject=f"Keep {i}", message_id=f"<keep{i}@example.org>"), (), at(i))
            for i in range(5)
        ],
    )
    alice.create_folder("Restored")
    log_in(page, daphne_server.url, alice)
    page.goto(f"{daphne_server.url}/folders/")
    with page.expect_download() as info:
        page.locator('tr.folder-row[data-folder="Source"] a.export-link').click()
    download = info.value
    assert download.suggested_filename == "Source.mbox"
    saved = tmp_path / "Source.mbox"
    download.save_as(saved)
    assert saved.read_bytes().count(b"From MAILER-DAEMON ") == 5

    page.locator('tr.folder-row[data-folder="Restored"] a.import-link').click()
    expect(page.locator("main h1")).to_have_text("Import into Restored")
    page.locator("input[type=file]").set_input_files(str(saved))
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".import-report .imported")).to_have_text(
        "5 messages imported into Restored."
    )
    expect(page.locator("#import-progress")).to_have_count(1)
    assert imap_subjects(alice, "Restored") == imap_subjects(alice, "Source")
    page.get_by_role("link", name="Open Restored").click()
    expect(page.locator(ROWS)).to_have_count(5)
    expect(page).to_have_url(re.compile(r"/mail/Restored/$"))


def test_import_shows_message_n_of_m_while_the_server_appends(
    page: Page, daphne_server: LiveServer, alice: MailUser, tmp_path: Path
) -> None:
    archive = tmp_path / "archive.mbox"
    archive.write_bytes(
        b"".join(
            mbox_entry(message_bytes(make_message(subject=f"Old {i}")), at(i)) for i in range(30)
        )
        + b"From MAILER-DAEMON Fri May 01 09:00:00 2026\nnot a message\n\n"
    )
    alice.create_folder("Archive")
    log_in(page, daphne_server.url, alice)
    page.goto(f"{daphne_server.url}/folders/import/?folder=Archive")
    # Record every value the bar and the status line go through (the mutations' old values).
    page.evaluate(
        """() => {
        window.values = [];
        window.texts = [];
        new MutationObserver((records) => records.forEach((r) => window.values.push(r.oldValue)))
            .observe(document.getElementById("import-progress"),
                     {attributeFilter: ["value"], attributeOldValue: true});
        new MutationObserver((records) => records.forEach((r) => r.removedNodes.forEach(
            (node) => window.texts.push(node.textContent))))
            .observe(document.getElementById("import-status"), {childList: true});
    }"""
    )
    page.locator("input[type=file]").set_input_files(str(archive))
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".import-report .imported")).to_have_text(
        "30 messages imported into Archive."
    )
    expect(page.locator(".import-report .failed")).to_have_text("archive.mbox #31: no mail headers")
    bar = page.locator("#import-progress")
    expect(bar).to_be_visible()
    assert bar.evaluate("b => [b.value, b.max]") == [31, 31]

    values = page.evaluate("window.values") + [bar.get_attribute("value")]
    texts = page.evaluate("window.texts")
    # The upload's percentages, indeterminate (no value) while the server counts the messages,
    # then one step per message as the server APPENDs it, with "N of M" beside the bar.
    assert "Uploading… 100%" in texts and "Preparing the import…" in texts
    determinate = values[len(values) - values[::-1].index(None) :]
    assert determinate == [str(n) for n in range(32)]
    assert [t for t in texts if t.startswith("Importing")] == [
        f"Importing message {min(n + 1, 31)} of 31" for n in range(32)
    ]
    assert len(imap_subjects(alice, "Archive")) == 30


def test_conversation_view_collapses_threads_and_opens_them(
    page: Page, daphne_server: LiveServer, alice: MailUser
) -> None:
    root = "<root@example.org>"
    fill(
        alice,
        "INBOX",
        [
            (make_message(subject="Trip", message_id=root, date=at(1)), ("\\Seen",), at(1)),
            (make_message(subject="Other", date=at(2)), ("\\Seen",), at(2)),
            (
                make_message(subject="Re: Trip", in_reply_to=root, references=[root], date=at(3)),
                (),
                at(3),
            ),
        ],
    )
    log_in(page, daphne_server.url, alice)
    page.get_by_role("link", name="Conversations").click()
    head = page.locator("tr.row.thread").first
    expect(head.locator(".thread-count")).to_have_text("2")
    expect(head.locator(".c-subject a").last).to_have_text("Re: Trip")
    expect(page.locator("tr.thread-child")).to_be_hidden()
    head.locator(".thread-count").click()
    expect(page.locator("tr.thread-child .c-subject a")).to_have_text(["Trip"])
    # Ticking the collapsed thread acts on the whole conversation.
    head.locator(".c-check input").first.check()
    page.get_by_role("button", name="Archive", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("Archived 2 messages.")
    assert imap_subjects(alice, "Archive") == ["Re: Trip", "Trip"]
    page.get_by_role("link", name="List view").click()
    assert subjects(page) == ["Other"]
