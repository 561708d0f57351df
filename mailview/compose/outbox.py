"""Undo send: a message sent with a delay waits in the outbox, then a worker sends it.

Queueing (the send view, delay > 0) builds the message once, saves the draft to Drafts (the
durable copy on the mail server, kept if sending fails), writes the bytes to submit and the copy
for Sent to the user's outbox directory on disk (0600, next to the compose directories) and adds
an `OutgoingMessage` row due in N seconds. The compose directory stays as it was, so Undo returns
to the editor with everything (recipients, subject, body, attachments, identity, In-Reply-To).

A worker (outbox_worker.py) claims due rows with one conditional UPDATE each (after SELECT ... FOR
UPDATE SKIP LOCKED where the database has it): a row moves from queued to sending only once, so
two workers never submit the same message, and Undo (queued to cancelled, the same kind of
UPDATE) and a claim exclude each other. The row is marked sent as soon as the SMTP server took
the message; filing in Sent (skipped when Sent already holds the Message-ID), flagging the
original and deleting the draft follow, and a worker that died in between resumes there without
submitting again. A claim older than WEBMAIL_OUTBOX_LEASE is taken over by another worker.

No credentials are stored: the worker authenticates with a secret it holds in memory only
(outbox_worker.py and docs/security.md).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit, rowload
from accounts.models import AuditEvent, RecentAddress
from accounts.servers import server_for_login, smtp_server_for_login
from mailview.compose import service
from mailview.compose.build import Outgoing, build_message
from mailview.compose.errors import ComposeError, SendFailed
from mailview.compose.smtp import submit
from mailview.compose.store import ComposeState, ComposeStore
from mailview.imap.client import IMAPConnection
from mailview.imap.errors import MailError
from mailview.models import OutgoingMessage
from mailview.services.actions import ensure_role
from mailview.services.session import MailSession

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.http import HttpRequest

log = logging.getLogger(__name__)

TOKEN = re.compile(r"^[0-9a-f]{32}$")
#: States in which a row still has work to do (a worker may claim it).
ACTIVE = (OutgoingMessage.QUEUED, OutgoingMessage.SENDING, OutgoingMessage.SENT)
#: A row whose SMTP submission was interrupted this often is given up (the draft is kept).
MAX_ATTEMPTS = 3
BATCH = 20


# -- files ---------------------------------------------------------------------------------------


def outbox_dir(user_id: int) -> Path:
    return Path(settings.WEBMAIL_COMPOSE_DIR) / str(int(user_id)) / "outbox"


def _paths(row: OutgoingMessage) -> tuple[Path, Path]:
    if not TOKEN.match(row.token):
        raise ValueError(f"bad outbox token {row.token!r}")
    base = outbox_dir(row.user_id)
    return base / f"{row.token}.eml", base / f"{row.token}.sent.eml"


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _remove_files(row: OutgoingMessage) -> None:
    for path in _paths(row):
        path.unlink(missing_ok=True)


# -- queueing and undo (the views) ---------------------------------------------------------------


def is_queued(user: User, compose_id: str) -> bool:
    """Whether this compose is waiting in the outbox or being sent (its editor is closed)."""
    return OutgoingMessage.objects.filter(
        user=user, compose_id=compose_id, state__in=ACTIVE
    ).exists()


def queue(
    mail: MailSession,
    user: User,
    store: ComposeStore,
    state: ComposeState,
    out: Outgoing,
    delay: int,
) -> OutgoingMessage:
    """Put the message in the outbox, due in ``delay`` seconds; the draft is saved first."""
    msg = build_message(out)
    data = msg.as_bytes()
    if out.bcc:
        msg["Bcc"] = [r.header() for r in out.bcc]
    sent_bytes = msg.as_bytes()
    try:
        service.save_draft(mail, store, state, out)
    except MailError as exc:  # the copy on disk is enough to send; Drafts is the safety net
        log.warning("saving the draft of a queued message failed: %s", exc.detail)
    # Finished rows are only kept for their notice: a week is plenty.
    OutgoingMessage.objects.filter(
        user=user, created__lt=timezone.now() - timedelta(days=7)
    ).exclude(state__in=ACTIVE).delete()
    directory = outbox_dir(user.pk)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    row = OutgoingMessage(
        user=user,
        token=secrets.token_hex(16),
        compose_id=state.compose_id,
        due=timezone.now() + timedelta(seconds=delay),
        sender=out.sender.email,
        recipients="\n".join(out.recipients),
        summary=summary([*out.to, *out.cc, *out.bcc]),
    )
    submit_path, sent_path = _paths(row)
    _write(submit_path, data)
    _write(sent_path, sent_bytes)
    row.save()
    return row


def summary(recipients: Iterable[object]) -> str:
    names = [getattr(r, "name", "") or getattr(r, "email", "") for r in recipients]
    text = ", ".join(names[:5]) + ("…" if len(names) > 5 else "")
    return text[:300]


@dataclass(frozen=True)
class UndoResult:
    undone: bool
    state: str  # the row's state when Undo came (QUEUED if undone, "" if there is no such row)
    compose_id: str


def undo(user: User, token: str) -> UndoResult:
    """Cancel a queued message of ``user``; a message already claimed by a worker is not."""
    if not TOKEN.match(token):
        return UndoResult(False, "", "")
    changed = OutgoingMessage.objects.filter(
        user=user, token=token, state=OutgoingMessage.QUEUED
    ).update(state=OutgoingMessage.CANCELLED, reported=True)
    row = OutgoingMessage.objects.filter(user=user, token=token).first()
    if row is None:
        return UndoResult(False, "", "")
    if changed:
        _remove_files(row)
        return UndoResult(True, OutgoingMessage.QUEUED, row.compose_id)
    return UndoResult(False, row.state, row.compose_id)


def request_has_visible(request: HttpRequest) -> bool:
    """``has_visible`` of the request's user, asked once per request (the kept-page lookup and
    the notice of a page rendered after it both want it)."""
    known: bool | None = getattr(request, "_outbox_visible", None)
    if known is None:
        known = has_visible(request.user)  # type: ignore[arg-type]
        request._outbox_visible = known  # type: ignore[attr-defined]
    return known


def has_visible(user: User) -> bool:
    """Would ``visible(user)`` return anything? Every kept page asks, so without the ORM
    compiling a query each time (accounts/rowload.py; docs/benchmarks.md, issue 14)."""
    return rowload.exists(OutgoingMessage, user=user.pk, reported=False) or rowload.exists(
        OutgoingMessage, user=user.pk, state=ACTIVE
    )


def visible(user: User) -> list[OutgoingMessage]:
    """The rows the user's pages show: waiting or being sent, and outcomes not yet reported."""
    return list(
        OutgoingMessage.objects.filter(user=user)
        .filter(Q(state__in=ACTIVE) | Q(reported=False))
        .order_by("due")[:10]
    )


#: States whose news a notice has told once it showed them: "sent" (its copy may still be
#: on its way to Sent) and every end.
TOLD = (
    OutgoingMessage.SENT,
    OutgoingMessage.DONE,
    OutgoingMessage.FAILED,
    OutgoingMessage.CANCELLED,
)


def mark_reported(rows: Iterable[OutgoingMessage]) -> None:
    """The user was shown how ``rows`` went: pages do not say it again (a sent row stays
    visible, without a notice, while its copy is filed: its pages still lend the secret)."""
    done = [r.pk for r in rows if r.state in TOLD and not r.reported]
    if done:
        OutgoingMessage.objects.filter(pk__in=done).update(reported=True)


def has_news(row: OutgoingMessage) -> bool:
    """Does a page have anything to say of ``row``? Not of a sent row whose "sent" was said."""
    return not (row.reported and row.state in TOLD)


# -- the worker's side ---------------------------------------------------------------------------


def claim_one(pk: int, worker: str, now: datetime | None = None) -> bool:
    """Take row ``pk`` for ``worker`` if it is due and nobody holds it (or their lease ran
    out): one conditional UPDATE, atomic on PostgreSQL and SQLite alike."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.WEBMAIL_OUTBOX_LEASE)
    changed = (
        OutgoingMessage.objects.filter(pk=pk, state__in=ACTIVE, due__lte=now)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))
        .update(
            claimed_by=worker,
            claimed_at=now,
            attempts=F("attempts") + 1,
            state=Case(
                When(state=OutgoingMessage.QUEUED, then=Value(OutgoingMessage.SENDING)),
                default=F("state"),
            ),
        )
    )
    return changed == 1


def claim_due(
    worker: str, user_ids: Iterable[int], now: datetime | None = None
) -> list[OutgoingMessage]:
    """The due rows of ``user_ids`` this worker now holds (at most BATCH)."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.WEBMAIL_OUTBOX_LEASE)
    candidates = (
        OutgoingMessage.objects.filter(user_id__in=list(user_ids), state__in=ACTIVE, due__lte=now)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))
        .order_by("due")
    )
    taken: list[int] = []
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            # PostgreSQL: rows another worker is claiming right now are skipped, not waited for.
            candidates = candidates.select_for_update(skip_locked=True)
        for pk in list(candidates.values_list("pk", flat=True)[:BATCH]):
            if claim_one(pk, worker, now):
                taken.append(pk)
    return list(
        OutgoingMessage.objects.filter(pk__in=taken, claimed_by=worker)
        .select_related("user")
        .order_by("due")
    )


def _finish(row: OutgoingMessage, worker: str, state: str, error: str = "") -> None:
    """``row`` is ``state`` now; an ``error`` (a sent message whose copy could not be filed)
    is news even where "sent" was said already."""
    changes: dict[str, Any] = {"state": state, "error": error}
    if error:
        changes["reported"] = False
    OutgoingMessage.objects.filter(pk=row.pk, claimed_by=worker).update(**changes)
    row.state, row.error = state, error


def process(row: OutgoingMessage, secret: str, worker: str) -> None:
    """Send a claimed row with the user's ``secret``: SMTP (unless already sent), then file."""
    if row.state == OutgoingMessage.SENDING and not submit_claimed(row, secret, worker):
        return
    file_claimed(row, secret, worker)


def submit_claimed(row: OutgoingMessage, secret: str, worker: str) -> bool:
    """SMTP submission of a claimed row; True once the server accepted it (the row is then
    marked sent: never submitted again), False if it failed (the row is marked failed)."""
    login = row.user.get_username()
    if row.attempts > MAX_ATTEMPTS:
        _give_up(row, worker, _("Sending was interrupted too often."))
        return False
    submit_path, _sent_path = _paths(row)
    try:
        data = submit_path.read_bytes()
    except OSError as exc:
        log.error("outbox %s: the message file is gone: %s", row.token, exc)
        _give_up(row, worker, _("The message could not be read back."))
        return False
    try:
        submit(smtp_server_for_login(login), login, secret, row.sender, row.recipient_list(), data)
    except SendFailed as exc:
        log.info("outbox %s: send failed: %s", row.token, exc.detail)
        _give_up(row, worker, str(exc.user_message))
        return False
    _finish(row, worker, OutgoingMessage.SENT)
    audit.record(
        AuditEvent.MESSAGE_SENT,
        row.user,
        recipients=len(row.recipient_list()),
        size=len(data),
        delayed=True,
    )
    _remember(row)
    return True


def file_claimed(row: OutgoingMessage, secret: str, worker: str) -> None:
    """After the submission: copy to Sent (once), flag the original, delete the draft, clean up."""
    login = row.user.get_username()
    _submit_path, sent_path = _paths(row)
    warnings = _file(row, MailSession(login, server_for_login(login), lambda: secret), sent_path)
    _finish(row, worker, OutgoingMessage.DONE, " ".join(warnings))
    _remove_files(row)
    ComposeStore(row.user_id).discard(row.compose_id)


def _give_up(row: OutgoingMessage, worker: str, reason: str) -> None:
    _finish(
        row, worker, OutgoingMessage.FAILED, f"{reason} " + _("Your message is kept in Drafts.")
    )
    _remove_files(row)


def _remember(row: OutgoingMessage) -> None:
    """People written to feed the address autocomplete (as the immediate send does)."""
    for email in row.recipient_list():
        obj, created = RecentAddress.objects.get_or_create(user=row.user, email=email)
        if not created:
            RecentAddress.objects.filter(pk=obj.pk).update(times=F("times") + 1)


def _file(row: OutgoingMessage, mail: MailSession, sent_path: Path) -> list[str]:
    """Copy to Sent (once), flag the original, delete the draft; what went wrong, for the user."""
    warnings: list[str] = []
    try:
        sent_bytes = sent_path.read_bytes()
    except OSError:
        sent_bytes = b""
    message_id = str(
        message_from_bytes(sent_bytes[:65536], policy=policy.default).get("Message-ID", "")
    ).strip()

    def file_sent(conn: IMAPConnection) -> None:
        folder = ensure_role(conn, "\\Sent")
        conn.select(folder)
        if message_id and conn.search_header("Message-ID", message_id):
            return  # filed by a worker that stopped before marking the row done
        conn.append_message(folder, sent_bytes, ["\\Seen"])

    try:
        if sent_bytes:
            mail.run(file_sent, retry=False)
    except MailError as exc:
        log.warning("outbox %s: copy to Sent failed: %s", row.token, exc.detail)
        warnings.append(_("The message was sent, but its copy could not be saved in Sent."))
    store = ComposeStore(row.user_id)
    try:
        state = store.load(row.compose_id)
    except ComposeError:
        return warnings
    flag, original_uid = state.flag_for_original, state.original_uid
    if flag and original_uid:

        def mark(conn: IMAPConnection) -> None:
            conn.select(state.original_folder)
            conn.store_flags([original_uid], [flag], add=True)

        with contextlib.suppress(MailError):
            mail.run(mark)
    try:
        service.delete_draft(mail, state)
    except MailError as exc:
        log.warning("outbox %s: deleting the draft failed: %s", row.token, exc.detail)
        warnings.append(_("The message was sent, but its draft could not be deleted."))
    return warnings


def unfinished_users(user_ids: Iterable[int]) -> set[int]:
    """Which of ``user_ids`` still have rows to send or file."""
    return set(
        OutgoingMessage.objects.filter(user_id__in=list(user_ids), state__in=ACTIVE).values_list(
            "user_id", flat=True
        )
    )


def next_due(user_ids: Iterable[int]) -> datetime | None:
    """When the next waiting message of ``user_ids`` is due (None: none waits)."""
    return (
        OutgoingMessage.objects.filter(user_id__in=list(user_ids), state=OutgoingMessage.QUEUED)
        .order_by("due")
        .values_list("due", flat=True)
        .first()
    )
