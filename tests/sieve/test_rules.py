"""The webmail's own script: generated Sieve is valid on Pigeonhole, reads back to the same
filters, and no user input can break out of its strings."""

from __future__ import annotations

from datetime import date

import pytest

from mailview.sieve.quoting import UnsafeValue, header_name, sieve_string
from mailview.sieve.rules import (
    Action,
    Condition,
    FilterSet,
    ForeignScript,
    Forwarding,
    Rule,
    Vacation,
    check_filters,
    parse_script,
    render_script,
)
from tests.support.dovecot import MailUser
from tests.support.sieve import SieveStack

EXTENSIONS = frozenset({"fileinto", "copy", "imap4flags", "reject", "vacation", "mime", "date"})

EVERYTHING = FilterSet(
    rules=(
        Rule(
            "Lists",
            (
                Condition("list_id", "dev.example.org"),
                Condition("from", "boss@example.org", "not_contains"),
            ),
            (Action("mark_read"), Action("move", "Lists/Dev"), Action("stop")),
        ),
        Rule(
            "Any of",
            (
                Condition("to_cc", "team@example.org", "is"),
                Condition("subject", 'say "hi" \\ bye'),
                Condition("header", "x-priority", header="X-Priority"),
                Condition("size_over", "500"),
                Condition("size_under", "2"),
                Condition("has_attachment"),
            ),
            (Action("flag"), Action("copy", "Archive"), Action("redirect_copy", "b@example.org")),
            match_all=False,
        ),
        Rule("Off", (Condition("subject", "x"),), (Action("discard"),), enabled=False),
        Rule("Bounce", (Condition("from", "spam@x.test"),), (Action("reject", "No.\nThanks"),)),
        Rule("Away", (Condition("from", "a@x.test"),), (Action("redirect", "c@x.test"),)),
    ),
    vacation=Vacation(
        True,
        "Away",
        "Back soon.\n.\nReally",
        ("a@example.org",),
        3,
        date(2026, 12, 1),
        None,
        html='<p class="x">Back <b>soon</b>.</p>\n--webmail-vacation',
    ),
    forwarding=Forwarding(True, "home@example.net", keep_copy=True),
)


def test_sieve_strings_escape_quotes_and_backslashes() -> None:
    assert sieve_string('a "b" \\c') == '"a \\"b\\" \\\\c"'


@pytest.mark.parametrize("value", ['a\r\nfileinto "x";', "a\nb", "a\rb", "a\0b"])
def test_one_line_values_refuse_line_breaks_and_nul(value: str) -> None:
    with pytest.raises(UnsafeValue):
        sieve_string(value)


def test_multiline_text_keeps_its_lines_as_crlf() -> None:
    assert sieve_string("a\nb\r\nc", multiline=True) == '"a\r\nb\r\nc"'


@pytest.mark.parametrize("name", ["X-A:b", "X A", "", "X\r\nY"])
def test_header_names_are_field_names(name: str) -> None:
    with pytest.raises(UnsafeValue):
        header_name(name)


def test_everything_round_trips() -> None:
    assert check_filters(EVERYTHING, EXTENSIONS) == []
    assert parse_script(render_script(EVERYTHING)) == EVERYTHING


def test_generated_script_is_valid_on_the_server(
    sieve_stack: SieveStack, sieve_alice: MailUser
) -> None:
    with sieve_stack.connect(sieve_alice) as sieve:
        sieve.check_script(render_script(EVERYTHING))
        sieve.check_script(render_script(FilterSet()))


def test_vacation_seconds_where_the_server_offers_it(
    sieve_stack: SieveStack, sieve_alice: MailUser
) -> None:
    hourly = FilterSet(vacation=Vacation(True, "Away", "Back soon.", (), seconds=7200))
    assert check_filters(hourly, EXTENSIONS) == [
        "This server counts the reply interval in days only."
    ]
    assert check_filters(hourly, EXTENSIONS | {"vacation-seconds"}) == []
    script = render_script(hourly)
    assert "vacation :seconds 7200" in script and "vacation-seconds" in script
    assert parse_script(script) == hourly
    with sieve_stack.connect(sieve_alice) as sieve:
        sieve.check_script(script)


def test_disabled_rules_are_kept_but_not_run() -> None:
    script = render_script(EVERYTHING)
    assert "# Rule: Off" not in script
    assert parse_script(script).rules[2].name == "Off"


def test_a_hostile_value_stays_inside_its_string() -> None:
    evil = 'x" { discard; } if true { redirect "evil@x.test'
    filters = FilterSet(rules=(Rule("r", (Condition("subject", evil),), (Action("flag"),)),))
    script = render_script(filters)
    sieve_lines = [line for line in script.split("\r\n") if not line.startswith("#")]
    assert sieve_lines == [
        'require ["imap4flags"];',
        'if header :contains "subject" "x\\" { discard; } if true { redirect \\"evil@x.test" {',
        '    addflag "\\\\Flagged";',
        "}",
        "",
    ]
    assert parse_script(script) == filters


def test_hostile_rule_names_cannot_end_the_comment() -> None:
    filters = FilterSet(
        rules=(Rule("n\r\ndiscard;", (Condition("subject", "x"),), (Action("flag"),)),)
    )
    assert "n\r\ndiscard" not in render_script(filters)
    assert check_filters(filters, EXTENSIONS) == ["Give the rule a name (one line)."]


def test_addresses_with_line_breaks_are_refused() -> None:
    filters = FilterSet(forwarding=Forwarding(True, "a@x.test\r\nBcc: evil@x.test"))
    assert check_filters(filters, EXTENSIONS) != []
    bad_rule = Rule("r", (Condition("from", "x"),), (Action("redirect", "a@x.test\nb@y.test"),))
    assert check_filters(FilterSet(rules=(bad_rule,)), EXTENSIONS) != []


def test_attachment_test_needs_the_mime_extension() -> None:
    rule = Rule("r", (Condition("has_attachment"),), (Action("flag"),))
    assert check_filters(FilterSet(rules=(rule,)), frozenset({"imap4flags"})) == [
        "This server cannot test for attachments."
    ]


def test_reject_cannot_be_combined_with_filing() -> None:
    rule = Rule("r", (Condition("from", "x"),), (Action("reject", "no"), Action("move", "A")))
    assert "Reject and discard cannot be combined with other actions." in check_filters(
        FilterSet(rules=(rule,)), EXTENSIONS
    )


def test_scripts_of_other_clients_are_foreign() -> None:
    with pytest.raises(ForeignScript):
        parse_script('require "fileinto";\r\nfileinto "X";\r\n')


def test_an_edited_webmail_script_is_foreign() -> None:
    script = render_script(EVERYTHING).replace('fileinto "Lists/Dev"', 'fileinto "Elsewhere"')
    with pytest.raises(ForeignScript):
        parse_script(script)
