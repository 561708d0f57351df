"""Export (mbox, .eml) and import (APPEND) against the real servers (Dovecot, Cyrus in both
namespace modes)."""

from __future__ import annotations

import asyncio
import io
import json
import os
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mailview.services import transfer as mbox
from webmail.devmail.factories import make_message, message_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.all_servers]
T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def body_of(response) -> bytes:
    """The whole streamed body (the view streams from an async iterator)."""
    content = response.streaming_content
    if hasattr(content, "__aiter__"):

        async def collect() -> bytes:
            return b"".join([chunk async for chunk in content])

        return asyncio.run(collect())
    return b"".join(content)


def message_ids(user, folder: str) -> list[str]:
    client = user.client()
    client.select_folder(user.folder(folder), readonly=True)  # a display path
    uids = client.search("ALL")
    if not uids:
        return []
    data = client.fetch(uids, ["ENVELOPE"])
    return sorted(data[u][b"ENVELOPE"].message_id.decode() for u in uids)


def test_mbox_entry_escapes_from_lines_and_split_mbox_restores_them():
    raw = (
        b"From: a@example.org\r\nSubject: x\r\n\r\nFrom the start\r\n>From quoted\r\n"
        b"From here\r\nend\r\n"
    )
    entry = mbox.mbox_entry(raw, T0)
    assert entry.startswith(b"From MAILER-DAEMON Fri May 01 09:00:00 2026\n")
    assert b"\n>From the start\n>>From quoted\n>From here\n" in entry
    text = entry + mbox.mbox_entry(b"Subject: second\r\n\r\nbody\r\n", None)
    parsed = list(mbox.split_mbox(text.splitlines(keepends=True)))
    assert [data for data, _when in parsed] == [raw, b"Subject: second\r\n\r\nbody\r\n"]
    assert parsed[0][1] == T0


def test_looks_like_message_and_status_flags():
    assert mbox.looks_like_message(b"Subject: hi\r\n\r\nbody\r\n") is None
    assert mbox.looks_like_message(b"   \r\n") == "empty"
    assert mbox.looks_like_message(b"just some text\r\n") == "no mail headers"
    head = b"Subject: x\r\nStatus: RO\r\nX-Status: AF\r\n\r\nbody\r\n"
    assert set(mbox.flags_from_status(head)) == {"\\Seen", "\\Flagged", "\\Answered"}


def test_export_folder_as_mbox(alice, login):
    for i in range(3):
        alice.append(
            "Projects",
            make_message(subject=f"p{i}", text="From the team\n", date=T0),
            when=T0 + timedelta(minutes=i),
        )
    response = login(alice).get(f"/export/mbox/{alice.folder('Projects')}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/mbox"
    assert response["Content-Disposition"] == 'attachment; filename="Projects.mbox"'
    assert response["X-Message-Count"] == "3"
    data = body_of(response)
    assert data.count(b"\nFrom MAILER-DAEMON ") == 2 and data.startswith(b"From MAILER-DAEMON")
    assert data.count(b"\n>From the team") == 3
    messages = list(mbox.split_mbox(data.splitlines(keepends=True)))
    assert [m[1] for m in messages] == [T0 + timedelta(minutes=i) for i in range(3)]


def test_export_streams_in_batches(alice, login, monkeypatch):
    monkeypatch.setattr(mbox, "EXPORT_BATCH", 2)
    for i in range(5):
        alice.append("INBOX", make_message(subject=f"m{i}"))
    response = login(alice).get("/export/mbox/INBOX/")
    chunks = []

    async def collect() -> None:
        async for chunk in response.streaming_content:
            chunks.append(chunk)

    asyncio.run(collect())
    assert len(chunks) == 3  # 2 + 2 + 1 messages, one FETCH each
    assert b"".join(chunks).count(b"Subject: m") == 5


def test_export_one_message_as_eml_in_chunks(alice, login, monkeypatch):
    monkeypatch.setattr(mbox, "CHUNK", 64 * 1024)
    msg = make_message(
        subject="big", attachments=[("blob.bin", "application/octet-stream", os.urandom(300_000))]
    )
    uid = alice.append("INBOX", msg)
    response = login(alice).get(f"/export/eml/INBOX/{uid}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert body_of(response) == message_bytes(msg)
    assert login(alice).get(f"/export/eml/INBOX/{uid + 99}/").status_code == 404


def test_import_eml_and_mbox_reports_imported_and_failed(alice, login):
    eml = message_bytes(make_message(subject="single", message_id="<single@example.org>"))
    good = [
        make_message(subject=f"from mbox {i}", message_id=f"<m{i}@example.org>", text="From x\n")
        for i in range(3)
    ]
    mbox_data = b"".join(mbox.mbox_entry(message_bytes(m), T0) for m in good[:2])
    mbox_data += b"From MAILER-DAEMON Fri May 01 09:00:00 2026\nthis is not a message\n\n"
    mbox_data += mbox.mbox_entry(message_bytes(good[2]), T0)
    response = login(alice).post(
        "/folders/import/",
        {
            "folder": "INBOX",
            "files": [
                SimpleUploadedFile("one.eml", eml, "message/rfc822"),
                SimpleUploadedFile("archive.mbox", mbox_data, "application/mbox"),
                SimpleUploadedFile("empty.eml", b"", "message/rfc822"),
            ],
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "4 messages imported into INBOX." in html
    assert "2 failed:" in html
    assert 'archive.mbox #3</span>: <span class="why">no mail headers' in html
    assert 'empty.eml</span>: <span class="why">empty' in html
    assert message_ids(alice, "INBOX") == sorted(
        ["<single@example.org>", "<m0@example.org>", "<m1@example.org>", "<m2@example.org>"]
    )
    # The ">From x" line of the body was unquoted again.
    client = alice.client()
    client.select_folder("INBOX")
    bodies = client.fetch(client.search(["SUBJECT", "from mbox 0"]), ["BODY[TEXT]"])
    assert next(iter(bodies.values()))[b"BODY[TEXT]"].startswith(b"From x")


def test_import_of_a_message_with_nul_bytes_is_reported(alice, login):
    # NUL bytes cannot be sent in an APPEND literal: refused before it reaches the server.
    bad = b"Subject: nul\r\n\r\nbody \x00 here\r\n"
    response = login(alice).post(
        "/folders/import/",
        {"folder": "INBOX", "files": [SimpleUploadedFile("nul.eml", bad)]},
    )
    html = response.content.decode()
    assert "0 messages imported" in html and "contains NUL bytes" in html


def test_import_without_files_or_into_a_bad_folder(alice, login):
    client = login(alice)
    response = client.post("/folders/import/", {"folder": "INBOX"})
    assert response.status_code == 400 and "Choose one or more" in response.content.decode()
    response = client.post(
        "/folders/import/",
        {"folder": "No\r\nSuch", "files": [SimpleUploadedFile("a.eml", b"Subject: a\r\n\r\nb")]},
    )
    assert response.status_code == 400


def test_round_trip_export_then_import_elsewhere(alice, login):
    for i in range(4):
        alice.append(
            "Source",
            make_message(subject=f"trip {i}", message_id=f"<trip{i}@example.org>"),
            flags=["\\Seen"] if i % 2 else [],
            when=T0 + timedelta(days=i),
        )
    client = login(alice)
    exported = body_of(client.get(f"/export/mbox/{alice.folder('Source')}/"))
    alice.create_folder("Target")
    response = client.post(
        "/folders/import/",
        {"folder": alice.folder("Target"), "files": [SimpleUploadedFile("Source.mbox", exported)]},
    )
    assert "4 messages imported into Target." in response.content.decode()
    assert message_ids(alice, "Target") == message_ids(alice, "Source")
    imap = alice.client()
    imap.select_folder(alice.folder("Target"), readonly=True)
    dates = sorted(
        v[b"INTERNALDATE"] for v in imap.fetch(imap.search("ALL"), ["INTERNALDATE"]).values()
    )
    assert [d.astimezone(UTC) for d in dates] == [T0 + timedelta(days=i) for i in range(4)]


def test_bob_cannot_export_or_import_into_alices_folders(alice, bob, login):
    alice.append("Private", make_message(subject="secret"))
    private = alice.folder("Private")
    bob_client = login(bob)
    assert bob_client.get(f"/export/mbox/{private}/").status_code == 404
    assert bob_client.get(f"/export/eml/{private}/1/").status_code == 404
    bob_client.post(
        "/folders/import/",
        {"folder": private, "files": [SimpleUploadedFile("x.eml", b"Subject: x\r\n\r\ny\r\n")]},
    )
    assert len(message_ids(alice, "Private")) == 1


@pytest.mark.only_on("dovecot", reason="a private Dovecot with a 20 KB quota")
def test_import_reports_what_the_server_refused(dovecot_factory, settings, login):
    from tests.support.dovecot import _user_factory
    from tests.support.servers import point_at

    server = dovecot_factory(extra_config="plugin {\n  quota_rule = *:storage=20K\n}\n")
    point_at(settings, server)
    make, _users = _user_factory(server)
    dave = make("dave")
    small = message_bytes(make_message(subject="fits", message_id="<fits@example.org>"))
    big = message_bytes(
        make_message(subject="too big", attachments=[("b.bin", "application/x-b", b"x" * 60_000)])
    )
    response = login(dave).post(
        "/folders/import/",
        {
            "folder": "INBOX",
            "files": [SimpleUploadedFile("a.eml", small), SimpleUploadedFile("b.eml", big)],
        },
    )
    html = response.content.decode()
    assert "1 message imported into INBOX." in html
    assert 'b.eml</span>: <span class="why">the mail server refused it:' in html
    assert "quota" in html.lower(), html[html.find('class="why"') :][:300]
    assert message_ids(dave, "INBOX") == ["<fits@example.org>"]
    dave.close()


# -- import with progress (the page's script asks for application/x-ndjson) -----------------


def streamed_events(response) -> list[dict]:
    assert response["Content-Type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in body_of(response).decode().splitlines()]


def factory_mbox(count: int, prefix: str) -> bytes:
    return b"".join(
        mbox.mbox_entry(
            message_bytes(make_message(subject=f"{prefix} {i}", message_id=f"<{prefix}{i}@x.org>")),
            T0 + timedelta(minutes=i),
        )
        for i in range(count)
    )


def test_import_streams_message_n_of_m_then_the_report(alice, login):
    data = factory_mbox(12, "stream")
    data += b"From MAILER-DAEMON Fri May 01 09:00:00 2026\nnot a message\n\n"
    response = login(alice).post(
        "/folders/import/",
        {
            "folder": "INBOX",
            "files": [
                SimpleUploadedFile("big.mbox", data),
                SimpleUploadedFile("one.eml", message_bytes(make_message(subject="single"))),
            ],
        },
        HTTP_ACCEPT="application/x-ndjson",
    )
    assert response.status_code == 200
    events = streamed_events(response)
    progress, last = events[:-1], events[-1]
    # One event before any APPEND, then one per message settled (imported or failed), in order.
    assert progress == [{"done": n, "total": 14} for n in range(15)]
    result = last["result"]
    assert result["folder"] == "INBOX" and result["imported"] == 13
    assert result["failed"] == [{"which": "big.mbox #13", "why": "no mail headers"}]
    assert "13 messages imported into INBOX." in result["html"]
    assert '<span class="which">big.mbox #13</span>' in result["html"]
    assert len(message_ids(alice, "INBOX")) == 13


def test_streamed_import_reports_a_missing_folder_per_message_not_as_an_error(alice, login):
    response = login(alice).post(
        "/folders/import/",
        {"folder": "Nowhere", "files": [SimpleUploadedFile("a.mbox", factory_mbox(2, "lost"))]},
        HTTP_ACCEPT="application/x-ndjson",
    )
    events = streamed_events(response)
    assert events[-2] == {"done": 2, "total": 2}
    result = events[-1]["result"]
    assert result["imported"] == 0
    assert [f["which"] for f in result["failed"]] == ["a.mbox #1", "a.mbox #2"]
    assert all("the mail server refused it" in f["why"] for f in result["failed"])


def test_streamed_form_errors_are_the_html_page(alice, login):
    response = login(alice).post(
        "/folders/import/", {"folder": "INBOX"}, HTTP_ACCEPT="application/x-ndjson"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Choose one or more" in response.content.decode()


def test_bob_cannot_stream_an_import_into_alices_account(alice, bob, login):
    alice.append("Private", make_message(subject="secret"))
    response = login(bob).post(
        "/folders/import/",
        {
            "folder": alice.folder("Private"),
            "files": [SimpleUploadedFile("x.mbox", factory_mbox(3, "bob"))],
        },
        HTTP_ACCEPT="application/x-ndjson",
    )
    result = streamed_events(response)[-1]["result"]
    assert result["imported"] == 0 and len(result["failed"]) == 3  # bob has no such folder
    assert len(message_ids(alice, "Private")) == 1
    assert message_ids(bob, "INBOX") == []


def test_count_messages_matches_what_the_import_reads():
    data = factory_mbox(3, "count") + b"From nobody\n\nFrom in a body after a blank line\n"
    uploads = [
        ("a.mbox", io.BytesIO(data)),
        ("b.eml", io.BytesIO(b"Subject: b\r\n\r\nFrom here\r\n")),
        ("empty.mbox", io.BytesIO(b"")),
        ("c.txt", io.BytesIO(b"From x Fri May 01 09:00:00 2026\nSubject: c\n\nc\n")),
    ]
    labels = [label for label, _data, _when in mbox.upload_messages(uploads)]
    assert mbox.count_messages(uploads) == len(labels) == 7
    assert labels[-1] == "c.txt #1"


def test_a_dropped_connection_fails_that_message_and_the_rest_go_on(alice, mail_server):
    from mailview.services.session import MailSession

    mail = MailSession(alice.username, mail_server, lambda: alice.password)
    seen: list[int] = []

    def progress(done: int) -> None:
        seen.append(done)
        if done == 3:
            alice.dovecot.kick(alice.username)  # the server drops the connection mid-import

    uploads = [("drop.mbox", io.BytesIO(factory_mbox(8, "drop")))]
    report = mbox.import_messages(mail, "INBOX", mbox.upload_messages(uploads), progress)
    assert seen == list(range(1, 9))
    assert report.failed == [
        ("drop.mbox #4", "the connection to the mail server was lost before it was confirmed")
    ]
    assert report.imported == 7
    ids = message_ids(alice, "INBOX")
    assert [f"<drop{i}@x.org>" in ids for i in range(8)] == [True] * 3 + [False] + [True] * 4
