"""Untagged responses -> changes (mailview/imap/changes.py): the pure half of the watcher."""

from __future__ import annotations

from array import array

import pytest

from mailview.imap.changes import (
    Bye,
    Code,
    Exists,
    Expunge,
    FetchFlags,
    FolderState,
    Vanished,
    apply_untagged,
    parse_untagged,
)
from mailview.imap.protocol.responses import parse_response, parse_sequence_set


def parse(*records):
    return parse_untagged(parse_response(list(records)))


def test_exists_expunge_and_codes_are_parsed():
    assert parse(b"* 12 EXISTS") == Exists(12)
    assert parse(b"* 3 EXPUNGE") == Expunge(3)
    assert parse(b"* OK [UIDNEXT 44] Predicted next UID") == Code("UIDNEXT", 44)
    assert parse(b"* OK [HIGHESTMODSEQ 9] Highest") == Code("HIGHESTMODSEQ", 9)
    assert parse(b"* BYE Server shutting down.") == Bye("Server shutting down.")


def test_fetch_with_uid_modseq_and_flags_is_parsed():
    item = parse(b"* 4 FETCH (UID 20 MODSEQ (12) FLAGS (\\Seen \\Recent $Label))")
    assert item == FetchFlags(seq=4, uid=20, flags=frozenset({"\\Seen", "$Label"}), modseq=12)


def test_vanished_ranges_are_expanded():
    assert parse(b"* VANISHED 3:5,9") == Vanished((3, 4, 5, 9), earlier=False)
    assert parse(b"* VANISHED (EARLIER) 7") == Vanished((7,), earlier=True)


def test_a_huge_vanished_range_asks_for_a_reload():
    item = parse(b"* VANISHED 1:4000000000")
    assert item == Vanished((), earlier=False)
    changes = apply_untagged(FolderState(uidnext=10), [item])
    assert changes.reset


def test_other_responses_are_ignored():
    assert parse(b"* OK Still here") is None
    assert parse(b"* 2 RECENT") is None
    assert parse(b"* 4 FETCH (UID 20 FLAGS (\\Seen") is None  # unparsable: ignored, not fatal


@pytest.mark.parametrize(("text", "uids"), [("1", (1,)), ("5:3", (3, 4, 5)), ("1,3:4", (1, 3, 4))])
def test_uid_sets(text, uids):
    assert tuple(parse_sequence_set(text)) == uids


def test_exists_growing_means_new_mail():
    state = FolderState(uidnext=10, exists=5)
    changes = apply_untagged(state, [Exists(6)])
    assert changes.new and state.exists == 6
    assert not apply_untagged(state, [Exists(6)])


def test_qresync_vanished_and_flag_fetches():
    state = FolderState(uidnext=30, exists=5, highestmodseq=3)
    changes = apply_untagged(
        state,
        [
            parse(b"* VANISHED 21"),
            parse(b"* 2 FETCH (UID 22 MODSEQ (8) FLAGS (\\Flagged))"),
            parse(b"* 3 FETCH (UID 23 MODSEQ (7) FLAGS ())"),
        ],
    )
    assert changes.expunged == [21]
    assert changes.flags == {22: frozenset({"\\Flagged"}), 23: frozenset()}
    assert state.exists == 4 and state.highestmodseq == 8


def test_without_qresync_sequence_numbers_map_to_uids():
    state = FolderState(uidnext=50, exists=3, uids=array("L", [10, 20, 30]))
    changes = apply_untagged(
        state,
        [
            parse(b"* 2 EXPUNGE"),  # UID 20
            parse(b"* 2 FETCH (FLAGS (\\Seen))"),  # now UID 30
        ],
    )
    assert changes.expunged == [20]
    assert changes.flags == {30: frozenset({"\\Seen"})}
    assert list(state.uids) == [10, 30] and state.exists == 2


def test_flags_of_a_message_not_yet_fetched_are_left_to_the_new_row():
    state = FolderState(uidnext=50, exists=1, uids=array("L", [10]))
    changes = apply_untagged(state, [Exists(2), parse(b"* 2 FETCH (FLAGS (\\Seen))")])
    assert changes.new and not changes.flags


def test_a_flag_change_then_expunge_reports_only_the_expunge():
    state = FolderState(uidnext=50, exists=2)
    changes = apply_untagged(
        state, [parse(b"* 1 FETCH (UID 7 FLAGS (\\Deleted))"), parse(b"* VANISHED 7")]
    )
    assert changes.expunged == [7] and changes.flags == {}
