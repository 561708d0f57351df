"""Starting to write: the form's fields (``ComposeFields``) and the state on disk for a new
message, a reply, a forward (inline or attached), "edit as new", or a draft being continued.
"""

from __future__ import annotations

import base64
import binascii
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.http import QueryDict

from mailview.compose import original as orig
from mailview.compose.addresses import Recipient, format_recipients
from mailview.compose.build import (
    DRAFT_INFO_HEADER,
    new_message_id,
    quote_html,
    quote_text,
    valid_message_id,
)
from mailview.compose.errors import ComposeError
from mailview.compose.sanitize import clean_outgoing_html
from mailview.compose.store import ComposeState, ComposeStore, parse_draft_info
from mailview.imap.client import IMAPConnection, check_folder_name
from mailview.imap.errors import MailError
from mailview.services.actions import ensure_role
from mailview.services.session import MailSession

if TYPE_CHECKING:
    from accounts.models import ComposeSettings, Identity

KINDS = ("reply", "reply_all", "forward", "forward_attached", "edit")


@dataclass
class ComposeFields:
    """The form as the user left it (strings as typed)."""

    identity: str = ""
    to: str = ""
    cc: str = ""
    bcc: str = ""
    subject: str = ""
    text: str = ""
    html: str = ""
    format: str = "text"  # "text" or "html"

    @classmethod
    def from_post(cls, data: QueryDict) -> ComposeFields:
        fmt = data.get("format", "text")
        return cls(
            identity=data.get("identity", ""),
            to=data.get("to", ""),
            cc=data.get("cc", ""),
            bcc=data.get("bcc", ""),
            subject=data.get("subject", ""),
            text=data.get("text", ""),
            html=data.get("html", ""),
            format=fmt if fmt in ("text", "html") else "text",
        )


@dataclass
class Start:
    """A message ready to be written: its state on disk and the form's initial values."""

    state: ComposeState
    fields: ComposeFields
    cursor_top: bool = True
    notices: list[str] = field(default_factory=list)


def _signature(identity: Identity, html_mode: bool) -> str:
    text = identity.signature_text
    if html_mode:
        rich = identity.signature_html
        if rich:
            return "<p>-- </p>" + clean_outgoing_html(rich)
        if text:
            return (
                "<p>-- <br>" + "<br>".join(html.escape(line) for line in text.splitlines()) + "</p>"
            )
        return ""
    return f"-- \n{text.rstrip()}" if text.strip() else ""


def start_new(
    store: ComposeStore,
    identity: Identity,
    settings_obj: ComposeSettings,
    *,
    to: str = "",
) -> Start:
    html_mode = settings_obj.default_format == "html"
    state = store.create(new_message_id(identity.email))
    signature = _signature(identity, html_mode)
    fields = ComposeFields(identity=str(identity.pk), to=to, format="html" if html_mode else "text")
    if html_mode:
        fields.html = "<p><br></p>" + signature if signature else ""
    else:
        fields.text = "\n\n" + signature if signature else ""
    return Start(state, fields)


def _files_beside(sent_folder: str, folder: str) -> bool:
    """``sent_folder`` is ``folder``'s sibling or child ("shared/alice/Support/Sent" beside
    "shared/alice/Support/Inbox", or below "shared/alice/Support"), whatever the delimiter."""
    if not sent_folder or sent_folder == folder:
        return False
    for delimiter in "/.":
        parent = sent_folder.rpartition(delimiter)[0]
        if parent and (folder == parent or folder.startswith(parent + delimiter)):
            return True
    return False


def start_from_message(
    mail: MailSession,
    store: ComposeStore,
    identities: Sequence[Identity],
    identity: Identity,
    settings_obj: ComposeSettings,
    kind: str,
    folder: str,
    uid: int,
) -> Start:
    """Reply, reply all, forward (inline or as attachment) or edit as new."""
    if kind not in KINDS:
        raise ComposeError(f"unknown kind {kind}")
    original, original_raw = orig.fetch_original(mail, folder, uid)
    own = {i.email.lower() for i in identities}
    html_mode = settings_obj.default_format == "html"
    subject = orig.header(original, "Subject")
    message_id = valid_message_id(orig.header(original, "Message-ID"))
    fields = ComposeFields(identity=str(identity.pk), format="html" if html_mode else "text")
    state_fields: dict[str, object] = {"kind": kind, "original_folder": folder, "original_uid": uid}
    cursor_top = True
    text = orig.body_text(original)
    signature = _signature(identity, html_mode)

    # A reply goes from the identity the original was addressed to, when there is one.
    addressed = {r.email.lower() for r in orig.recipients_of(original, "To", "Cc")}
    # Else, from a team's folder (shared "support"), the identity that files in that team's
    # folders (its Sent folder is beside or below the original's folder).
    chosen = next((i for i in identities if i.email.lower() in addressed), None)
    chosen = chosen or next((i for i in identities if _files_beside(i.sent_folder, folder)), None)
    if chosen is not None:
        fields.identity = str(chosen.pk)
        signature = _signature(chosen, html_mode)

    if kind in ("reply", "reply_all"):
        fields.subject = "Re: " + orig.strip_prefix(subject)
        reply_to = orig.recipients_of(original, "Reply-To") or orig.recipients_of(original, "From")
        to = [r for r in reply_to]
        cc: list[Recipient] = []
        if kind == "reply_all":
            to += [r for r in orig.recipients_of(original, "To") if r.email.lower() not in own]
            cc = [r for r in orig.recipients_of(original, "Cc") if r.email.lower() not in own]
        if len(to) > 1:
            to = [r for r in to if r.email.lower() not in own] or to[:1]
        fields.to = format_recipients(_unique(to))
        fields.cc = format_recipients(_unique(cc, exclude=to))
        references = [r for r in (orig.header(original, "References").split() + [message_id]) if r]
        state_fields["in_reply_to"] = message_id
        state_fields["references"] = references[-20:]
        attribution = orig.attribution(original)
        top = settings_obj.reply_position == "top"
        sig_top = settings_obj.signature_position == "top"
        cursor_top = top
        if html_mode:
            quoted = f"<p>{html.escape(attribution)}</p>" + quote_html(text)
            sig = signature if signature else ""
            if top:
                fields.html = (
                    "<p><br></p>" + (sig if sig_top else "") + quoted + ("" if sig_top else sig)
                )
            else:
                fields.html = quoted + "<p><br></p>" + sig
        else:
            quoted = f"{attribution}\n{quote_text(text)}\n"
            sig = f"\n{signature}\n" if signature else ""
            if top:
                fields.text = (
                    "\n" + (sig if sig_top else "") + "\n" + quoted + ("" if sig_top else sig)
                )
            else:
                fields.text = quoted + "\n\n" + sig
    elif kind in ("forward", "forward_attached"):
        fields.subject = "Fwd: " + orig.strip_prefix(subject)
        state_fields["references"] = [message_id] if message_id else []
        if kind == "forward":
            header = orig.forward_header(original)
            if html_mode:
                fields.html = (
                    "<p><br></p>"
                    + signature
                    + "<p>"
                    + "<br>".join(html.escape(line) for line in header.splitlines())
                    + "</p>"
                    + (
                        orig.body_html(original)
                        or quote_html(text)
                        .replace('<blockquote type="cite">', "<div>")
                        .replace("</blockquote>", "</div>")
                    )
                )
            else:
                fields.text = (
                    "\n\n" + (signature + "\n\n" if signature else "") + header + "\n\n" + text
                )
        else:
            fields.text = "\n\n" + signature if signature and not html_mode else ""
            fields.html = "<p><br></p>" + signature if html_mode else ""
    else:  # edit as new
        fields.subject = subject
        fields.to = format_recipients(orig.recipients_of(original, "To"))
        fields.cc = format_recipients(orig.recipients_of(original, "Cc"))
        rich = orig.body_html(original)
        if html_mode and rich is not None:
            fields.html = rich
        else:
            fields.format = "text"
            fields.text = text
        state_fields["original_uid"] = None
        state_fields["original_folder"] = ""

    state = store.create(new_message_id(identity.email), **state_fields)
    try:
        if kind in ("forward", "edit"):
            orig.copy_attachments(store, state, original)
        elif kind == "forward_attached":
            name = (orig.strip_prefix(subject) or "message")[:80] + ".eml"
            store.add_attachment(
                state, name, "message/rfc822", [original_raw], limit=orig.MAX_ORIGINAL
            )
    except BaseException:
        store.discard(state.compose_id)
        raise
    return Start(state, fields, cursor_top=cursor_top)


def _unique(recipients: list[Recipient], exclude: Sequence[Recipient] = ()) -> list[Recipient]:
    seen = {r.email.lower() for r in exclude}
    out = []
    for r in recipients:
        if r.email.lower() not in seen:
            seen.add(r.email.lower())
            out.append(r)
    return out


def open_draft(
    mail: MailSession, store: ComposeStore, identities: Sequence[Identity], uid: int
) -> Start:
    """Continue the draft ``uid`` of the Drafts folder."""

    def find(conn: IMAPConnection) -> str:
        return ensure_role(conn, "\\Drafts")

    folder = mail.run(find)
    draft, _raw = orig.fetch_original(mail, folder, uid)
    info = parse_draft_info(orig.header(draft, DRAFT_INFO_HEADER))
    original_folder = ""
    original_uid = None
    try:
        if info.get("folder") and info.get("uid", "").isdigit():
            original_folder = check_folder_name(base64.urlsafe_b64decode(info["folder"]).decode())
            original_uid = int(info["uid"])
    except (binascii.Error, UnicodeDecodeError, ValueError, MailError):
        original_folder, original_uid = "", None
    kind = info.get("kind", "draft")
    if kind not in KINDS and kind != "new":
        kind = "draft"
    message_id = valid_message_id(orig.header(draft, "Message-ID")) or new_message_id("localhost")
    state = store.create(
        message_id,
        kind=kind,
        draft_folder=folder,
        draft_uid=uid,
        original_folder=original_folder,
        original_uid=original_uid,
        in_reply_to=valid_message_id(orig.header(draft, "In-Reply-To")),
        references=[r for r in orig.header(draft, "References").split() if valid_message_id(r)],
    )
    sender = orig.recipients_of(draft, "From")
    identity_id = ""
    for candidate in identities:
        if sender and candidate.email.lower() == sender[0].email.lower():
            identity_id = str(candidate.pk)
    fields = ComposeFields(
        identity=identity_id or str(identities[0].pk),
        to=orig.header(draft, "To") or orig.header(draft, "X-Webmail-Draft-To"),
        cc=orig.header(draft, "Cc") or orig.header(draft, "X-Webmail-Draft-Cc"),
        bcc=orig.header(draft, "Bcc") or orig.header(draft, "X-Webmail-Draft-Bcc"),
        subject=orig.header(draft, "Subject"),
    )
    rich = orig.body_html(draft)
    if rich is not None:
        fields.format, fields.html = "html", rich
    else:
        fields.text = orig.body_text(draft)
    try:
        orig.copy_attachments(store, state, draft)
    except BaseException:
        store.discard(state.compose_id)
        raise
    return Start(state, fields)
