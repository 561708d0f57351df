"""Rules made on the Filters pages act on mail that arrives later, with no browser open: the
SMTP submission server delivers by LMTP and Dovecot's Sieve plugin runs the webmail's script."""

from __future__ import annotations

from collections.abc import Callable
from email import message_from_bytes, policy

import pytest
from django.test import Client

from tests.support.compose import folder_messages
from tests.support.dovecot import MailUser
from tests.support.sieve import SieveStack, rule_post, submit
from tests.support.waiting import wait_until
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.django_db


def arrived(user: MailUser, folder: str, subject: str) -> list[tuple[int, set[str]]]:
    return [
        (uid, flags) for uid, flags, m in folder_messages(user, folder) if m["Subject"] == subject
    ]


def test_rules_move_flag_and_forward_arriving_mail(
    sieve_stack: SieveStack,
    sieve_alice: MailUser,
    sieve_bob: MailUser,
    sieve_user_factory: Callable[[str], MailUser],
    sieve_login: Callable[[MailUser], Client],
) -> None:
    carol = sieve_user_factory("carol")
    sieve_alice.create_folder("Receipts")
    client = sieve_login(sieve_alice)
    client.post(
        "/accounts/settings/filters/new/",
        rule_post("Receipts", act_kind_0="move", act_value_0="Receipts", act_kind_1="mark_read"),
    )
    client.post(
        "/accounts/settings/filters/new/",
        rule_post(
            "From carol",
            cond_field_0="from",
            cond_value_0=carol.address,
            act_kind_0="flag",
            act_kind_1="redirect_copy",
            act_value_1=sieve_bob.address,
        ),
    )
    client.post(
        "/accounts/settings/filters/new/",
        rule_post(
            "Lists", cond_field_0="list_id", cond_value_0="dev.example.org", act_kind_0="discard"
        ),
    )
    submit(
        sieve_stack,
        carol,
        [sieve_alice.address],
        make_message(subject="Your invoice 42", sender=carol.address, to=sieve_alice.address),
    )
    submit(
        sieve_stack,
        carol,
        [sieve_alice.address],
        make_message(subject="Lunch?", sender=carol.address, to=sieve_alice.address),
    )
    submit(
        sieve_stack,
        carol,
        [sieve_alice.address],
        make_message(
            subject="List mail",
            sender=carol.address,
            to=sieve_alice.address,
            headers={"List-Id": "Dev <dev.example.org>"},
        ),
    )
    submit(
        sieve_stack,
        carol,
        [sieve_alice.address],
        make_message(subject="Marker", sender="x@example.net", to=sieve_alice.address),
    )

    assert wait_until(lambda: bool(arrived(sieve_alice, "INBOX", "Marker")), 20)
    assert wait_until(lambda: bool(arrived(sieve_alice, "Receipts", "Your invoice 42")), 20)
    ((_uid, flags),) = arrived(sieve_alice, "Receipts", "Your invoice 42")
    assert "\\Seen" in flags
    assert arrived(sieve_alice, "INBOX", "Your invoice 42") == []
    ((_uid, flags),) = arrived(sieve_alice, "INBOX", "Lunch?")
    assert "\\Flagged" in flags and "\\Seen" not in flags
    assert wait_until(lambda: bool(arrived(sieve_bob, "INBOX", "Lunch?")), 20)
    assert arrived(sieve_alice, "INBOX", "List mail") == []


def test_out_of_office_replies_once_per_sender(
    sieve_stack: SieveStack,
    sieve_alice: MailUser,
    sieve_user_factory: Callable[[str], MailUser],
    sieve_login: Callable[[MailUser], Client],
) -> None:
    carol = sieve_user_factory("carol")
    client = sieve_login(sieve_alice)
    response = client.post(
        "/accounts/settings/out-of-office/",
        {
            "form": "vacation",
            "vacation-enabled": "on",
            "vacation-subject": "Away until Monday",
            "vacation-text": "I am away.\nYour mail will be read on Monday.",
            "vacation-addresses": [sieve_alice.address],
            "vacation-days": "7",
        },
    )
    assert response.status_code == 302
    for n in range(2):
        submit(
            sieve_stack,
            carol,
            [sieve_alice.address],
            make_message(subject=f"Question {n}", sender=carol.address, to=sieve_alice.address),
        )
    assert wait_until(lambda: len(arrived(sieve_alice, "INBOX", "Question 1")) == 1, 20)
    assert wait_until(lambda: bool(sieve_stack.relay.sent_to(carol.address)), 20)
    replies = sieve_stack.relay.sent_to(carol.address)
    assert len(replies) == 1
    reply = message_from_bytes(replies[0].data, policy=policy.default)
    assert reply["Subject"] == "Away until Monday"
    assert reply["Auto-Submitted"].startswith("auto-replied")
    assert "Your mail will be read on Monday." in reply.get_content()
    assert wait_until(lambda: bool(arrived(carol, "INBOX", "Away until Monday")), 20)


def test_forwarding_all_mail_without_a_copy(
    sieve_stack: SieveStack,
    sieve_alice: MailUser,
    sieve_user_factory: Callable[[str], MailUser],
    sieve_login: Callable[[MailUser], Client],
) -> None:
    carol = sieve_user_factory("carol")
    client = sieve_login(sieve_alice)
    client.post(
        "/accounts/settings/out-of-office/",
        {
            "form": "forwarding",
            "forwarding-forward": "on",
            "forwarding-address": "alice@home.example.net",
        },
    )
    submit(
        sieve_stack,
        carol,
        [sieve_alice.address],
        make_message(subject="Forward me", sender=carol.address, to=sieve_alice.address),
    )
    assert wait_until(lambda: bool(sieve_stack.relay.sent_to("alice@home.example.net")), 20)
    forwarded = message_from_bytes(
        sieve_stack.relay.sent_to("alice@home.example.net")[0].data, policy=policy.default
    )
    assert forwarded["Subject"] == "Forward me"
    assert arrived(sieve_alice, "INBOX", "Forward me") == []


def test_out_of_office_reply_with_html_is_sanitized_multipart(
    sieve_stack: SieveStack,
    sieve_alice: MailUser,
    sieve_user_factory: Callable[[str], MailUser],
    sieve_login: Callable[[MailUser], Client],
) -> None:
    carol = sieve_user_factory("carol")
    client = sieve_login(sieve_alice)
    response = client.post(
        "/accounts/settings/out-of-office/",
        {
            "form": "vacation",
            "vacation-enabled": "on",
            "vacation-subject": "Away",
            "vacation-text": 'Away until "Monday" \\o/',
            "vacation-html": "<p>Away until <b>Monday</b></p><script>alert(1)</script>",
            "vacation-addresses": [sieve_alice.address],
            "vacation-days": "1",
        },
    )
    assert response.status_code == 302
    submit(
        sieve_stack,
        carol,
        [sieve_alice.address],
        make_message(subject="Hello", sender=carol.address, to=sieve_alice.address),
    )
    assert wait_until(lambda: bool(sieve_stack.relay.sent_to(carol.address)), 20)
    reply = message_from_bytes(
        sieve_stack.relay.sent_to(carol.address)[0].data, policy=policy.default
    )
    assert reply.get_content_type() == "multipart/alternative"
    plain = reply.get_body(("plain",))
    html = reply.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content().strip() == 'Away until "Monday" \\o/'
    assert "<b>Monday</b>" in html.get_content()
    assert "script" not in html.get_content()
