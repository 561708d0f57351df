"""What the compose views call to save a draft and to send (starting to write is in start.py).

Drafts go to the Drafts folder by APPEND; the previous version (by UID, and any other copy with
the same Message-ID) is deleted after the new one is stored, so a crash in between leaves two
versions, never none. Sending builds the message once: the bytes submitted carry no Bcc; the copy
APPENDed to Sent (\\Seen) does. A failed submission saves the draft and re-raises, so the
view can show the reason with everything the user wrote still in the form.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from accounts import senders
from accounts.servers import smtp_server_for_login
from mailview.compose.addresses import Recipient, check_single_line, parse_addresses
from mailview.compose.build import AttachmentFile, Outgoing, build_message
from mailview.compose.errors import DraftRefused, InvalidAddress, SenderNotAllowed, SendFailed
from mailview.compose.smtp import submit
from mailview.compose.spool import write_message
from mailview.compose.start import ComposeFields
from mailview.compose.store import ComposeState, ComposeStore, draft_info
from mailview.imap.client import IMAPConnection
from mailview.imap.errors import CommandFailed, MailError
from mailview.services.actions import ensure_role
from mailview.services.session import MailSession

if TYPE_CHECKING:
    from accounts.models import Identity

log = logging.getLogger(__name__)

# -- building the outgoing message --------------------------------------------------------------


def outgoing(
    fields: ComposeFields,
    identity: Identity,
    state: ComposeState,
    store: ComposeStore,
    *,
    lenient: bool = False,
) -> Outgoing:
    """The message described by ``fields``; InvalidAddress/HeaderInjection/SenderNotAllowed if
    not sendable.

    ``lenient`` (drafts): an address field that does not parse yet is kept as typed instead.
    Line breaks in header fields are refused either way.
    """
    check_single_line(fields.subject, _("Subject"))
    state.sent_folder = identity.sent_folder
    login = identity.user.get_username()
    if not lenient and not senders.sender_allowed(login, identity.email):
        # An identity saved before the domain's policy changed: kept as a draft, never sent.
        raise SenderNotAllowed(
            f"{login} may not send as {identity.email}",
            user_message=senders.refusal_message(login),
        )
    sender = Recipient(identity.name, identity.email)
    reply_to = Recipient("", identity.reply_to) if identity.reply_to else None
    parsed: dict[str, list[Recipient]] = {}
    unparsed: dict[str, str] = {}
    for name, label in (("to", _("To")), ("cc", _("Cc")), ("bcc", _("Bcc"))):
        value = getattr(fields, name)
        try:
            parsed[name] = parse_addresses(value, label)
        except InvalidAddress:
            if not lenient:
                raise
            parsed[name] = []
            unparsed[name] = value.strip()
    if not lenient and not (parsed["to"] or parsed["cc"] or parsed["bcc"]):
        raise InvalidAddress("no recipient", user_message=_("Add at least one recipient."))
    out = Outgoing(
        sender=sender,
        to=parsed["to"],
        cc=parsed["cc"],
        bcc=parsed["bcc"],
        reply_to=reply_to,
        subject=fields.subject.strip(),
        text=fields.text,
        html=fields.html if fields.format == "html" else None,
        attachments=store.files(state),
        message_id=state.message_id,
        in_reply_to=state.in_reply_to,
        references=list(state.references),
        draft_info=draft_info(state),
        unparsed=unparsed,
    )
    return out


def _draft_message(out: Outgoing, placeholders: dict[bytes, AttachmentFile]) -> EmailMessage:
    msg = build_message(out, include_bcc=True, draft=True, placeholders=placeholders)
    for name, value in out.unparsed.items():
        header = name.capitalize()
        del msg[header]
        try:
            msg[header] = value
        except (ValueError, TypeError, IndexError):
            msg[f"X-Webmail-Draft-{header}"] = value
    return msg


# -- drafts --------------------------------------------------------------------------------------


def save_draft(mail: MailSession, store: ComposeStore, state: ComposeState, out: Outgoing) -> int:
    """APPEND the draft, then delete the previous version; returns the new UID.

    The draft is written to a file in the compose's directory, its attachments streamed in
    from their uploads (spool.py), and APPENDed from that file: saving a draft with large
    attachments never holds them in memory. A refused APPEND (over quota, too large) raises
    DraftRefused and changes nothing: the previous version stays in Drafts, the uploads here.
    """
    placeholders: dict[bytes, AttachmentFile] = {}
    msg = _draft_message(out, placeholders)
    message_id = state.message_id
    with store.spool(state) as path:
        write_message(msg, placeholders, path)
        try:
            folder, uid = mail.run(_store_draft(state, message_id, path), retry=False)
        except CommandFailed as exc:
            raise DraftRefused.from_refusal(exc) from exc
    state.draft_folder, state.draft_uid = folder, uid
    store.save(state)
    return uid


def _store_draft(
    state: ComposeState, message_id: str, path: Path
) -> Callable[[IMAPConnection], tuple[str, int]]:
    def op(conn: IMAPConnection) -> tuple[str, int]:
        folder = ensure_role(conn, "\\Drafts")
        uid = conn.append_file(folder, str(path), ["\\Draft", "\\Seen"])
        conn.select(folder)
        copies = conn.search_header("Message-ID", message_id) if message_id else []
        if uid is None:
            uid = max(copies) if copies else 0
        old = set(copies)
        if state.draft_uid and state.draft_folder == folder:
            old.add(state.draft_uid)
        old.discard(uid)
        conn.expunge_messages(sorted(old))
        return folder, uid

    return op


def delete_draft(mail: MailSession, state: ComposeState) -> None:
    if not state.draft_uid or not state.draft_folder:
        return

    def op(conn: IMAPConnection) -> None:
        conn.select(state.draft_folder)
        uids = {state.draft_uid}
        if state.message_id:
            uids.update(conn.search_header("Message-ID", state.message_id))
        conn.expunge_messages(sorted(u for u in uids if u))

    mail.run(op, retry=False)


# -- sending -------------------------------------------------------------------------------------


@dataclass
class SendResult:
    recipients: list[Recipient]
    warnings: list[str]
    size: int = 0  # bytes submitted, for the audit log


def send(mail: MailSession, store: ComposeStore, state: ComposeState, out: Outgoing) -> SendResult:
    """Submit by SMTP, then: copy to Sent, flag the original, delete the draft, clean up.

    On SendFailed the draft is saved first (so nothing is lost) and the error re-raised.
    """
    msg = build_message(out)
    data = msg.as_bytes()
    try:
        submit(
            smtp_server_for_login(mail.login),
            mail.login,
            mail.password(),
            out.sender.email,
            out.recipients,
            data,
        )
    except SendFailed:
        try:
            save_draft(mail, store, state, out)
        except MailError as exc:
            log.warning("saving the draft after a failed send failed: %s", exc.detail)
        raise
    warnings: list[str] = []
    if out.bcc:
        msg["Bcc"] = [r.header() for r in out.bcc]
    sent_bytes = msg.as_bytes()

    def file_sent(folder: str) -> Callable[[IMAPConnection], None]:
        def op(conn: IMAPConnection) -> None:
            conn.append_message(folder or ensure_role(conn, "\\Sent"), sent_bytes, ["\\Seen"])

        return op

    try:
        mail.run(file_sent(state.sent_folder), retry=False)
    except MailError as exc:
        log.warning("copy to %s failed: %s", state.sent_folder or "Sent", exc.detail)
        if not state.sent_folder:
            warnings.append(_("The message was sent, but its copy could not be saved in Sent."))
        else:
            # The identity's folder (a team's Sent) refused it, e.g. access was taken away:
            # the copy goes to the user's own Sent rather than nowhere.
            try:
                mail.run(file_sent(""), retry=False)
                warnings.append(
                    _(
                        "The message was sent, but its copy could not be saved in “%(folder)s”; "
                        "it is in your Sent folder."
                    )
                    % {"folder": state.sent_folder}
                )
            except MailError:
                warnings.append(_("The message was sent, but its copy could not be saved in Sent."))
    flag, original_uid = state.flag_for_original, state.original_uid
    if flag and original_uid:

        def mark(conn: IMAPConnection) -> None:
            conn.select(state.original_folder)
            conn.store_flags([original_uid], [flag], add=True)

        try:
            mail.run(mark)
        except MailError as exc:
            log.info("flagging the original failed: %s", exc.detail)
    try:
        delete_draft(mail, state)
    except MailError as exc:
        log.warning("deleting the draft after sending failed: %s", exc.detail)
        warnings.append(_("The message was sent, but its draft could not be deleted."))
    store.discard(state.compose_id)
    return SendResult([*out.to, *out.cc, *out.bcc], warnings, len(data))
