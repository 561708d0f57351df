"""Filters, out-of-office and "filter messages like this" in Chromium, against Pigeonhole."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from mailview.sieve.rules import parse_script
from tests.support.browser import drag_and_drop, log_in
from tests.support.compose import folder_messages
from tests.support.dovecot import MailUser
from tests.support.liveserver import LiveServer, mail_env, run_daphne
from tests.support.sieve import SieveStack, submit
from tests.support.waiting import wait_until
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.browser
SHOTS = Path(tempfile.gettempdir()) / "webmail-filters-shots"


@pytest.fixture(scope="module")
def sieve_daphne(sieve_stack: SieveStack) -> Iterator[LiveServer]:
    workdir = Path(tempfile.mkdtemp(prefix="webmail-live-sieve-"))
    env = {
        **mail_env(sieve_stack.dovecot),
        **sieve_stack.smtp.env(),
        "SIEVE_HOST": sieve_stack.dovecot.host,
        "SIEVE_PORT": str(sieve_stack.managesieve_port),
        "SIEVE_SECURITY": "starttls",
        "WEBMAIL_DEFAULT_DOMAIN": "example.org",
        "WEBMAIL_COMPOSE_DIR": str(workdir / "compose"),
    }
    try:
        with run_daphne(workdir, env) as server:
            yield server
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def shoot(page: Page, name: str) -> None:
    """Desktop and phone screenshots of the current page (for looking at, not asserting)."""
    SHOTS.mkdir(exist_ok=True)
    for label, size in (("desktop", (1366, 800)), ("phone", (390, 844))):
        page.set_viewport_size({"width": size[0], "height": size[1]})
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 900})


def rules_on_server(stack: SieveStack, user: MailUser) -> list[str]:
    with stack.connect(user) as sieve:
        return [r.name for r in parse_script(sieve.get_script("webmail")).rules]


def new_rule(page: Page, base: str, name: str, subject: str, folder: str) -> None:
    page.goto(f"{base}/accounts/settings/filters/new/")
    page.get_by_label("Rule name").fill(name)
    page.locator("#id_cond_field_0").select_option("subject")
    page.locator("#id_cond_value_0").fill(subject)
    page.locator("#id_act_kind_0").select_option("move")
    page.locator("#id_act_value_0").fill(folder)
    page.locator("#id_act_kind_1").select_option("flag")
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator(".flash")).to_contain_text(f"Rule {name} saved.")
    page.wait_for_load_state()  # the list's drag and drop comes with its script


def test_a_rule_made_in_the_browser_files_arriving_mail(
    page: Page,
    sieve_daphne: LiveServer,
    sieve_stack: SieveStack,
    sieve_alice: MailUser,
    sieve_user_factory: Callable[[str], MailUser],
) -> None:
    carol = sieve_user_factory("carol")
    sieve_alice.create_folder("Reports")
    log_in(page, sieve_daphne.url, sieve_alice)
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Filters", exact=True).click()
    expect(page.locator("#rule-list")).to_contain_text("No rules yet.")
    new_rule(page, sieve_daphne.url, "Weekly reports", "weekly report", "Reports")
    new_rule(page, sieve_daphne.url, "Monthly", "monthly", "Reports")
    expect(page.locator("#rule-list li.rule .rule-name")).to_have_text(
        ["Weekly reports", "Monthly"]
    )
    shoot(page, "filters-list")

    # Drag and drop: Monthly above Weekly reports.
    drag_and_drop(
        page.locator("#rule-list li.rule").nth(1), page.locator("#rule-list li.rule").nth(0)
    )
    expect(page.locator("#rule-list li.rule .rule-name")).to_have_text(
        ["Monthly", "Weekly reports"]
    )
    assert rules_on_server(sieve_stack, sieve_alice) == ["Monthly", "Weekly reports"]
    # The keyboard way: the Up button of the second rule.
    page.get_by_role("button", name="Move Weekly reports up").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#rule-list li.rule .rule-name")).to_have_text(
        ["Weekly reports", "Monthly"]
    )

    submit(
        sieve_stack,
        carol,
        [sieve_alice.address],
        make_message(subject="Weekly report 49", sender=carol.address, to=sieve_alice.address),
    )
    assert wait_until(
        lambda: (
            [m["Subject"] for _u, _f, m in folder_messages(sieve_alice, "Reports")]
            == ["Weekly report 49"]
        ),
        20,
    )
    ((_uid, flags, _m),) = folder_messages(sieve_alice, "Reports")
    assert "\\Flagged" in flags

    page.get_by_role("link", name="Weekly reports").click()
    shoot(page, "filters-rule")
    page.locator("#id_act_value_0").fill("Gone folder")
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator(".form-error")).to_contain_text("'Gone folder'")
    expect(page.locator("#id_act_value_0")).to_have_value("Gone folder")
    assert rules_on_server(sieve_stack, sieve_alice) == ["Weekly reports", "Monthly"]


def test_raw_editor_marks_the_lines_the_server_rejects(
    page: Page, sieve_daphne: LiveServer, sieve_stack: SieveStack, sieve_alice: MailUser
) -> None:
    with sieve_stack.connect(sieve_alice) as sieve:
        sieve.put_script("from-thunderbird", 'require "fileinto";\r\nkeep;\r\n')
        sieve.set_active("from-thunderbird")
    log_in(page, sieve_daphne.url, sieve_alice)
    page.goto(f"{sieve_daphne.url}/accounts/settings/filters/")
    row = page.locator('#script-table tr[data-script="from-thunderbird"]')
    expect(row).to_contain_text("active")
    row.get_by_role("link", name="Edit script").click()
    page.get_by_label("Sieve script").fill('require "fileinto";\nkeep;\nfileinto 3;\n')
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#verdict")).to_contain_text("nothing was saved")
    bad = page.locator("#script-lines li.bad")
    expect(bad).to_have_count(1)
    expect(bad).to_contain_text("fileinto 3;")
    expect(bad.locator(".line-problem")).to_contain_text("expects a string")
    shoot(page, "filters-script")
    with sieve_stack.connect(sieve_alice) as sieve:
        assert sieve.get_script("from-thunderbird") == 'require "fileinto";\r\nkeep;\r\n'


def test_out_of_office_banner_and_filter_like_this(
    page: Page, sieve_daphne: LiveServer, sieve_stack: SieveStack, sieve_alice: MailUser
) -> None:
    sieve_alice.create_folder("Shop")
    for n in range(3):
        sieve_alice.append("INBOX", make_message(subject=f"Deal {n}", sender="deals@shop.example"))
    sieve_alice.append("INBOX", make_message(subject="Hi", sender="friend@example.net"))
    log_in(page, sieve_daphne.url, sieve_alice)
    expect(page.locator("#vacation-banner")).to_have_count(0)

    page.goto(f"{sieve_daphne.url}/accounts/settings/out-of-office/")
    page.get_by_label("Send automatic replies").check()
    page.get_by_label("Subject").fill("Away")
    page.get_by_label("Message (plain text)").fill("Back on the 10th.")
    page.get_by_label(sieve_alice.address).check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("Out-of-office reply switched on.")
    shoot(page, "filters-vacation")
    page.goto(f"{sieve_daphne.url}/mail/INBOX/")
    expect(page.locator("#vacation-banner")).to_contain_text("Your out-of-office reply is on")
    shoot(page, "filters-banner")

    page.locator("table.messages tr.row", has_text="Deal 0").locator(".c-subject a").click()
    page.get_by_role("link", name="Filter messages like this").click()
    expect(page.locator("#id_cond_value_0")).to_have_value("deals@shop.example")
    expect(page.locator("#preview-count")).to_have_text("3")
    page.locator("#id_act_value_0").fill("Shop")
    shoot(page, "filters-like")
    page.get_by_role("button", name="Save and apply to these messages").click()
    expect(page.locator(".flash")).to_contain_text("Applied to 3 messages.")
    assert sorted(m["Subject"] for _u, _f, m in folder_messages(sieve_alice, "Shop")) == [
        "Deal 0",
        "Deal 1",
        "Deal 2",
    ]


def test_filter_like_these_from_a_selection_in_the_list(
    page: Page, sieve_daphne: LiveServer, sieve_stack: SieveStack, sieve_alice: MailUser
) -> None:
    sieve_alice.append("INBOX", make_message(subject="From one", sender="one@shop.example"))
    sieve_alice.append("INBOX", make_message(subject="From two", sender="two@shop.example"))
    sieve_alice.append("INBOX", make_message(subject="Other", sender="friend@example.net"))
    log_in(page, sieve_daphne.url, sieve_alice)
    for subject in ("From one", "From two"):
        page.locator("table.messages tr.row", has_text=subject).locator(
            "input[type=checkbox]"
        ).check()
    page.get_by_role("button", name="Filter like these").click()
    expect(page.locator("h1")).to_have_text("Filter messages like this")
    expect(page.locator("#preview-count")).to_have_text("2")
    values = {page.locator(f"#id_cond_value_{i}").input_value() for i in range(2)}
    assert values == {"one@shop.example", "two@shop.example"}
    expect(page.locator("#id_match_all")).to_have_value("0")


def test_a_foreign_script_is_deleted_after_a_confirmation(
    page: Page, sieve_daphne: LiveServer, sieve_stack: SieveStack, sieve_alice: MailUser
) -> None:
    with sieve_stack.connect(sieve_alice) as sieve:
        sieve.put_script("roundcube", 'require ["fileinto"];\nfileinto "INBOX";\n')
        sieve.set_active("roundcube")
    log_in(page, sieve_daphne.url, sieve_alice)
    page.goto(f"{sieve_daphne.url}/accounts/settings/filters/")
    page.get_by_role("link", name="Delete script roundcube").click()
    expect(page.locator("#active-warning")).to_contain_text("switches it off first")
    shoot(page, "script-delete")
    page.emulate_media(color_scheme="dark")
    shoot(page, "script-delete-dark")
    page.emulate_media(color_scheme="light")
    page.get_by_role("button", name="Switch off and delete").click()
    expect(page.locator(".flash")).to_contain_text("Script roundcube deleted.")
    expect(page.locator("#script-table")).to_contain_text("No scripts on the server yet.")
    with sieve_stack.connect(sieve_alice) as sieve:
        assert sieve.list_scripts() == []
