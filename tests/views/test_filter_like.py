""" "Filter messages like this", the out-of-office banner and the domain's forwarding rule."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import Domain
from mailview.sieve.rules import FilterSet, Vacation, parse_script, render_script
from tests.support.compose import folder_messages
from tests.support.cutoff import Gate
from tests.support.dovecot import MailUser
from tests.support.sieve import SieveStack, rule_post
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.django_db


def test_like_this_prefills_from_the_list_and_counts_matches(
    sieve_stack: SieveStack, sieve_alice: MailUser, sieve_login: Callable[[MailUser], Client]
) -> None:
    list_headers = {"List-Id": "Developers <dev.lists.example.org>"}
    uid = sieve_alice.append(
        "INBOX", make_message(subject="a", sender="x@example.net", headers=list_headers)
    )
    sieve_alice.append(
        "INBOX", make_message(subject="b", sender="y@example.net", headers=list_headers)
    )
    sieve_alice.append("INBOX", make_message(subject="c", sender="x@example.net"))
    client = sieve_login(sieve_alice)
    page = client.get(f"/accounts/settings/filters/like/?folder=INBOX&uid={uid}").content.decode()
    assert 'value="dev.lists.example.org"' in page
    assert '<strong id="preview-count">2</strong>' in page


def test_like_this_from_a_sender_saves_and_applies_to_existing_messages(
    sieve_stack: SieveStack, sieve_alice: MailUser, sieve_login: Callable[[MailUser], Client]
) -> None:
    sieve_alice.create_folder("Newsletters")
    uid = sieve_alice.append("INBOX", make_message(subject="n1", sender="news@shop.example"))
    sieve_alice.append("INBOX", make_message(subject="n2", sender="News <news@shop.example>"))
    sieve_alice.append("INBOX", make_message(subject="other", sender="friend@example.net"))
    client = sieve_login(sieve_alice)
    page = client.get(f"/accounts/settings/filters/like/?folder=INBOX&uid={uid}").content.decode()
    assert 'value="news@shop.example"' in page and '<strong id="preview-count">2</strong>' in page
    response = client.post(
        "/accounts/settings/filters/like/",
        {
            "folder": "INBOX",
            "uid": str(uid),
            "save": "apply",
            "name": "Shop news",
            "enabled": "on",
            "match_all": "1",
            "cond_field_0": "from",
            "cond_match_0": "contains",
            "cond_value_0": "news@shop.example",
            "act_kind_0": "move",
            "act_value_0": "Newsletters",
            "act_kind_1": "mark_read",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/mail/INBOX/"
    moved = folder_messages(sieve_alice, "Newsletters")
    assert sorted(m["Subject"] for _u, _f, m in moved) == ["n1", "n2"]
    assert all("\\Seen" in flags for _u, flags, _m in moved)
    assert [m["Subject"] for _u, _f, m in folder_messages(sieve_alice, "INBOX")] == ["other"]
    with sieve_stack.connect(sieve_alice) as sieve:
        assert parse_script(sieve.get_script("webmail")).rules[0].name == "Shop news"


def test_like_this_of_bobs_message_number_shows_alices_own_folder_only(
    sieve_stack: SieveStack,
    sieve_alice: MailUser,
    sieve_bob: MailUser,
    sieve_login: Callable[[MailUser], Client],
) -> None:
    uid = sieve_alice.append("INBOX", make_message(subject="private", sender="s@secret.example"))
    bob = sieve_login(sieve_bob)
    response = bob.get(f"/accounts/settings/filters/like/?folder=INBOX&uid={uid}")
    assert response.status_code == 404
    assert "secret.example" not in response.content.decode()


def test_banner_shows_while_out_of_office_is_on(
    sieve_stack: SieveStack, sieve_alice: MailUser, sieve_login: Callable[[MailUser], Client]
) -> None:
    client = sieve_login(sieve_alice)
    assert 'id="vacation-banner"' not in client.get("/mail/INBOX/").content.decode()
    vacation = {
        "form": "vacation",
        "vacation-enabled": "on",
        "vacation-text": "Away.",
        "vacation-days": "7",
        "vacation-end": "2099-01-31",
    }
    client.post("/accounts/settings/out-of-office/", vacation)
    page = client.get("/mail/INBOX/").content.decode()
    assert 'id="vacation-banner"' in page and "until 31 January 2099" in page
    client.post("/accounts/settings/out-of-office/", {**vacation, "vacation-enabled": ""})
    assert 'id="vacation-banner"' not in client.get("/mail/INBOX/").content.decode()


def test_the_banner_state_is_read_beside_the_pages_imap_work(
    sieve_stack: SieveStack,
    sieve_alice: MailUser,
    sieve_bob: MailUser,
    sieve_login: Callable[[MailUser], Client],
    settings: object,
) -> None:
    """A page that must read the out-of-office state opens its ManageSieve connection while
    the page's IMAP answers are still on the way. Here the IMAP server's answers to the page
    wait until that connection is made: a page that asked ManageSieve only after its IMAP
    work would wait for them in vain."""
    host = sieve_stack.dovecot.host
    imap = Gate((host, sieve_stack.dovecot.imap_port))
    sieve = Gate((host, sieve_stack.managesieve_port))
    settings.IMAP_PORT = imap.port  # type: ignore[attr-defined]
    settings.SIEVE_PORT = sieve.port  # type: ignore[attr-defined]
    try:
        client = sieve_login(sieve_alice)
        saved = client.post(
            "/accounts/settings/out-of-office/",
            {
                "form": "vacation",
                "vacation-enabled": "on",
                "vacation-text": "Away.",
                "vacation-days": "7",
            },
        )
        assert saved.status_code == 302
        # The save forgot the state (the read begun at login with it): the page reads it.
        sieve.connected.clear()
        imap.hold_answers_until(sieve.connected)
        page = client.get("/mail/INBOX/").content.decode()
        assert not imap.held_in_vain
        assert 'id="vacation-banner"' in page
        # The state read is the user's own: Bob, logged in beside her, has no banner.
        bob_page = sieve_login(sieve_bob).get("/mail/INBOX/").content.decode()
        assert 'id="vacation-banner"' not in bob_page and "INBOX" in bob_page
    finally:
        imap.cut()
        sieve.cut()


def test_the_banner_state_is_read_as_the_session_logs_in(
    sieve_stack: SieveStack,
    sieve_alice: MailUser,
    sieve_login: Callable[[MailUser], Client],
    settings: object,
) -> None:
    """Logging in starts the out-of-office read, which then runs while the browser follows the
    login's redirect: the first page takes its answer and connects to ManageSieve no more."""
    with sieve_stack.connect(sieve_alice) as sieve:
        sieve.put_script("webmail", render_script(FilterSet(vacation=Vacation(True, text="Away."))))
        sieve.set_active("webmail")
    gate = Gate((sieve_stack.dovecot.host, sieve_stack.managesieve_port))
    settings.SIEVE_PORT = gate.port  # type: ignore[attr-defined]
    try:
        client = sieve_login(sieve_alice)
        assert gate.connected.wait(Gate.LIMIT)
        assert 'id="vacation-banner"' in client.get("/mail/INBOX/").content.decode()
        assert gate.connections == 1
    finally:
        gate.cut()


def test_mailbox_works_without_managesieve(
    sieve_stack: SieveStack,
    sieve_alice: MailUser,
    sieve_login: Callable[[MailUser], Client],
    settings: object,
) -> None:
    from webmail.devmail.dovecot import free_port

    client = sieve_login(sieve_alice)
    settings.SIEVE_PORT = free_port()  # type: ignore[attr-defined]
    response = client.get("/mail/INBOX/")
    assert response.status_code == 200 and 'id="vacation-banner"' not in response.content.decode()
    page = client.get("/accounts/settings/filters/")
    assert page.status_code == 503
    assert "filter service (ManageSieve)" in page.content.decode()


def test_domain_can_forbid_forwarding_outside_it(
    sieve_stack: SieveStack, sieve_settings: SieveStack
) -> None:
    login, password = f"dana-{uuid.uuid4().hex[:8]}@example.org", secrets.token_urlsafe(12)
    sieve_stack.dovecot.add_user(login, password)
    Domain.objects.create(
        name="example.org",
        imap_host="127.0.0.1",
        imap_port=sieve_stack.dovecot.imap_port,
        imap_security="starttls",
        sieve_host="127.0.0.1",
        sieve_port=sieve_stack.managesieve_port,
        ca_file=str(sieve_stack.dovecot.ca_file),
        forbid_external_forwarding=True,
    )
    client = Client()
    response = client.post("/accounts/login/", {"username": login, "password": password})
    assert response.status_code == 302
    outside = rule_post("Out", act_kind_0="redirect_copy", act_value_0="me@elsewhere.example")
    response = client.post("/accounts/settings/filters/new/", outside)
    assert "only to addresses of your own domain" in response.content.decode()
    response = client.post(
        "/accounts/settings/out-of-office/",
        {"form": "forwarding", "forwarding-forward": "on", "forwarding-address": "x@gmail.test"},
    )
    assert "only to addresses of your own domain" in response.content.decode()
    inside = rule_post("In", act_kind_0="redirect_copy", act_value_0="team@example.org")
    assert client.post("/accounts/settings/filters/new/", inside).status_code == 302


def test_like_these_on_a_selection_names_every_sender(
    sieve_stack: SieveStack, sieve_alice: MailUser, sieve_login: Callable[[MailUser], Client]
) -> None:
    one = sieve_alice.append("INBOX", make_message(subject="a", sender="one@shop.example"))
    two = sieve_alice.append("INBOX", make_message(subject="b", sender="two@shop.example"))
    sieve_alice.append("INBOX", make_message(subject="c", sender="two@shop.example"))
    sieve_alice.append("INBOX", make_message(subject="d", sender="other@example.net"))
    client = sieve_login(sieve_alice)
    page = client.get(
        f"/accounts/settings/filters/like/?folder=INBOX&uid={one}&uid={two}"
    ).content.decode()
    assert 'value="one@shop.example"' in page and 'value="two@shop.example"' in page
    assert '<option value="0" selected>any condition matches</option>' in page
    assert '<strong id="preview-count">3</strong>' in page
