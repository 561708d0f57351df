"""IMAPConnection against the real test servers (Dovecot, Cyrus in both namespace modes)."""

from __future__ import annotations

import socket
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from accounts.servers import MailServer
from mailview.imap.client import Atom, IMAPConnection, check_folder_name
from mailview.imap.errors import (
    AuthenticationFailed,
    ConnectionDropped,
    FolderNotFound,
    InvalidName,
    ServerTimeout,
    ServerUnreachable,
    TLSFailure,
)
from tests.support.processes import frozen, imap_pids
from webmail.devmail.dovecot import free_port
from webmail.devmail.factories import make_message

pytestmark = pytest.mark.all_servers
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def starttls(dovecot) -> MailServer:
    return MailServer(dovecot.host, dovecot.imap_port, "starttls", str(dovecot.ca_file))


def open_as(user, server: MailServer | None = None, timeout: float = 5) -> IMAPConnection:
    return IMAPConnection.open(
        server or starttls(user.dovecot), user.username, user.password, timeout
    )


def test_login_over_starttls_verifies_the_certificate(alice):
    conn = open_as(alice)
    assert conn.has("IMAP4REV1")
    assert conn.has("SORT")
    conn.logout()


def test_login_over_implicit_tls(alice):
    server = MailServer(
        alice.dovecot.host, alice.dovecot.imaps_port, "ssl", str(alice.dovecot.ca_file)
    )
    conn = open_as(alice, server)
    assert conn.select("INBOX").exists == 0
    conn.logout()


def test_certificate_from_an_unknown_ca_is_refused(alice):
    server = MailServer(alice.dovecot.host, alice.dovecot.imaps_port, "ssl", None)
    with pytest.raises(TLSFailure):
        open_as(alice, server)
    with pytest.raises(TLSFailure):
        open_as(alice, MailServer(alice.dovecot.host, alice.dovecot.imap_port, "starttls", None))


def test_wrong_password_is_authentication_failed(alice):
    with pytest.raises(AuthenticationFailed):
        IMAPConnection.open(starttls(alice.dovecot), alice.username, "wrong", 5)


def test_non_ascii_password_uses_authenticate_plain(imap_server):
    dovecot = imap_server
    login = f"juergen-{uuid.uuid4().hex[:6]}"
    dovecot.add_user(login, "pässwörd-東京")
    conn = IMAPConnection.open(starttls(dovecot), login, "pässwörd-東京", 5)
    assert conn.select("INBOX").exists == 0
    conn.logout()


def test_closed_port_is_server_unreachable():
    with pytest.raises(ServerUnreachable):
        IMAPConnection.open(MailServer("127.0.0.1", free_port(), "none"), "a", "b", 2)


def test_a_server_that_never_answers_times_out():
    """A real socket that accepts connections (kernel backlog) but never says a word."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        started = time.monotonic()
        with pytest.raises(ServerTimeout):
            IMAPConnection.open(
                MailServer("127.0.0.1", silent.getsockname()[1], "none"), "a", "b", 0.5
            )
        assert time.monotonic() - started < 3
    finally:
        silent.close()


def test_folder_list_has_special_use_roles_counts_and_decoded_names(alice):
    alice.append("INBOX", make_message(subject="one"))
    alice.append("INBOX", make_message(subject="two"), flags=["\\Seen"])
    alice.create_folder("Reçus/2026")
    alice.append("Reçus/2026", make_message(subject="three"))
    conn = open_as(alice)
    folders = {f.name: f for f in conn.list_folders()}
    f = alice.folder
    assert folders["INBOX"].messages == 2
    assert folders["INBOX"].unseen == 1
    assert folders[f("Sent")].special_use == "\\Sent"
    assert folders[f("Trash")].special_use == "\\Trash"
    assert folders[f("Reçus/2026")].unseen == 1
    # The server's own hierarchy separator (NAMESPACE): "/" on Dovecot, "." in Cyrus' default.
    assert folders[f("Reçus/2026")].delimiter == conn.namespace_prefix()[1]
    conn.logout()


def test_unsubscribed_folders_are_left_out_unless_asked(alice):
    client = alice.client()
    client.create_folder(alice.folder("Hidden"))
    conn = open_as(alice)
    assert alice.folder("Hidden") not in {f.name for f in conn.list_folders()}
    assert alice.folder("Hidden") in {f.name for f in conn.list_folders(subscribed_only=False)}
    conn.logout()


def test_sorted_order_is_cached_while_the_folder_is_unchanged(alice):
    for i in range(5):
        alice.append("INBOX", make_message(subject=f"m{i}", date=T0 + timedelta(days=i)))
    conn = open_as(alice)
    _, first, server_sorted = conn.sorted_uids("INBOX", "date")
    assert server_sorted
    commands = conn.commands
    _, again, _ = conn.sorted_uids("INBOX", "date")
    assert list(again) == list(first)
    assert conn.commands == commands + 1  # one NOOP, no SELECT and no SORT
    conn.logout()


def test_new_mail_from_another_connection_invalidates_the_order(alice):
    for i in range(3):
        alice.append("INBOX", make_message(subject=f"m{i}", date=T0 + timedelta(days=i)))
    conn = open_as(alice)
    _, before, _ = conn.sorted_uids("INBOX", "date")
    newest = alice.append("INBOX", make_message(subject="new", date=T0 + timedelta(days=30)))
    _, after, _ = conn.sorted_uids("INBOX", "date")
    assert len(after) == len(before) + 1
    assert after[-1] == newest
    conn.logout()


def test_new_mail_reported_with_another_command_invalidates_the_order(alice):
    # No NOOP in between: Dovecot reports the new message as an untagged EXISTS inside the
    # answer to our next command (here a FETCH of rows); the NOOP after it has nothing more to
    # report, so the change must not be lost with that answer.
    uids = [
        alice.append("INBOX", make_message(subject=f"m{i}", date=T0 + timedelta(days=i)))
        for i in range(3)
    ]
    conn = open_as(alice)
    _, before, _ = conn.sorted_uids("INBOX", "date")
    newest = alice.append("INBOX", make_message(subject="new", date=T0 + timedelta(days=30)))
    conn.fetch_summaries(uids[:1])
    state, after, _ = conn.sorted_uids("INBOX", "date")
    assert list(after) == [*before, newest]
    assert state.exists == 4
    conn.logout()


def test_a_new_search_finds_mail_that_arrived_just_before_it(alice):
    # Dovecot runs a SORT on the folder as this session last saw it and reports the new mail
    # after it: the NOOP before a search is what lets the search see it.
    uids = [alice.append("INBOX", make_message(subject=f"budget {i}")) for i in range(2)]
    conn = open_as(alice)
    conn.select("INBOX")
    newest = alice.append("INBOX", make_message(subject="budget new"))
    state, found, _ = conn.search_sorted("INBOX", [Atom("SUBJECT"), "budget"], "arrival")
    assert list(found) == [*uids, newest]
    assert state.exists == 3
    conn.logout()


def test_expunge_from_another_connection_invalidates_the_order(alice):
    uids = [alice.append("INBOX", make_message(subject=f"m{i}")) for i in range(3)]
    conn = open_as(alice)
    conn.sorted_uids("INBOX", "arrival")
    other = alice.client()
    other.select_folder("INBOX")
    other.delete_messages([uids[1]])
    other.expunge()
    _, after, _ = conn.sorted_uids("INBOX", "arrival")
    assert list(after) == [uids[0], uids[2]]
    conn.logout()


def test_order_cached_on_another_folder_is_checked_after_reselect(alice):
    alice.append("INBOX", make_message(subject="a"))
    alice.create_folder("Other")
    conn = open_as(alice)
    conn.sorted_uids("INBOX", "date")
    conn.select(alice.folder("Other"))
    alice.append("INBOX", make_message(subject="b"))
    _, after, _ = conn.sorted_uids("INBOX", "date")
    assert len(after) == 2
    conn.logout()


def test_summaries_decode_subject_sender_flags_and_attachment(alice):
    uid = alice.append(
        "INBOX",
        make_message(
            subject="Grüße — 東京",
            sender="Jürgen Größ <j@example.org>",
            attachments=[("report.pdf", "application/pdf", b"%PDF-1.4 test")],
        ),
        flags=["\\Flagged", "\\Answered"],
    )
    plain = alice.append("INBOX", make_message(subject="plain"))
    conn = open_as(alice)
    conn.select("INBOX")
    rows = {row.uid: row for row in conn.fetch_summaries([uid, plain])}
    assert rows[uid].subject == "Grüße — 東京"
    assert rows[uid].sender.name == "Jürgen Größ"
    assert rows[uid].sender.email == "j@example.org"
    assert rows[uid].flagged and rows[uid].answered and not rows[uid].seen
    assert rows[uid].has_attachment
    assert not rows[plain].has_attachment
    conn.logout()


def test_rows_of_an_unchanged_folder_are_not_fetched_again(alice):
    uids = [alice.append("INBOX", make_message(subject=f"m{i}")) for i in range(3)]
    conn = open_as(alice)
    conn.select("INBOX")
    first = conn.fetch_summaries(uids)
    commands = conn.commands
    conn.select("INBOX")
    again = conn.fetch_summaries(list(reversed(uids)))
    assert [row.uid for row in again] == list(reversed(uids))
    assert again == list(reversed(first))
    assert conn.commands == commands + 1  # the NOOP of select; no FETCH
    conn.logout()


def test_a_flag_set_by_another_session_shows_in_the_next_rows(alice):
    uids = [alice.append("INBOX", make_message(subject=f"m{i}")) for i in range(3)]
    conn = open_as(alice)
    conn.select("INBOX")
    assert not any(row.flagged for row in conn.fetch_summaries(uids))
    other = alice.client()
    other.select_folder("INBOX")
    other.add_flags([uids[1]], ["\\Flagged"])
    other.logout()
    conn.select("INBOX")
    rows = {row.uid: row for row in conn.fetch_summaries(uids)}
    assert rows[uids[1]].flagged
    assert not rows[uids[0]].flagged
    conn.logout()


def test_a_flag_change_that_arrives_with_our_fetch_forgets_the_rows(alice):
    # No NOOP in between: Dovecot reports the other session's change as an untagged FETCH inside
    # the answer to our next FETCH, for a message we did not ask for.
    uids = [alice.append("INBOX", make_message(subject=f"m{i}")) for i in range(3)]
    conn = open_as(alice)
    conn.select("INBOX")
    assert not any(row.flagged for row in conn.fetch_summaries(uids[:2]))
    other = alice.client()
    other.select_folder("INBOX")
    other.add_flags([uids[0]], ["\\Flagged"])
    other.logout()
    (third,) = conn.fetch_summaries([uids[2]])
    assert third.uid == uids[2] and not third.flagged
    commands = conn.commands
    rows = {row.uid: row for row in conn.fetch_summaries(uids)}
    assert conn.commands == commands + 1  # the kept rows were dropped: fetched again
    assert rows[uids[0]].flagged
    conn.logout()


def test_a_state_changing_command_forgets_the_rows(alice):
    uid = alice.append("INBOX", make_message(subject="m"))
    conn = open_as(alice)
    conn.select("INBOX")
    conn.fetch_summaries([uid])
    conn.store_flags([uid], ["\\Seen"], add=True)  # any flag, move or delete command
    (row,) = conn.fetch_summaries([uid])
    assert row.seen
    conn.logout()


def test_rows_of_another_folder_are_not_served_after_reselect(alice):
    alice.create_folder("Other")
    inbox = alice.append("INBOX", make_message(subject="in inbox"))
    other = alice.append("Other", make_message(subject="in other"))
    assert inbox == other  # both folders start at UID 1
    conn = open_as(alice)
    conn.select("INBOX")
    conn.fetch_summaries([inbox])
    conn.select(alice.folder("Other"))
    (row,) = conn.fetch_summaries([other])
    assert row.subject == "in other"
    conn.logout()


def test_missing_folder_is_folder_not_found(alice):
    conn = open_as(alice)
    with pytest.raises(FolderNotFound):
        conn.select("Does/Not/Exist")
    conn.logout()


@pytest.mark.parametrize("name", ["INBOX\r\nA1 DELETE INBOX", "a\x00b", "", "x" * 1001])
def test_folder_names_that_could_inject_commands_are_refused(name):
    with pytest.raises(InvalidName):
        check_folder_name(name)


@pytest.mark.only_on(
    "dovecot",
    reason='Cyrus refuses " and \\ in folder names (test_folders_servers.py shows its refusal)',
)
def test_quotes_and_backslashes_in_folder_names_are_sent_quoted(alice):
    alice.create_folder('Quote " and \\ backslash')
    conn = open_as(alice)
    assert conn.select('Quote " and \\ backslash').exists == 0
    conn.logout()


def test_server_closing_the_connection_is_connection_dropped(alice):
    conn = open_as(alice)
    conn.select("INBOX")
    alice.dovecot.kick(alice.username)
    with pytest.raises(ConnectionDropped):
        conn.noop()
    assert conn.broken


def test_a_server_that_stops_answering_mid_session_times_out(alice):
    """The user's imap process is frozen (SIGSTOP): the connection is open but silent."""
    conn = open_as(alice)  # logged in with the usual patience (Cyrus' ID can be slow)...
    conn.select("INBOX")
    conn._wire.settimeout(0.5)  # ...then a short timeout for the command under test
    pids = imap_pids(alice.dovecot, alice.username)
    assert pids
    with frozen(pids):
        started = time.monotonic()
        with pytest.raises(ServerTimeout):
            conn.noop()
        assert time.monotonic() - started < 3
    assert conn.broken


def test_fetch_message_returns_what_was_asked_as_typed_values(alice):
    outer = make_message(subject="Outer", text="body text\n")
    outer.add_attachment(make_message(subject="Inner", text="inside\n"))  # message/rfc822, part 2
    uid = alice.append("INBOX", outer, flags=["\\Flagged"])
    conn = open_as(alice)
    conn.select("INBOX")
    head = conn.fetch_message(
        uid, flags=True, size=True, structure=True, header_fields=["SUBJECT", "FROM"]
    )
    assert head is not None
    assert head.flags == {"\\Flagged"}
    assert head.size > 0
    assert head.structure is not None
    assert b"Subject: Outer" in head.headers and b"From:" in head.headers
    assert b"To:" not in head.headers
    assert head.sections == {}

    attached = conn.fetch_message(uid, header_fields=["SUBJECT"], header_of="2")
    assert attached is not None and b"Subject: Inner" in attached.headers

    parts = conn.fetch_message(uid, sections=["1", ""], piece=(0, 4))
    assert parts is not None
    assert parts.sections["1"] == b"body"
    assert len(parts.sections[""]) == 4
    whole = conn.fetch_message(uid, sections=["1"])
    assert whole is not None and whole.sections["1"].rstrip() == b"body text"
    after = conn.fetch_message(uid, flags=True)
    assert after is not None and after.flags == {"\\Flagged"}  # reading did not mark it \\Seen
    conn.logout()


def test_fetch_message_of_a_gone_message_is_none_and_syntax_is_refused(alice):
    conn = open_as(alice)
    conn.select("INBOX")
    assert conn.fetch_message(4242, flags=True) is None
    with pytest.raises(ValueError):
        conn.fetch_message(1, sections=["1]<0.1> BODY[2"])
    with pytest.raises(ValueError):
        conn.fetch_message(1, header_fields=["SUBJECT)] BODY[1"])
    conn.logout()
