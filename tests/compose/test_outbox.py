"""Undo send against the real SMTP server and Dovecot: the outbox, Undo, the worker.

The worker is driven by hand here (`run_once` at a chosen time: no waiting for the delay); the
browser test (tests/browser/test_undo_send.py) has the real thread of a Daphne process send.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from accounts.models import ComposeSettings, Identity
from mailview.compose import outbox, outbox_worker
from mailview.compose.outbox_worker import OutboxWorker
from mailview.compose.store import ComposeStore
from mailview.models import OutgoingMessage
from tests.support.compose import folder_messages, start, text_of
from tests.support.dovecot import MailUser
from tests.support.smtp import point_smtp_at
from webmail.devmail.factories import make_message
from webmail.devmail.smtp import SubmissionServer


@pytest.fixture
def worker() -> Iterator[OutboxWorker]:
    """This process's outbox worker, without its thread: the test says when it runs."""
    outbox_worker._worker = OutboxWorker(thread=False)
    yield outbox_worker._worker
    outbox_worker._worker = None


def restart() -> OutboxWorker:
    """The process restarts: a new worker, nothing in memory (the database and disk stay)."""
    outbox_worker._worker = OutboxWorker(thread=False)
    return outbox_worker._worker


def later(seconds: float) -> Any:
    return timezone.now() + timedelta(seconds=seconds)


def set_delay(username: str, seconds: int) -> None:
    user = get_user_model().objects.get(username=username)
    prefs = ComposeSettings.for_user(user)
    prefs.undo_send_delay = seconds
    prefs.save()


def send(client: Client, compose_id: str, **fields: str) -> Any:
    data = {"to": "", "cc": "", "bcc": "", "subject": "s", "text": "body", "format": "text"}
    data.update(fields)
    return client.post(f"/compose/{compose_id}/send/", data)


def token_on(page: str) -> str:
    match = re.search(r'action="/outbox/([0-9a-f]{32})/undo/"', page)
    assert match, page[-3000:]
    return match.group(1)


def test_undo_returns_the_reply_exactly_as_it_was(
    compose_settings: Any,
    worker: OutboxWorker,
    login: Callable[..., Client],
    alice: MailUser,
    bob: MailUser,
    mail_user_factory: Callable[..., MailUser],
) -> None:
    carol = mail_user_factory("carol")
    root = "<plans@example.org>"
    alice.append("INBOX", make_message(subject="Plans", message_id=root, sender=bob.address))
    client = login(alice)
    set_delay(alice.username, 30)
    alice_user = get_user_model().objects.get(username=alice.username)
    Identity.for_user(alice_user)
    work = Identity.objects.create(user=alice_user, email=alice.address, name="Alice at work")
    [(uid, _flags, _msg)] = folder_messages(alice, "INBOX")
    compose_id = start(client, f"kind=reply&folder=INBOX&uid={uid}")
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 8
    client.post(
        f"/compose/{compose_id}/attachments/",
        {"file": SimpleUploadedFile("plan.pdf", pdf, content_type="application/pdf")},
    )
    fields = {
        "identity": str(work.pk),
        "to": f"Bob <{bob.address}>",
        "cc": carol.address,
        "subject": "Re: Plans",
        "text": "Sunday works.\n\nSee the plan.",
    }
    response = send(client, compose_id, **fields)
    assert response.status_code == 302
    assert response["Location"] == "/mail/INBOX/"
    page = client.get("/mail/INBOX/").content.decode()
    assert "Sending…" in page
    token = token_on(page)
    assert folder_messages(bob, "INBOX") == []
    # While it waits, the editor is closed: no second send of the same compose.
    assert client.get(f"/compose/{compose_id}/")["Location"] == "/mail/INBOX/"

    # A second Send of the same compose (a double click) adds no second message.
    again = send(client, compose_id, **fields)
    assert again["Location"] == "/mail/INBOX/"
    assert OutgoingMessage.objects.filter(compose_id=compose_id).count() == 1
    response = client.post(f"/outbox/{token}/undo/", {"next": "/mail/INBOX/"})
    assert response.status_code == 302
    assert response["Location"] == f"/compose/{compose_id}/"
    editor = client.get(response["Location"])
    assert editor.status_code == 200
    html = editor.content.decode()
    assert "Sending undone" in html
    twice = client.post(f"/outbox/{token}/undo/", {"next": "/mail/INBOX/"}, follow=True)
    assert "Sending was already undone." in twice.content.decode()
    assert f"Bob &lt;{bob.address}&gt;" in html
    assert carol.address in html
    assert 'value="Re: Plans"' in html
    assert "Sunday works.\n\nSee the plan." in html
    assert "plan.pdf" in html
    assert re.search(rf'<option value="{work.pk}"[^>]*selected', html)
    state = ComposeStore(alice_user.pk).load(compose_id)
    assert state.in_reply_to == root and state.original_uid == uid
    # Undone means never sent, even when the worker comes by after the delay.
    assert worker.run_once(later(31)) == 0
    assert folder_messages(bob, "INBOX") == []
    assert OutgoingMessage.objects.get(token=token).state == OutgoingMessage.CANCELLED

    # Sent again (this time left alone): bob gets it as written, a reply with its attachment.
    assert send(client, compose_id, **fields).status_code == 302
    assert worker.run_once(later(31)) == 1
    assert OutgoingMessage.objects.latest("created").error == ""
    [(_uid, _flags, msg)] = folder_messages(bob, "INBOX")
    assert len(folder_messages(carol, "INBOX")) == 1
    assert str(msg["Subject"]) == "Re: Plans"
    assert msg["In-Reply-To"] == root
    assert msg["From"].addresses[0].display_name == "Alice at work"
    assert text_of(msg).rstrip("\n") == "Sunday works.\n\nSee the plan."
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_content() == pdf
    [(_uid, sent_flags, sent)] = folder_messages(alice, "Sent")
    assert sent["Message-ID"] == msg["Message-ID"]
    assert folder_messages(alice, "Drafts") == []
    assert "\\Answered" in folder_messages(alice, "INBOX")[0][1]
    # Undo now is too late, and says so.
    token = OutgoingMessage.objects.filter(user=alice_user).latest("created").token
    response = client.post(f"/outbox/{token}/undo/", {"next": "/mail/INBOX/"}, follow=True)
    assert "Too late to undo: the message has already been sent." in response.content.decode()
    assert len(folder_messages(bob, "INBOX")) == 1


def test_a_page_change_during_the_delay_still_sends(
    compose_settings: Any,
    worker: OutboxWorker,
    login: Callable[..., Client],
    alice: MailUser,
    bob: MailUser,
) -> None:
    client = login(alice)
    set_delay(alice.username, 5)
    last_week = OutgoingMessage.objects.create(
        user=get_user_model().objects.get(username=alice.username),
        token="0" * 32,
        compose_id="1" * 32,
        state=OutgoingMessage.DONE,
        due=later(-8 * 86400),
        sender=alice.address,
        recipients=bob.address,
        reported=True,
    )
    OutgoingMessage.objects.filter(pk=last_week.pk).update(created=later(-8 * 86400))
    compose_id = start(client)
    assert send(client, compose_id, to=bob.address, subject="Walk on", text="x").status_code == 302
    # Rows finished over a week ago go when a new one comes.
    assert not OutgoingMessage.objects.filter(pk=last_week.pk).exists()
    # The user goes elsewhere: the notice follows them; nothing depends on the first page.
    assert "Sending…" in client.get("/mail/Sent/").content.decode()
    assert client.get("/accounts/settings/composing/").status_code == 200
    assert worker.run_once(later(6)) == 1
    [(_uid, _flags, msg)] = folder_messages(bob, "INBOX")
    assert str(msg["Subject"]) == "Walk on"
    assert len(folder_messages(alice, "Sent")) == 1
    # The outcome is shown once, then the notice is gone.
    assert f"Message sent to {bob.address}." in client.get("/mail/INBOX/").content.decode()
    assert "outbox-notice" not in client.get("/mail/INBOX/").content.decode()
    # Nothing is left on disk: neither the outbox files nor the compose directory.
    user = get_user_model().objects.get(username=alice.username)
    assert not any(outbox.outbox_dir(user.pk).iterdir())
    assert not (ComposeStore(user.pk).root / compose_id).exists()


def test_zero_seconds_sends_at_once(
    compose_settings: Any,
    worker: OutboxWorker,
    login: Callable[..., Client],
    alice: MailUser,
    bob: MailUser,
) -> None:
    client = login(alice)
    set_delay(alice.username, 0)
    compose_id = start(client)
    assert send(client, compose_id, to=bob.address, subject="Now").status_code == 302
    assert len(folder_messages(bob, "INBOX")) == 1
    assert not OutgoingMessage.objects.exists()
    assert "outbox-notice" not in client.get("/mail/INBOX/").content.decode()


def test_two_workers_claiming_together_send_once(
    compose_settings: Any,
    worker: OutboxWorker,
    login: Callable[..., Client],
    alice: MailUser,
    bob: MailUser,
) -> None:
    client = login(alice)
    set_delay(alice.username, 5)
    compose_id = start(client)
    assert send(client, compose_id, to=bob.address, subject="Once").status_code == 302
    row = OutgoingMessage.objects.get()
    # A second worker (another process) holds alice's secret too (her page there lent it).
    other = OutboxWorker(thread=False)
    other.hold(row.user_id, worker.held()[row.user_id], 30)
    # Both saw the row due; the first conditional UPDATE takes it, the second finds it taken.
    now = later(6)
    assert outbox.claim_one(row.pk, worker.token, now)
    assert not outbox.claim_one(row.pk, other.token, now)
    assert outbox.claim_due(other.token, [row.user_id], now) == []
    # Both workers run: one message arrives, filed once.
    OutgoingMessage.objects.filter(pk=row.pk).update(
        state=OutgoingMessage.QUEUED, claimed_at=None, claimed_by="", attempts=0
    )
    results = [other.run_once(now), worker.run_once(now)]
    assert sorted(results) == [0, 1]
    assert len(folder_messages(bob, "INBOX")) == 1
    assert len(folder_messages(alice, "Sent")) == 1
    assert OutgoingMessage.objects.get().state == OutgoingMessage.DONE


def test_a_worker_that_died_after_claiming_loses_nothing(
    compose_settings: Any,
    settings: Any,
    worker: OutboxWorker,
    login: Callable[..., Client],
    alice: MailUser,
    bob: MailUser,
) -> None:
    settings.WEBMAIL_OUTBOX_LEASE = 60
    client = login(alice)
    set_delay(alice.username, 5)
    compose_id = start(client)
    assert send(client, compose_id, to=bob.address, subject="Survivor").status_code == 302
    [row] = outbox.claim_due(worker.token, [get_user_model().objects.get().pk], later(6))
    assert row.state == OutgoingMessage.SENDING
    # The process dies here. The next one knows nothing: no secret, so it cannot send yet.
    fresh = restart()
    assert fresh.run_once(later(6)) == 0
    # Alice's next page lends it her secret; the dead worker's claim holds until its lease ends.
    assert "Sending…" in client.get("/mail/INBOX/").content.decode()
    assert fresh.holds(row.user_id)
    assert fresh.run_once(later(30)) == 0
    assert folder_messages(bob, "INBOX") == []
    assert fresh.run_once(later(6 + 61)) == 1
    assert len(folder_messages(bob, "INBOX")) == 1
    assert len(folder_messages(alice, "Sent")) == 1
    assert fresh.run_once(later(6 + 200)) == 0
    assert len(folder_messages(bob, "INBOX")) == 1


def sent_not_filed(
    client: Client, worker: OutboxWorker, sender: MailUser, to: str, subject: str
) -> OutgoingMessage:
    """Send with a 5 s delay and let the worker submit it by SMTP, no further: the row is
    sent, its copy for Sent not filed yet."""
    set_delay(sender.username, 5)
    compose_id = start(client)
    assert send(client, compose_id, to=to, subject=subject).status_code == 302
    user_id = get_user_model().objects.get(username=sender.username).pk
    secret = worker.held()[user_id]
    [row] = outbox.claim_due(worker.token, [user_id], later(6))
    assert outbox.submit_claimed(row, secret, worker.token)
    return row


def test_died_after_smtp_before_filing_is_filed_and_not_sent_again(
    compose_settings: Any,
    settings: Any,
    worker: OutboxWorker,
    login: Callable[..., Client],
    alice: MailUser,
    bob: MailUser,
) -> None:
    settings.WEBMAIL_OUTBOX_LEASE = 60
    client = login(alice)
    sent_not_filed(client, worker, alice, bob.address, "Half way")  # then the process died
    assert OutgoingMessage.objects.get().state == OutgoingMessage.SENT
    assert len(folder_messages(bob, "INBOX")) == 1
    assert folder_messages(alice, "Sent") == []
    fresh = restart()
    client.get("/mail/INBOX/")  # lends the secret
    assert fresh.run_once(later(6 + 61)) == 1
    assert len(folder_messages(bob, "INBOX")) == 1  # not submitted again
    assert len(folder_messages(alice, "Sent")) == 1  # but filed
    assert folder_messages(alice, "Drafts") == []
    assert OutgoingMessage.objects.get().state == OutgoingMessage.DONE


def test_sent_is_said_once_while_its_copy_is_still_on_its_way_to_sent(
    compose_settings: Any,
    worker: OutboxWorker,
    login: Callable[..., Client],
    alice: MailUser,
    bob: MailUser,
) -> None:
    """The notice's question is answered "sent" as soon as SMTP took the message; the next page
    does not say it again though the copy for Sent is still being filed, and still lends the
    secret. A copy that could not be filed is news: said once."""
    client = login(alice)
    row = sent_not_filed(client, worker, alice, bob.address, "Filed later")
    user_id = row.user_id
    status = client.get(f"/outbox/{row.token}/").json()
    assert status["text"] == f"Message sent to {bob.address}." and not status["final"]
    fresh = restart()  # the secret is gone with the process; the row waits to be filed
    assert "outbox-notice" not in client.get("/mail/INBOX/").content.decode()
    assert user_id in fresh.held()  # the page lent the secret all the same
    outbox.file_claimed(row, "a password changed meanwhile", worker.token)
    assert OutgoingMessage.objects.get().state == OutgoingMessage.DONE
    page = client.get("/mail/INBOX/").content.decode()
    assert "its copy could not be saved in Sent" in page
    assert "outbox-notice" not in client.get("/mail/INBOX/").content.decode()


def test_smtp_failure_keeps_the_draft_and_tells_the_user(
    compose_settings: Any,
    settings: Any,
    worker: OutboxWorker,
    smtp_server_factory: Callable[..., SubmissionServer],
    login: Callable[..., Client],
    alice: MailUser,
    bob: MailUser,
) -> None:
    server = smtp_server_factory()
    point_smtp_at(settings, server)
    client = login(alice)
    set_delay(alice.username, 5)
    compose_id = start(client)
    assert send(client, compose_id, to=bob.address, subject="Down", text="Keep me").status_code
    server.stop()
    assert worker.run_once(later(6)) == 1
    row = OutgoingMessage.objects.get()
    assert row.state == OutgoingMessage.FAILED
    [(_uid, flags, draft)] = folder_messages(alice, "Drafts")
    assert "\\Draft" in flags and str(draft["Subject"]) == "Down"
    assert folder_messages(bob, "INBOX") == []
    page = client.get("/mail/INBOX/").content.decode()
    assert "was not sent" in page and "outgoing mail server cannot be reached" in page
    assert "kept in Drafts" in page
    assert f'href="/compose/{compose_id}/"' in page
    # The editor opens again with everything, and sending works once the server is back.
    assert "Keep me" in client.get(f"/compose/{compose_id}/").content.decode()
    server.start()
    set_delay(alice.username, 0)
    response = send(client, compose_id, to=bob.address, subject="Down", text="Keep me")
    assert response.status_code == 302
    assert len(folder_messages(bob, "INBOX")) == 1
    assert folder_messages(alice, "Drafts") == []


def test_another_user_can_neither_undo_nor_see_my_outbox(
    compose_settings: Any,
    worker: OutboxWorker,
    login: Callable[..., Client],
    alice: MailUser,
    bob: MailUser,
) -> None:
    client = login(alice)
    set_delay(alice.username, 30)
    compose_id = start(client)
    assert send(client, compose_id, to=bob.address, subject="Mine").status_code == 302
    token = token_on(client.get("/mail/INBOX/").content.decode())
    intruder = login(bob)
    assert "outbox-notice" not in intruder.get("/mail/INBOX/").content.decode()
    assert intruder.get(f"/outbox/{token}/").status_code == 404
    response = intruder.post(f"/outbox/{token}/undo/", {"next": "/mail/INBOX/"}, follow=True)
    assert "There is no such message to undo." in response.content.decode()
    assert OutgoingMessage.objects.get(token=token).state == OutgoingMessage.QUEUED
    # Nor open the compose behind it.
    assert intruder.get(f"/compose/{compose_id}/").status_code == 404
    assert client.get(f"/outbox/{token}/").json()["undoable"] is True
    assert worker.run_once(later(31)) == 1
    assert len(folder_messages(bob, "INBOX")) == 1


def test_the_delay_is_a_composing_setting_from_0_to_30_seconds_default_5(
    settings: Any, login: Callable[..., Client], alice: MailUser
) -> None:
    settings.WEBMAIL_UNDO_SEND_DEFAULT = 5
    client = login(alice)
    page = client.get("/accounts/settings/composing/").content.decode()
    assert 'name="undo_send_delay"' in page and 'value="5"' in page
    form = {
        "default_format": "text",
        "reply_position": "top",
        "signature_position": "top",
        "undo_send_delay": "31",
    }
    refused = client.post("/accounts/settings/composing/", form)
    assert refused.status_code == 400
    assert "less than or equal to 30" in refused.content.decode()
    user = get_user_model().objects.get(username=alice.username)
    assert ComposeSettings.for_user(user).undo_send_delay == 5
    form["undo_send_delay"] = "12"
    assert client.post("/accounts/settings/composing/", form).status_code == 302
    assert ComposeSettings.for_user(user).undo_send_delay == 12


@pytest.mark.django_db
def test_the_pages_quick_question_agrees_with_the_rows_they_show() -> None:
    """``has_visible`` (asked by every kept page) answers as ``visible`` does, per user."""
    users = get_user_model().objects
    me, other = users.create(username="me@example.test"), users.create(username="o@example.test")
    assert not outbox.has_visible(me)
    row = OutgoingMessage.objects.create(
        user=other, token="b" * 32, compose_id="c" * 32, due=timezone.now(), sender="o@x.test"
    )
    assert outbox.has_visible(other) and not outbox.has_visible(me)
    for state, reported in [(s, r) for s, _label in OutgoingMessage.STATES for r in (False, True)]:
        OutgoingMessage.objects.filter(pk=row.pk).update(state=state, reported=reported)
        assert outbox.has_visible(other) == bool(outbox.visible(other)), (state, reported)
        assert not outbox.has_visible(me)
