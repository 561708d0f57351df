"""NOTIFY (RFC 5465) and the folder tree's scans (mailview/imap/notify.py), without a server:
the responses are Dovecot 2.3's own words, recorded while a client deleted, renamed and wrote
to folders of a user in NOTIFY."""

from __future__ import annotations

from mailview.imap.notify import (
    NOTIFY_SET,
    MailboxListed,
    MailboxStatus,
    Scan,
    TreeState,
    parse_notification,
    parse_scan,
    scan_command,
)
from mailview.imap.protocol.responses import parse_response


def response(line: bytes):
    return parse_response([line])


def test_notify_set_asks_for_the_subscribed_folders_and_keeps_the_selected_one():
    assert b" ".join(NOTIFY_SET) == (
        b"NOTIFY SET (selected (MessageNew MessageExpunge FlagChange))"
        b" (subscribed (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange))"
    )


def test_status_and_list_notifications_are_parsed():
    status = parse_notification(
        response(b"* STATUS Work (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 17 UNSEEN 1 HIGHESTMODSEQ 2)")
    )
    assert status == MailboxStatus(
        "Work", {"MESSAGES": 1, "UIDNEXT": 2, "UIDVALIDITY": 17, "UNSEEN": 1, "HIGHESTMODSEQ": 2}
    )
    gone = parse_notification(response(b'* LIST (\\NonExistent) "/" Other'))
    assert gone == MailboxListed("Other", frozenset({"\\NonExistent"}))
    assert not gone.selectable
    renamed = parse_notification(response(b'* LIST () "/" "New &AOk-t&AOk-" ("OLDNAME" ("Old"))'))
    assert renamed == MailboxListed("New été", frozenset(), old="Old")
    assert parse_notification(response(b"* 3 EXISTS")) is None
    assert parse_notification(response(b"* STATUS Work garbage")) is None


def test_scan_is_one_list_status_where_offered_else_lsub_and_status():
    extended = frozenset({"LIST-EXTENDED", "LIST-STATUS"})
    assert scan_command(extended) == (
        b"LIST",
        b"(SUBSCRIBED)",
        b'""',
        b'"*"',
        b"RETURN (STATUS (MESSAGES UNSEEN))",
    )
    assert scan_command(frozenset({"LIST-EXTENDED"})) is None
    names = (b"LIST", b"(SUBSCRIBED)", b'""', b'"*"')
    assert scan_command(extended, counts=False) == names  # NOTIFY's recheck: no folder opened
    assert scan_command(frozenset(), counts=False) == (b"LSUB", b'""', b'"*"')
    scan = parse_scan(
        [
            response(b'* LIST (\\Subscribed \\HasNoChildren) "/" INBOX'),
            response(b"* STATUS INBOX (MESSAGES 4 UNSEEN 2)"),
            response(b'* LIST (\\Subscribed \\NonExistent) "/" Deleted'),
            response(b'* LSUB () "." INBOX.Work'),
            response(b"* STATUS INBOX.Work (MESSAGES 0 UNSEEN 0)"),
        ]
    )
    assert scan.counts == {"INBOX": (2, 4), "INBOX.Work": (0, 0)}


def test_the_first_scan_seeds_later_ones_say_what_changed_and_what_is_gone():
    state = TreeState()
    first = state.apply_scan(Scan({"INBOX": (1, 3), "Work": (0, 2), "Team": (0, 0)}))
    assert not first  # the page asked its counts itself
    later = state.apply_scan(Scan({"INBOX": (1, 3), "Work": (1, 3)}))
    assert later.counts == {"Work": (1, 3)}
    assert later.gone == ["Team"]
    names_only = state.apply_scan(Scan({"INBOX": None, "Work": None}))
    assert not names_only and state.counts == {"INBOX": (1, 3), "Work": (1, 3)}  # counts kept


def test_notifications_change_counts_ask_for_missing_ones_and_remove_folders():
    state = TreeState()
    state.apply_scan(Scan({"INBOX": (0, 0), "Work": (1, 1), "Other": (0, 0)}))
    changes = state.apply(
        [
            MailboxStatus("Work", {"UNSEEN": 0, "HIGHESTMODSEQ": 3}),  # a flag change
            MailboxListed("Other", frozenset({"\\NonExistent"})),
            MailboxStatus("Other", {"MESSAGES": 0, "UNSEEN": 0}),
            MailboxListed("Fresh", frozenset({"\\Subscribed"})),
        ]
    )
    assert changes.counts == {"Work": (0, 1)}
    assert changes.gone == ["Other"]
    assert changes.ask == ["Fresh"]
    renamed = state.apply([MailboxListed("Job", frozenset({"\\Subscribed"}), old="Work")])
    assert renamed.gone == ["Work"] and renamed.ask == ["Job"]
    unknown = state.apply([MailboxStatus("Elsewhere", {"UNSEEN": 1})])
    assert unknown.ask == ["Elsewhere"] and not unknown.counts
