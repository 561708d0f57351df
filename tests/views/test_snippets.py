"""The snippets of the list and of search results come with the page's one FETCH: PREVIEW
(RFC 8970) where the server offers it, else a bounded partial body; either way a user sees only
their own mail's snippets."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from tests.support.dovecot import MailUser
from tests.support.servers import point_at
from webmail.devmail.dovecot import Dovecot
from webmail.devmail.factories import make_message

#: Dovecot 2.3's capabilities after login without PREVIEW and SNIPPET: the fallback's server.
WITHOUT_PREVIEW = (
    "imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY "
    "THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE "
    "UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH "
    "ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE STATUS=SIZE SAVEDATE "
    "LITERAL+ NOTIFY SPECIAL-USE QUOTA\n"
)


def seed(user: MailUser) -> None:
    user.append("INBOX", make_message(subject="Plain", text="Lunch at noon on Friday?"))
    user.append(
        "INBOX",
        make_message(
            subject="Rich",
            text="Your order shipped",
            html="<p>Your <b>order</b> shipped</p>",
            attachments=[("label.pdf", "application/pdf", b"%PDF-1.4 " * 500)],
        ),
    )


def check(client: Client, other: Client) -> None:
    page = client.get("/mail/INBOX/").content.decode()
    assert '<span class="snippet">Lunch at noon on Friday?</span>' in page
    assert '<span class="snippet">Your order shipped</span>' in page
    assert "Lunch at noon" not in other.get("/mail/INBOX/").content.decode()
    # Search results carry them too (the same rows), and only of one's own mail.
    found = client.get("/search/", {"q": "plain", "folder": "INBOX"}).content.decode()
    assert '<span class="snippet">Lunch at noon on Friday?</span>' in found
    theirs = other.get("/search/", {"q": "plain", "scope": "all"}).content.decode()
    assert "Lunch at noon" not in theirs


def test_snippets_from_the_servers_preview(
    login: Callable[[MailUser], Client], alice: MailUser, bob: MailUser
) -> None:
    imap = alice.client()
    assert b"PREVIEW" in imap.capabilities()
    imap.logout()
    seed(alice)
    check(login(alice), login(bob))


def test_snippets_from_a_partial_body_without_preview(
    dovecot_factory: Callable[..., Dovecot],
    settings: object,
    db: None,
) -> None:
    server = dovecot_factory(extra_config=WITHOUT_PREVIEW)
    point_at(settings, server)  # type: ignore[arg-type]
    alice = MailUser(username="alice-fallback", password="pw-fallback-1", dovecot=server)
    bob = MailUser(username="bob-fallback", password="pw-fallback-2", dovecot=server)
    for user in (alice, bob):
        server.add_user(user.username, user.password)
    client = alice.client()
    assert b"PREVIEW" not in client.capabilities()
    client.logout()
    seed(alice)

    def log_in(user: MailUser) -> Client:
        web = Client()
        response = web.post(
            "/accounts/login/", {"username": user.username, "password": user.password}
        )
        assert response.status_code == 302
        return web

    check(log_in(alice), log_in(bob))
