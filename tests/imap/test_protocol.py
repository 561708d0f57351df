"""The protocol core without a server: recorded Dovecot and Cyrus output framed and parsed, the
refusals classified, commands encoded; property tests of the encoder/parser round trip."""

from __future__ import annotations

from array import array
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from imapclient import imap_utf7

from mailview.imap import errors
from mailview.imap.criteria import imap_string
from mailview.imap.protocol import utf7
from mailview.imap.protocol.commands import (
    Literal,
    astring,
    encode_command,
    quoted,
    sequence_set,
    string,
)
from mailview.imap.protocol.dates import internaldate, parse_datetime
from mailview.imap.protocol.responses import (
    WIDE_ANSWER,
    Continuation,
    Data,
    Framer,
    Status,
    capabilities,
    esearch_all,
    fetch_dict,
    list_entry,
    number_array,
    numbers,
    parse_response,
    parse_sequence_set,
    quota_resources,
    status_items,
    thread_uids,
)
from mailview.imap.protocol.syntax import ResponseSyntaxError
from mailview.imap.types import FolderInfo
from mailview.imap.values import decode_text, fetch_values, summary_from_fetch
from mailview.mime.parse import parse_bodystructure

from . import transcripts as t


def responses(wire: bytes, chunk: int | None = None) -> list:
    """Every complete response in `wire`, fed to a Framer whole or `chunk` bytes at a time."""
    framer = Framer()
    out = []
    step = chunk or len(wire) or 1
    for start in range(0, len(wire), step):
        framer.feed(wire[start : start + step])
        while (records := framer.next_response()) is not None:
            out.append(parse_response(records))
    assert framer.buffered == 0
    return out


def data(wire: bytes, kind: str) -> list[Data]:
    return [r for r in responses(wire) if isinstance(r, Data) and r.kind == kind]


# -- greetings, status responses, response codes ------------------------------------------------


@pytest.mark.parametrize("greeting", [t.DOVECOT_GREETING, t.CYRUS_GREETING])
def test_capabilities_come_in_the_greeting_code(greeting):
    (status,) = responses(greeting)
    assert isinstance(status, Status) and status.tag == b"*" and status.ok
    assert status.code.name == "CAPABILITY"
    caps = capabilities(status.code.args)
    assert {"IMAP4REV1", "LITERAL+", "STARTTLS", "AUTH=PLAIN"} <= caps


def test_select_gives_exists_and_the_state_codes():
    parsed = responses(t.SELECT)
    assert [r.number for r in parsed if isinstance(r, Data) and r.kind == "EXISTS"] == [12]
    codes = {r.code.name: r.code.numbers() for r in parsed if isinstance(r, Status) and r.code}
    assert codes["UIDVALIDITY"] == [1764752000]
    assert codes["UIDNEXT"] == [44]
    assert codes["HIGHESTMODSEQ"] == [91]
    assert parsed[-1].tag == b"A14" and parsed[-1].code.name == "READ-WRITE"


def test_move_reports_copyuid_in_an_untagged_ok():
    parsed = responses(t.MOVE)
    (code,) = [r.code for r in parsed if isinstance(r, Status) and r.code]
    assert code.name == "COPYUID"
    assert code.args.split() == [b"1764752001", b"4:6", b"9:11"]
    assert parse_sequence_set("4:6") == [4, 5, 6]
    assert parse_sequence_set("12:11,3") == [11, 12, 3]


@pytest.mark.parametrize("wire", [t.BYE, t.CYRUS_BYE])
def test_bye_is_an_untagged_status(wire):
    (bye,) = responses(wire)
    assert isinstance(bye, Status) and bye.status == "BYE" and bye.tag == b"*"


def test_idle_continuation_and_what_arrives_while_idling():
    parsed = responses(t.IDLE)
    assert isinstance(parsed[0], Continuation) and parsed[0].text == b"idling"
    assert (parsed[1].kind, parsed[1].number) == ("EXISTS", 13)
    assert fetch_dict(parsed[2]) == {b"UID": 40, b"FLAGS": (b"\\Seen",)}
    assert parsed[3].tag == b"A16"
    assert isinstance(responses(b"+ \r\n")[0], Continuation)
    assert isinstance(responses(b"+\r\n")[0], Continuation)


@pytest.mark.parametrize(
    ("line", "expected"),
    [*t.DOVECOT_REFUSALS.items(), *t.CYRUS_REFUSALS.items()],
)
def test_refusals_are_classified_by_code_then_by_phrasing(line, expected):
    (status,) = responses(line + b"\r\n")
    error = errors.refusal("CMD", status)
    assert type(error).__name__ == expected
    assert isinstance(error, errors.CommandFailed)
    assert str(error).startswith("CMD: ")


def test_a_refused_name_is_both_an_invalid_name_and_a_refusal():
    (status,) = responses(b"A3 NO Invalid mailbox name\r\n")
    error = errors.refusal("CREATE", status)
    assert isinstance(error, errors.InvalidName)
    assert error.user_message == errors.InvalidName.user_message


def test_rfc5530_codes_are_kept_on_the_status():
    (status,) = responses(b"A4 NO [OVERQUOTA] Quota exceeded\r\n")
    assert status.code.name == "OVERQUOTA" and status.text == "Quota exceeded"
    assert str(status) == "NO [OVERQUOTA] Quota exceeded"


# -- data responses ------------------------------------------------------------------------------


def test_dovecot_list_status_gives_names_flags_and_counts():
    entries = [list_entry(r) for r in data(t.DOVECOT_LIST_STATUS, "LIST")]
    names = [utf7.decode(name) for _f, _d, name in entries]
    assert names == ["INBOX", "Sent", "Projects 2026", "Projects 2026/Été"]
    assert {d for _f, d, _n in entries} == {b"/"}
    assert b"\\Sent" in entries[1][0]
    counts = dict(status_items(r) for r in data(t.DOVECOT_LIST_STATUS, "STATUS"))
    assert counts[b"Projects 2026/&AMk-t&AOk-"] == {"MESSAGES": 1, "UNSEEN": 1}


def test_cyrus_lower_case_special_use_flags_are_recognised():
    entries = [list_entry(r) for r in data(t.CYRUS_LIST_STATUS, "LIST")]
    infos = [
        FolderInfo(utf7.decode(n), d.decode(), frozenset(f.decode() for f in flags))
        for flags, d, n in entries
    ]
    assert [i.special_use for i in infos] == [None, "\\Sent", "\\Trash", None]
    assert infos[-1].name == 'odd "name"'  # a name sent as a literal


def test_esearch_sort_search_and_thread():
    (esearch,) = data(t.DOVECOT_ESEARCH, "ESEARCH")
    assert esearch_all(esearch) == [3, 4, 5, 9, 11, 12]
    (empty,) = data(t.CYRUS_ESEARCH_EMPTY, "ESEARCH")
    assert esearch_all(empty) == []
    (sort,) = data(t.SORT, "SORT")
    assert numbers(sort) == [9, 3, 5, 4]
    assert number_array(sort) == array("I", [9, 3, 5, 4])  # a folder's kept order
    (search,) = data(t.SEARCH_MODSEQ, "SEARCH")
    assert numbers(search) == [2, 5, 7]
    assert number_array(search) == array("I", [2, 5, 7])
    (thread,) = data(t.THREAD, "THREAD")
    assert thread_uids(thread) == [[2], [3, 6, 4, 23, 44, 7, 96]]


def a_sort_answer(numbers: list[int] | list[int | str]) -> Data:
    line = b"* SORT " + " ".join(map(str, numbers)).encode()
    (sort,) = data(t.wire(line, b"A8 OK Sort completed."), "SORT")
    return sort


def test_a_large_folders_sort_answer_is_read_whole_and_in_order():
    order = [(i * 7919) % 200_003 + 1 for i in range(200_003)]  # every UID once, shuffled
    sort = a_sort_answer(order)
    assert len(sort.line) > WIDE_ANSWER  # read by the wide (numpy) path
    assert number_array(sort) == array("I", order)
    assert number_array(a_sort_answer([*order, 4_294_967_295]))[-1] == 4_294_967_295


@pytest.mark.parametrize(
    "bad",
    ["x", "-1", "4294967296", "99999999999999999999", "1.5", "0x10", "1,2"],
)
def test_a_large_sort_answer_with_a_word_that_is_no_uid_is_a_syntax_error(bad):
    with pytest.raises(ResponseSyntaxError):
        number_array(a_sort_answer([*range(1, 20_000), bad, 20_001]))


def test_status_and_quota():
    (status,) = data(t.STATUS, "STATUS")
    assert status_items(status) == (
        b"Projects 2026",
        {"MESSAGES": 231, "UIDNEXT": 44292, "UNSEEN": 2},
    )
    (quota,) = data(t.QUOTA, "QUOTA")
    assert quota_resources(quota) == (b"User quota", [("STORAGE", 10, 512), ("MESSAGE", 4, 1000)])


@pytest.mark.parametrize("chunk", [None, 1, 7, 64])
def test_fetch_with_literals_frames_the_same_however_the_bytes_arrive(chunk):
    parsed = [r for r in responses(t.FETCH_WITH_LITERALS, chunk) if isinstance(r, Data)]
    first = fetch_values(fetch_dict(parsed[0]))
    assert first[b"BODY[1]<0>"] == t.BODY_TEXT  # "{5}" and ")" inside a literal are data
    assert first[b"BODY[HEADER.FIELDS (CONTENT-TYPE)]"] == t.HEADER
    row = summary_from_fetch(first[b"UID"], first)
    assert row.subject == t.SUBJECT.decode()
    assert row.has_attachment and row.sender.email == "wei@shop.example"
    assert row.received == datetime(2026, 10, 6, 4, 23, 9, tzinfo=UTC)
    assert row.date == datetime(2026, 10, 16, 6, 22, 22, tzinfo=timezone(-timedelta(hours=3.5)))
    structure = parse_bodystructure(fetch_dict(parsed[1])[b"BODYSTRUCTURE"])
    assert structure.mimetype == "multipart/mixed"
    assert [(p.section, p.mimetype, p.filename) for p in structure.children] == [
        ("1", "text/plain", None),
        ("2", "application/pdf", "r.pdf"),
    ]
    assert parsed[2].number == 3 and fetch_dict(parsed[2]) == {b"FLAGS": (b"\\Seen", b"\\Flagged")}


def test_literal8_and_non_synchronizing_markers_are_literals():
    (fetch,) = responses(t.LITERAL8)
    assert fetch_dict(fetch)[b"BINARY[1]"] == b"\x00\x01\xff"
    (plus,) = responses(b"* 1 FETCH (BODY[] {3+}\r\nabc)\r\n")
    assert fetch_dict(plus)[b"BODY[]"] == b"abc"


def test_nonsense_is_a_syntax_error():
    for wire in (b"\r\n", b"A1 FETCH 1\r\n", b"* \r\n"):
        with pytest.raises(ResponseSyntaxError):
            responses(wire)
    with pytest.raises(ResponseSyntaxError):
        fetch_dict(responses(b"* 1 FETCH (UID\r\n")[0])


# -- commands ------------------------------------------------------------------------------------


def test_commands_split_at_synchronizing_literals_unless_literal_plus():
    words = (b"APPEND", b"INBOX", b"(\\Seen)", Literal(b"body"))
    assert encode_command(b"A1", words, literal_plus=False) == [
        b"A1 APPEND INBOX (\\Seen) {4}\r\n",
        b"body\r\n",
    ]
    assert encode_command(b"A1", words, literal_plus=True) == [
        b"A1 APPEND INBOX (\\Seen) {4+}\r\nbody\r\n"
    ]
    assert encode_command(b"A2", (b"X", Literal(b"\0", binary=True)), True) == [
        b"A2 X ~{1+}\r\n\0\r\n"
    ]


def test_strings_are_atoms_quoted_or_literals():
    assert astring(b"INBOX") == b"INBOX"
    assert astring(b"NIL") == b'"NIL"'
    assert astring(b"a b") == b'"a b"'
    assert astring(b'a"\\') == b'"a\\"\\\\"'
    assert astring(b"a\r\nLOGOUT") == Literal(b"a\r\nLOGOUT")
    assert string(b"caf\xc3\xa9") == Literal(b"caf\xc3\xa9")
    assert imap_string("x\r\ny") == b'"x  y"'
    with pytest.raises(ValueError):
        quoted(b"\n")


def test_sequence_sets_compress_runs():
    assert sequence_set([1, 2, 3, 7, 9, 10]) == b"1:3,7,9:10"
    assert sequence_set([5, 4]) == b"5,4"
    assert sequence_set([4]) == b"4"
    with pytest.raises(ValueError):
        sequence_set([])


def test_dates_both_ways():
    when = datetime(2026, 10, 6, 6, 23, 9, tzinfo=timezone(timedelta(hours=2)))
    assert internaldate(when) == b'"06-Oct-2026 06:23:09 +0200"'
    assert parse_datetime(internaldate(when).strip(b'"')) == when
    assert parse_datetime(b"Sat, 8 May 2010 16.03.09 +0200") == datetime(
        2010, 5, 8, 16, 3, 9, tzinfo=timezone(timedelta(hours=2))
    )
    assert parse_datetime(b"not a date") is None


def test_modified_utf7_known_names():
    assert utf7.encode("Entwürfe") == b"Entw&APw-rfe"
    assert utf7.encode("A&B") == b"A&-B"
    assert utf7.encode("台北") == b"&U,BTFw-"
    assert utf7.decode(b"&U,BTFw-") == "台北"
    assert utf7.decode(b"broken &Zm9v") == "broken &Zm9v"  # no closing "-": kept as sent


# -- properties ----------------------------------------------------------------------------------

texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


def value_of(argument) -> bytes:
    """The value a server (our parser) reads for one encoded argument."""
    if isinstance(argument, Literal):
        wire = b"* X " + b"{%d}\r\n" % len(argument.data) + argument.data + b"\r\n"
    else:
        wire = b"* X " + argument + b"\r\n"
    (response,) = responses(wire)
    (value,) = response.values()
    if value is None:
        return b"NIL"
    return str(value).encode() if isinstance(value, int) else value


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=60))
def test_any_bytes_encoded_as_a_string_parse_back_equal(raw):
    assert value_of(string(raw)) == raw
    assert value_of(astring(raw)) == raw


@settings(max_examples=200, deadline=None)
@given(texts)
def test_any_search_text_reaches_the_server_as_the_same_text(text):
    cleaned = "".join(" " if ord(ch) < 32 or ord(ch) == 127 else ch for ch in text)
    assert value_of(imap_string(text)).decode("utf-8") == cleaned


@settings(max_examples=300, deadline=None)
@given(texts)
def test_modified_utf7_round_trips_and_matches_imapclient(name):
    encoded = utf7.encode(name)
    assert encoded.isascii()
    assert utf7.decode(encoded) == name
    assert encoded == imap_utf7.encode(name)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=20), min_size=1, max_size=5), st.integers(1, 50))
def test_any_literals_frame_the_same_in_any_chunks(literals, chunk):
    line = b"* 1 FETCH (" + b" ".join(
        b"X%d {%d}\r\n%s" % (i, len(v), v) for i, v in enumerate(literals)
    )
    wire = line + b")\r\n"
    (response,) = responses(wire, chunk)
    items = fetch_dict(response)
    assert [items[b"X%d" % i] for i in range(len(literals))] == literals


def test_header_text_decodes():
    assert decode_text(b"=?utf-8?q?Gr=C3=BC=C3=9Fe?=") == "Grüße"


def test_raw_8bit_header_text_is_read_as_utf8_whether_bytes_or_smuggled_in_a_str():
    raw = "Grüße".encode()
    assert decode_text(raw) == "Grüße"
    assert decode_text(raw.decode("ascii", "surrogateescape")) == "Grüße"  # as email.parser has it
    assert decode_text(b"caf\xe9") == "caf\ufffd"  # not UTF-8: marked, never an error
    assert decode_text("caf\udce9") == "caf\ufffd"
