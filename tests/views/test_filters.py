"""Settings › Filters and Out of office against Pigeonhole: the pages, saving rules into the
webmail's own script, foreign scripts kept, bad input refused with a message, bob kept out."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from mailview.sieve.rules import parse_script
from tests.support.dovecot import MailUser
from tests.support.sieve import SieveStack, rule_post

pytestmark = pytest.mark.django_db


def owned_script(stack: SieveStack, user: MailUser) -> str:
    with stack.connect(user) as sieve:
        return sieve.get_script("webmail")


def test_new_rule_is_written_to_the_webmail_script_and_activated(
    sieve_stack: SieveStack, sieve_alice: MailUser, sieve_login: Callable[[MailUser], Client]
) -> None:
    client = sieve_login(sieve_alice)
    response = client.post("/accounts/settings/filters/new/", rule_post("Invoices"))
    assert response.status_code == 302
    filters = parse_script(owned_script(sieve_stack, sieve_alice))
    assert [r.name for r in filters.rules] == ["Invoices"]
    with sieve_stack.connect(sieve_alice) as sieve:
        assert [s.name for s in sieve.list_scripts() if s.active] == ["webmail"]
    page = client.get("/accounts/settings/filters/").content.decode()
    assert "Invoices" in page


def test_move_to_a_missing_folder_is_refused_and_nothing_is_lost(
    sieve_stack: SieveStack, sieve_alice: MailUser, sieve_login: Callable[[MailUser], Client]
) -> None:
    client = sieve_login(sieve_alice)
    client.post("/accounts/settings/filters/new/", rule_post("Keep me"))
    response = client.post(
        "/accounts/settings/filters/new/",
        rule_post("Bad", act_kind_0="move", act_value_0="No such folder"),
    )
    assert response.status_code == 200
    assert "does not exist" in response.content.decode()
    assert 'value="Bad"' in response.content.decode()
    rules = parse_script(owned_script(sieve_stack, sieve_alice)).rules
    assert [r.name for r in rules] == ["Keep me"]


def test_forward_address_with_line_break_is_refused(
    sieve_stack: SieveStack, sieve_alice: MailUser, sieve_login: Callable[[MailUser], Client]
) -> None:
    client = sieve_login(sieve_alice)
    response = client.post(
        "/accounts/settings/filters/new/",
        rule_post("Fwd", act_kind_0="redirect", act_value_0="a@example.org\r\nb@evil.test"),
    )
    assert response.status_code == 200
    assert "Enter one email address." in response.content.decode()
    with sieve_stack.connect(sieve_alice) as sieve:
        assert sieve.list_scripts() == []


def test_a_foreign_script_survives_saving_rules(
    sieve_stack: SieveStack, sieve_alice: MailUser, sieve_login: Callable[[MailUser], Client]
) -> None:
    foreign = 'require "fileinto";\r\n# mine\r\nif true { fileinto "INBOX"; }\r\n'
    with sieve_stack.connect(sieve_alice) as sieve:
        sieve.put_script("roundcube", foreign)
        sieve.set_active("roundcube")
    client = sieve_login(sieve_alice)
    client.post("/accounts/settings/filters/new/", rule_post("Mine"))
    with sieve_stack.connect(sieve_alice) as sieve:
        assert sieve.get_script("roundcube") == foreign
        assert [s.name for s in sieve.list_scripts() if s.active] == ["roundcube"]
    page = client.get("/accounts/settings/filters/").content.decode()
    assert "roundcube" in page and 'id="not-active"' in page
    client.post("/accounts/settings/filters/activate/", {"name": "webmail"})
    with sieve_stack.connect(sieve_alice) as sieve:
        assert [s.name for s in sieve.list_scripts() if s.active] == ["webmail"]


def test_raw_editor_shows_the_servers_verdict_by_line_and_saves_nothing_invalid(
    sieve_stack: SieveStack, sieve_alice: MailUser, sieve_login: Callable[[MailUser], Client]
) -> None:
    client = sieve_login(sieve_alice)
    bad = "keep;\nbogus;\n"
    response = client.post(
        "/accounts/settings/filters/script/", {"name": "own", "script": bad, "action": "save"}
    )
    page = response.content.decode()
    assert "The server rejects this script; nothing was saved." in page
    assert (
        'class="bad"><code>bogus;</code><span class="line-problem">error: unknown command' in page
    )
    assert "bogus;" in page  # the text is kept in the editor
    with sieve_stack.connect(sieve_alice) as sieve:
        assert sieve.list_scripts() == []
    client.post(
        "/accounts/settings/filters/script/", {"name": "own", "script": "keep;\n", "action": "save"}
    )
    with sieve_stack.connect(sieve_alice) as sieve:
        assert sieve.get_script("own") == "keep;\n"


def test_reorder_toggle_and_delete(
    sieve_stack: SieveStack, sieve_alice: MailUser, sieve_login: Callable[[MailUser], Client]
) -> None:
    client = sieve_login(sieve_alice)
    for name in ("A", "B", "C"):
        client.post("/accounts/settings/filters/new/", rule_post(name))
    client.post("/accounts/settings/filters/order/", {"order": ["2", "0", "1"]})
    names = lambda: [r.name for r in parse_script(owned_script(sieve_stack, sieve_alice)).rules]  # noqa: E731
    assert names() == ["C", "A", "B"]
    client.post("/accounts/settings/filters/order/", {"move": "0", "to": "1"})
    assert names() == ["A", "C", "B"]
    response = client.post("/accounts/settings/filters/order/", {"order": ["0", "0", "1"]})
    assert response.status_code == 302 and names() == ["A", "C", "B"]
    client.post("/accounts/settings/filters/1/toggle/")
    assert not parse_script(owned_script(sieve_stack, sieve_alice)).rules[1].enabled
    client.post("/accounts/settings/filters/1/delete/")
    assert names() == ["A", "B"]


def test_vacation_and_forwarding_are_saved_with_the_rules(
    sieve_stack: SieveStack, sieve_alice: MailUser, sieve_login: Callable[[MailUser], Client]
) -> None:
    client = sieve_login(sieve_alice)
    client.post("/accounts/settings/filters/new/", rule_post("Keep"))
    response = client.post(
        "/accounts/settings/out-of-office/",
        {
            "form": "vacation",
            "vacation-enabled": "on",
            "vacation-subject": "Away",
            "vacation-text": "Back on Monday.",
            "vacation-addresses": [sieve_alice.address],
            "vacation-days": "3",
            "vacation-start": "2026-01-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    client.post(
        "/accounts/settings/out-of-office/",
        {"form": "forwarding", "forwarding-forward": "on", "forwarding-address": "x@example.net"},
    )
    filters = parse_script(owned_script(sieve_stack, sieve_alice))
    assert filters.vacation.enabled and filters.vacation.days == 3
    assert filters.vacation.addresses == (sieve_alice.address,)
    assert filters.forwarding.address == "x@example.net" and not filters.forwarding.keep_copy
    assert [r.name for r in filters.rules] == ["Keep"]


def test_bob_cannot_read_or_change_alice_filters(
    sieve_stack: SieveStack,
    sieve_alice: MailUser,
    sieve_bob: MailUser,
    sieve_login: Callable[[MailUser], Client],
) -> None:
    alice = sieve_login(sieve_alice)
    alice.post("/accounts/settings/filters/new/", rule_post("Alice's secret rule"))
    bob = sieve_login(sieve_bob)
    assert "secret rule" not in bob.get("/accounts/settings/filters/").content.decode()
    assert bob.get("/accounts/settings/filters/0/").status_code == 404
    bob.get("/accounts/settings/filters/script/?name=webmail")
    bob.post("/accounts/settings/filters/0/delete/")
    assert [r.name for r in parse_script(owned_script(sieve_stack, sieve_alice)).rules] == [
        "Alice's secret rule"
    ]
    anonymous = Client().get("/accounts/settings/filters/")
    assert anonymous.status_code == 302


def test_out_of_office_interval_in_hours_uses_vacation_seconds(
    sieve_stack: SieveStack, sieve_alice: MailUser, sieve_login: Callable[[MailUser], Client]
) -> None:
    client = sieve_login(sieve_alice)
    page = client.get("/accounts/settings/out-of-office/").content.decode()
    assert 'name="vacation-unit"' in page  # Pigeonhole offers vacation-seconds
    response = client.post(
        "/accounts/settings/out-of-office/",
        {
            "form": "vacation",
            "vacation-enabled": "on",
            "vacation-text": "Away for the afternoon.",
            "vacation-days": "2",
            "vacation-unit": "hours",
        },
    )
    assert response.status_code == 302
    vacation = parse_script(owned_script(sieve_stack, sieve_alice)).vacation
    assert vacation.seconds == 7200


def test_a_rule_whose_folder_was_deleted_is_marked_on_the_list(
    sieve_stack: SieveStack, sieve_alice: MailUser, sieve_login: Callable[[MailUser], Client]
) -> None:
    sieve_alice.create_folder("Old")
    client = sieve_login(sieve_alice)
    client.post(
        "/accounts/settings/filters/new/", rule_post("To old", act_kind_0="move", act_value_0="Old")
    )
    sieve_alice.client().delete_folder("Old")
    page = client.get("/accounts/settings/filters/").content.decode()
    assert "folder Old missing" in page
    assert [r.name for r in parse_script(owned_script(sieve_stack, sieve_alice)).rules] == [
        "To old"
    ]
