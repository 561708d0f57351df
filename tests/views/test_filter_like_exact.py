"""The "Filter messages like this" preview counts an "is" condition exactly, as the Sieve rule
will match on delivery (IMAP SEARCH alone would count every message containing the value)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from mailview.services.filter_like import is_exactly
from mailview.sieve.rules import Condition
from tests.support.compose import folder_messages
from tests.support.dovecot import MailUser
from tests.support.sieve import SieveStack
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.django_db


def preview(client: Client, uid: int, save: str = "", **conditions: str) -> Any:
    data = {
        "folder": "INBOX",
        "uid": str(uid),
        "name": "Exact",
        "enabled": "on",
        "act_kind_0": "flag",
        **conditions,
    }
    if save:
        data["save"] = save
    return client.post("/accounts/settings/filters/like/", data)


def test_is_counts_only_whole_equal_values(
    sieve_stack: SieveStack, sieve_alice: MailUser, sieve_login: Callable[[MailUser], Client]
) -> None:
    uid = sieve_alice.append("INBOX", make_message(subject="Invoice", sender="bob@example.org"))
    sieve_alice.append("INBOX", make_message(subject="invoice", sender="Bob <BOB@example.org>"))
    sieve_alice.append("INBOX", make_message(subject="Invoice 42", sender="bob@example.org.evil"))
    sieve_alice.append("INBOX", make_message(subject="Re: Invoice", sender="alice@example.org"))
    client = sieve_login(sieve_alice)
    subject_is = {"match_all": "1", "cond_field_0": "subject", "cond_match_0": "is"}
    page = preview(client, uid, **subject_is, cond_value_0="Invoice").content.decode()
    assert '<strong id="preview-count">2</strong>' in page  # not 4: "Invoice 42", "Re: ..."
    contains = {**subject_is, "cond_match_0": "contains", "cond_value_0": "Invoice"}
    assert (
        '<strong id="preview-count">4</strong>' in preview(client, uid, **contains).content.decode()
    )
    from_is = {"match_all": "1", "cond_field_0": "from", "cond_match_0": "is"}
    page = preview(client, uid, **from_is, cond_value_0="bob@example.org").content.decode()
    assert '<strong id="preview-count">2</strong>' in page
    # Any of: from is bob@ (2) or subject is "Re: Invoice" (1).
    either = {
        "match_all": "0",
        "cond_field_0": "from",
        "cond_match_0": "is",
        "cond_value_0": "bob@example.org",
        "cond_field_1": "subject",
        "cond_match_1": "is",
        "cond_value_1": "Re: Invoice",
    }
    assert (
        '<strong id="preview-count">3</strong>' in preview(client, uid, **either).content.decode()
    )
    # "Apply now" acts on the exact matches only.
    response = preview(client, uid, save="apply", **subject_is, cond_value_0="Invoice")
    assert response.status_code == 302
    flagged = {
        str(m["Subject"])
        for _u, flags, m in folder_messages(sieve_alice, "INBOX")
        if "\\Flagged" in flags
    }
    assert flagged == {"Invoice", "invoice"}


def test_exact_comparison_follows_sieve() -> None:
    raw = b"Subject: =?utf-8?q?Caf=C3=A9?=\r\n  menu\r\nFrom: A <a@x.org>, b@y.org\r\n\r\n"
    assert is_exactly(Condition("subject", "café MENU", "is"), raw)
    assert not is_exactly(Condition("subject", "CAFÉ menu", "is"), raw)  # A-Z fold, not É
    assert not is_exactly(Condition("subject", "Café", "is"), raw)
    assert is_exactly(Condition("from", "B@Y.ORG", "is"), raw)
    assert not is_exactly(Condition("from", "y.org", "is"), raw)
