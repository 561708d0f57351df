"""Two people (or tabs) editing filters at once, and deleting a script made by another client:
a change made from a page that read an older script is refused with a message instead of
silently overwriting; a script is deleted only after a confirmation, the active one switched
off first."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

import pytest
from django.test import Client

from mailview.sieve.rules import parse_script
from tests.support.dovecot import MailUser
from tests.support.sieve import SieveStack, rule_post

pytestmark = pytest.mark.django_db

CONFLICT = "Your filters were changed elsewhere"
FOREIGN = 'require ["fileinto"];\nif header :contains "subject" "x" { fileinto "INBOX"; }\n'


def text_of(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def version_on(page: str) -> str:
    match = re.search(r'name="version" value="([^"]+)"', page)
    assert match, "no version on the page"
    return match.group(1)


def rules_on_server(stack: SieveStack, user: MailUser) -> list[tuple[str, bool]]:
    with stack.connect(user) as sieve:
        return [(r.name, r.enabled) for r in parse_script(sieve.get_script("webmail")).rules]


def test_a_change_from_an_outdated_page_is_refused(
    sieve_stack: SieveStack, sieve_alice: MailUser, sieve_login: Callable[[MailUser], Client]
) -> None:
    first, second = sieve_login(sieve_alice), sieve_login(sieve_alice)
    for name in ("Invoices", "Newsletters"):
        assert first.post("/accounts/settings/filters/new/", rule_post(name)).status_code == 302
    # Both open the Filters page; the first deletes rule 0 ("Invoices").
    page_1 = first.get("/accounts/settings/filters/").content.decode()
    page_2 = second.get("/accounts/settings/filters/").content.decode()
    assert version_on(page_1) == version_on(page_2)
    first.post("/accounts/settings/filters/0/delete/", {"version": version_on(page_1)})
    assert rules_on_server(sieve_stack, sieve_alice) == [("Newsletters", True)]
    # The second, from its old page, switches off rule 0, which meant "Invoices" there: refused.
    response = second.post(
        "/accounts/settings/filters/0/toggle/", {"version": version_on(page_2)}, follow=True
    )
    assert CONFLICT in text_of(response.content.decode())
    assert rules_on_server(sieve_stack, sieve_alice) == [("Newsletters", True)]
    # From the page as it is now, the change goes through.
    fresh = version_on(response.content.decode())
    second.post("/accounts/settings/filters/0/toggle/", {"version": fresh})
    assert rules_on_server(sieve_stack, sieve_alice) == [("Newsletters", False)]


def test_editing_a_rule_that_changed_meanwhile_is_refused(
    sieve_stack: SieveStack, sieve_alice: MailUser, sieve_login: Callable[[MailUser], Client]
) -> None:
    client = sieve_login(sieve_alice)
    client.post("/accounts/settings/filters/new/", rule_post("Invoices"))
    edit_page = client.get("/accounts/settings/filters/0/").content.decode()
    other = sieve_login(sieve_alice)
    other.post("/accounts/settings/filters/new/", rule_post("Later rule"))
    response = client.post(
        "/accounts/settings/filters/0/",
        {**rule_post("Renamed"), "version": version_on(edit_page)},
        follow=True,
    )
    assert CONFLICT in text_of(response.content.decode())
    assert rules_on_server(sieve_stack, sieve_alice) == [("Invoices", True), ("Later rule", True)]


def test_the_raw_editor_notices_a_script_changed_by_another_client(
    sieve_stack: SieveStack, sieve_alice: MailUser, sieve_login: Callable[[MailUser], Client]
) -> None:
    with sieve_stack.connect(sieve_alice) as sieve:
        sieve.put_script("roundcube", FOREIGN)
    client = sieve_login(sieve_alice)
    page = client.get("/accounts/settings/filters/script/?name=roundcube").content.decode()
    theirs = FOREIGN.replace('"x"', '"changed by them"')
    with sieve_stack.connect(sieve_alice) as sieve:
        sieve.put_script("roundcube", theirs)
    mine = FOREIGN.replace('"x"', '"mine"')
    data = {"name": "roundcube", "script": mine, "action": "save", "version": version_on(page)}
    response = client.post("/accounts/settings/filters/script/", data)
    html = response.content.decode()
    assert CONFLICT in text_of(html) and "mine" in html  # told, and the text is kept
    with sieve_stack.connect(sieve_alice) as sieve:
        assert sieve.get_script("roundcube") == theirs
    # Saving again after being told replaces it.
    data["version"] = version_on(html)
    response = client.post("/accounts/settings/filters/script/", data)
    assert CONFLICT not in text_of(response.content.decode())
    with sieve_stack.connect(sieve_alice) as sieve:
        assert sieve.get_script("roundcube").replace("\r\n", "\n") == mine


def test_deleting_a_foreign_script_asks_first(
    sieve_stack: SieveStack, sieve_alice: MailUser, sieve_login: Callable[[MailUser], Client]
) -> None:
    with sieve_stack.connect(sieve_alice) as sieve:
        sieve.put_script("roundcube", FOREIGN)
    client = sieve_login(sieve_alice)
    listing = client.get("/accounts/settings/filters/").content.decode()
    assert 'href="/accounts/settings/filters/script/delete/?name=roundcube"' in listing
    page = client.get("/accounts/settings/filters/script/delete/?name=roundcube").content.decode()
    assert "Delete script roundcube?" in text_of(page) and "active-warning" not in page
    # A GET never deletes; neither does a POST without the confirmation.
    client.post("/accounts/settings/filters/script/delete/", {"name": "roundcube"})
    with sieve_stack.connect(sieve_alice) as sieve:
        assert [s.name for s in sieve.list_scripts()] == ["roundcube"]
    response = client.post(
        "/accounts/settings/filters/script/delete/", {"name": "roundcube", "confirm": "1"}
    )
    assert response.status_code == 302
    with sieve_stack.connect(sieve_alice) as sieve:
        assert sieve.list_scripts() == []


def test_the_active_script_is_switched_off_first_and_the_page_says_so(
    sieve_stack: SieveStack, sieve_alice: MailUser, sieve_login: Callable[[MailUser], Client]
) -> None:
    with sieve_stack.connect(sieve_alice) as sieve:
        sieve.put_script("roundcube", FOREIGN)
        sieve.set_active("roundcube")
    client = sieve_login(sieve_alice)
    page = client.get("/accounts/settings/filters/script/delete/?name=roundcube").content.decode()
    assert "deleting it switches it off first" in text_of(page)
    assert "Switch off and delete" in page
    # Without the switch-off confirmation, the active script is not deleted.
    response = client.post(
        "/accounts/settings/filters/script/delete/",
        {"name": "roundcube", "confirm": "1"},
        follow=True,
    )
    assert "roundcube is the active script: switch it off before deleting it" in text_of(
        response.content.decode()
    )
    client.post(
        "/accounts/settings/filters/script/delete/",
        {"name": "roundcube", "confirm": "1", "switch_off": "1"},
    )
    with sieve_stack.connect(sieve_alice) as sieve:
        assert sieve.list_scripts() == []


def test_bob_cannot_delete_alices_script(
    sieve_stack: SieveStack,
    sieve_alice: MailUser,
    sieve_bob: MailUser,
    sieve_login: Callable[[MailUser], Client],
) -> None:
    with sieve_stack.connect(sieve_alice) as sieve:
        sieve.put_script("roundcube", FOREIGN)
    bob = sieve_login(sieve_bob)
    assert bob.get("/accounts/settings/filters/script/delete/?name=roundcube").status_code == 404
    response = bob.post(
        "/accounts/settings/filters/script/delete/", {"name": "roundcube", "confirm": "1"}
    )
    assert response.status_code == 404
    with sieve_stack.connect(sieve_alice) as sieve:
        assert [s.name for s in sieve.list_scripts()] == ["roundcube"]
