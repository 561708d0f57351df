"""mailview.imap.protocol.syntax: IMAP response syntax to Python values, imapclient's values.

imapclient's public parser (a test dependency only) is the reference: every generated response
must parse to exactly what it gives (its typed ENVELOPE compared field by field with ours).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from imapclient.response_parser import gen_parsed_response, parse_fetch_response

from mailview.imap.protocol.syntax import ResponseSyntaxError, fetch_items, parse_values
from mailview.imap.values import (
    Envelope,
    EnvelopeAddress,
    fetch_values,
    parse_fetch_lines,
    summary_from_fetch,
)

CONTENT_TYPE = b'Content-Type: multipart/mixed; b="x"\r\n\r\n'
DOVECOT_ROW = (
    b'7 (UID 2951 FLAGS (\\Seen $Forwarded) RFC822.SIZE 3736 INTERNALDATE " 6-Oct-2026 06:23:09'
    b' +0200" ENVELOPE ("Fri, 16 Oct 2026 06:22:22 -0330" "=?utf-8?q?Gr=C3=BC=C3=9Fe?=" (("Wei'
    b' \\"the boss\\" Costa" NIL "wei.costa" "shop.example")) NIL NIL ((NIL NIL "team" NIL)'
    b'("Ann" NIL "ann" "example.org")(NIL NIL NIL NIL)) NIL NIL NIL "<I1@dev.example>")'
    b" BODY[HEADER.FIELDS (CONTENT-TYPE)] {%d}" % len(CONTENT_TYPE),
    CONTENT_TYPE,
)


def reference(records: list) -> list:
    return list(gen_parsed_response(records))


def ours(value):
    """imapclient's typed values as ours (an ENVELOPE of our dataclasses)."""
    if type(value).__name__ == "Envelope":
        lists = [
            tuple(EnvelopeAddress(a.name, a.route, a.mailbox, a.host) for a in group)
            if group is not None
            else None
            for group in (value.from_, value.sender, value.reply_to, value.to, value.cc, value.bcc)
        ]
        return Envelope(value.date, value.subject, *lists, value.in_reply_to, value.message_id)
    return value


def reference_fetch(records: list) -> dict:
    parsed = parse_fetch_response(records, normalise_times=False, uid_is_key=False)
    return {
        seq: {k: ours(v) for k, v in items.items() if k != b"SEQ"} for seq, items in parsed.items()
    }


def test_a_dovecot_list_row_parses_as_imapclient_parses_it():
    records = [DOVECOT_ROW, b")"]
    assert parse_values(records) == reference(records)
    assert parse_fetch_lines(records) == reference_fetch(records)


def test_a_list_row_becomes_the_summary_the_list_shows():
    data = parse_fetch_lines([DOVECOT_ROW, b")"])[7]
    row = summary_from_fetch(data[b"UID"], data)
    assert row.uid == 2951
    assert row.subject == "Grüße"
    assert str(row.sender) == 'Wei "the boss" Costa'
    assert row.sender.email == "wei.costa@shop.example"
    # The group's start and end markers are not recipients.
    assert [a.email for a in row.to] == ["ann@example.org"]
    assert row.flags == frozenset({"\\Seen", "$Forwarded"})
    assert row.size == 3736
    assert row.has_attachment
    assert row.date == datetime(2026, 10, 16, 6, 22, 22, tzinfo=timezone(-timedelta(minutes=210)))
    assert row.received == datetime(2026, 10, 6, 4, 23, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("records", "values"),
    [
        ([b'1 "a\\\\b\\"c\\x"'], [1, b'a\\b"c\\x']),  # only \\ and \" are escapes
        ([b"007 0 NIL nil Nil"], [b"007", 0, None, b"nil", b"Nil"]),
        ([b"() (()) (NIL)"], [(), ((),), (None,)]),
        ([b'BODY[HEADER.FIELDS ("A" B)]<0> X'], [b'BODY[HEADER.FIELDS ("A" B)]<0>', b"X"]),
        ([b'"a"b'], [b"a", b"b"]),
        ([b"a%b"], [b"a", b"%", b"b"]),
        ([(b"1 (BODY[] {3}", b"x\r\n"), b" FLAGS ())"], [1, (b"BODY[]", b"x\r\n", b"FLAGS", ())]),
        ([b"  \t1  "], [1]),
    ],
)
def test_tokens_and_values_follow_imapclient(records, values):
    assert parse_values(records) == values == reference(records)


@pytest.mark.parametrize(
    "records",
    [
        [b'1 ("unclosed)'],
        [b"1 (BODY[HEADER x)"],
        [b"1 (a))"],
        [b"1 ((a)"],
        [(b"1 (BODY[] {4}", b"abc"), b")"],  # the literal is shorter than announced
        [(b"1 (BODY[] x", b"abc"), b")"],  # a literal without its marker
        [b"1 (BODY[] {3})"],  # a marker without its literal
    ],
)
def test_broken_syntax_is_refused(records):
    with pytest.raises(ResponseSyntaxError):
        parse_values(records)


def test_a_fetch_response_without_its_list_is_refused():
    with pytest.raises(ResponseSyntaxError):
        list(fetch_items([b"1 UID 5"]))
    with pytest.raises(ValueError, match="unparsable FETCH"):
        parse_fetch_lines([b"1 (UID"])


def test_an_envelope_of_the_wrong_shape_leaves_the_row_without_it():
    data = fetch_values({b"ENVELOPE": (b"date", b"subject"), b"UID": 3})
    assert data[b"ENVELOPE"] is None
    assert summary_from_fetch(3, data).subject == ""


def test_dates_the_fast_path_reads_equal_the_general_parser():
    for raw in (
        b" 6-Oct-2026 06:23:09 +0200",
        b"16-Oct-2026 23:59:59 -1200",
        b"Fri, 16 Oct 2026 06:22:22 +0000",
        b"16 Oct 2026 06:22:22 +0530",
        b"Fri, 16 Oct 2026 06:22 +0000",  # no seconds: the general parser
        b"Fri, 31 Feb 2026 06:22:22 +0000",  # no such day
        b"yesterday",
    ):
        ours = fetch_values({b"INTERNALDATE": raw})[b"INTERNALDATE"]
        theirs = reference_fetch([b"1 (INTERNALDATE " + quoted(raw) + b")"])[1][b"INTERNALDATE"]
        assert ours == theirs, raw


# -- generated responses ----------------------------------------------------------------------

ATOM_CHARS = st.sampled_from(list(b"abcXYZ019.-_\\$*+:/<>]{}!~\x7f\xe9"))
atoms = (
    st.lists(ATOM_CHARS, min_size=1, max_size=8)
    .map(bytes)
    .filter(lambda a: not a.startswith(b"{"))  # {n} is a literal's marker, not an atom
)
text_bytes = st.binary(max_size=12).filter(lambda b: b"\r" not in b and b"\n" not in b)
numbers = st.integers(min_value=0, max_value=2**40).map(lambda n: str(n).encode())


def quoted(raw: bytes) -> bytes:
    return b'"' + raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def sections(draw_atom: bytes, inside: bytes) -> bytes:
    return draw_atom + b"[" + inside.replace(b"]", b"") + b"]"


scalars = st.one_of(
    atoms,
    numbers,
    st.just(b"NIL"),
    text_bytes.map(quoted),
    st.builds(sections, atoms, st.binary(max_size=10).map(lambda b: b.replace(b"]", b""))),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5).map(lambda items: b"(" + b" ".join(items) + b")"),
    max_leaves=25,
)


@st.composite
def records_with_literals(draw: st.DrawFn) -> list:
    """A response split as imaplib splits it: a literal ends its record, the line goes on."""
    records: list = []
    for _ in range(draw(st.integers(1, 4))):
        line = b" ".join(draw(st.lists(values, min_size=1, max_size=4)))
        if draw(st.booleans()):
            literal = draw(st.binary(max_size=30))
            records.append((line + b" {%d}" % len(literal), literal))
        else:
            records.append(line)
    return records


@settings(max_examples=400, deadline=None)
@given(records_with_literals())
def test_generated_responses_parse_as_imapclient_parses_them(records):
    assert parse_values(records) == reference(records)


addresses = st.one_of(
    st.just(b"NIL"),
    st.lists(
        st.tuples(text_bytes, text_bytes, text_bytes).map(
            lambda t: b"(" + quoted(t[0]) + b" NIL " + quoted(t[1]) + b" " + quoted(t[2]) + b")"
        ),
        min_size=1,
        max_size=3,
    ).map(lambda items: b"(" + b"".join(items) + b")"),
)
dates = st.one_of(
    st.datetimes(
        min_value=datetime(1970, 1, 2), max_value=datetime(2099, 1, 1), timezones=st.just(UTC)
    ).map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S %z").encode()),
    text_bytes,
)


@st.composite
def fetch_rows(draw: st.DrawFn) -> list:
    records: list = []
    for seq in range(1, draw(st.integers(1, 4)) + 1):
        envelope = b" ".join(
            [quoted(draw(dates)), quoted(draw(text_bytes))]
            + [draw(addresses) for _ in range(6)]
            + [b"NIL", quoted(draw(text_bytes))]
        )
        when = draw(dates).replace(b",", b"")
        head = b"%d (UID %d FLAGS (%s) RFC822.SIZE %d INTERNALDATE %s ENVELOPE (%s) " % (
            seq,
            seq * 7,
            b" ".join(draw(st.lists(atoms, max_size=3))),
            seq,
            quoted(when),
            envelope,
        )
        header = draw(st.binary(max_size=40))
        records += [(head + b"BODY[HEADER.FIELDS (CONTENT-TYPE)] {%d}" % len(header), header), b")"]
    return records


@settings(max_examples=300, deadline=None)
@given(fetch_rows())
def test_generated_list_rows_parse_as_imapclient_parses_them(records):
    assert parse_fetch_lines(records) == reference_fetch(records)
