"""What the compose views call: start writing (new, reply, forward, edit as new, a draft),
save a draft, send.

Drafts go to the Drafts folder by APPEND; the previous version (by UID, and any other copy with
the same Message-ID) is deleted after the new one is stored, so a crash in between leaves two
versions, never none. Sending builds the message once: the bytes submitted carry no Bcc; the copy
APPENDed to Sent (\\Seen) does. A failed submission saves the draft and re-raises, so the
view can show the reason with everything the user wrote still in the form.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime

from django.utils.translation import gettext as _

from accounts.servers import smtp_server_for_login
from mailview.compose.addresses import (
    Recipient,
    check_single_line,
    format_recipients,
    parse_addresses,
)
from mailview.compose.build import (
    DRAFT_INFO_HEADER,
    Outgoing,
    build_message,
    new_message_id,
    quote_html,
    quote_text,
    valid_message_id,
)
from mailview.compose.errors import ComposeError, InvalidAddress, SendFailed
from mailview.compose.sanitize import clean_outgoing_html
from mailview.compose.smtp import submit
from mailview.compose.store import ComposeState, ComposeStore
from mailview.imap.client import IMAPConnection, check_folder_name, decode_text
from mailview.imap.errors import MailError, MessageNotFound
from mailview.mime.text import html_to_text
from mailview.services.actions import ensure_role
from mailview.services.session import MailSession

log = logging.getLogger(__name__)

KINDS = ("reply", "reply_all", "forward", "forward_attached", "edit")
MAX_ORIGINAL = 50 * 1024 * 1024


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
    def from_post(cls, data: object) -> ComposeFields:
        get = data.get  # type: ignore[attr-defined]
        fmt = get("format", "text")
        return cls(
            identity=get("identity", ""),
            to=get("to", ""),
            cc=get("cc", ""),
            bcc=get("bcc", ""),
            subject=get("subject", ""),
            text=get("text", ""),
            html=get("html", ""),
            format=fmt if fmt in ("text", "html") else "text",
        )


@dataclass
class Start:
    """A message ready to be written: its state on disk and the form's initial values."""

    state: ComposeState
    fields: ComposeFields
    cursor_top: bool = True
    notices: list[str] = field(default_factory=list)


# -- building the outgoing message --------------------------------------------------------------


def outgoing(
    fields: ComposeFields,
    identity: object,
    state: ComposeState,
    store: ComposeStore,
    *,
    lenient: bool = False,
) -> Outgoing:
    """The message described by ``fields``; InvalidAddress/HeaderInjection if not sendable.

    ``lenient`` (drafts): an address field that does not parse yet is kept as typed instead.
    Line breaks in header fields are refused either way.
    """
    check_single_line(fields.subject, _("Subject"))
    sender = Recipient(identity.name, identity.email)  # type: ignore[attr-defined]
    reply_to = (
        Recipient("", identity.reply_to)  # type: ignore[attr-defined]
        if identity.reply_to  # type: ignore[attr-defined]
        else None
    )
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
        draft_info=_draft_info(state),
    )
    out.unparsed = unparsed  # type: ignore[attr-defined]
    return out


def _draft_info(state: ComposeState) -> str:
    if state.original_uid is None or not state.original_folder:
        return f"kind={state.kind}"
    folder = base64.urlsafe_b64encode(state.original_folder.encode()).decode()
    return f"kind={state.kind}; folder={folder}; uid={state.original_uid}"


def _parse_draft_info(value: str) -> dict[str, str]:
    info = {}
    for item in value.split(";"):
        key, _sep, val = item.strip().partition("=")
        info[key.strip()] = val.strip()
    return info


def _draft_bytes(out: Outgoing) -> bytes:
    msg = build_message(out, include_bcc=True, draft=True)
    for name, value in getattr(out, "unparsed", {}).items():
        header = name.capitalize()
        del msg[header]
        try:
            msg[header] = value
        except (ValueError, TypeError, IndexError):
            msg[f"X-Webmail-Draft-{header}"] = value
    return msg.as_bytes()


# -- drafts --------------------------------------------------------------------------------------


def save_draft(mail: MailSession, store: ComposeStore, state: ComposeState, out: Outgoing) -> int:
    """APPEND the draft, then delete the previous version; returns the new UID."""
    data = _draft_bytes(out)
    message_id = state.message_id

    def op(conn: IMAPConnection) -> tuple[str, int]:
        folder = ensure_role(conn, "\\Drafts")
        uid = conn.append_message(folder, data, ["\\Draft", "\\Seen"])
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

    folder, uid = mail.run(op, retry=False)
    state.draft_folder, state.draft_uid = folder, uid
    store.save(state)
    return uid


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

    def file_sent(conn: IMAPConnection) -> None:
        folder = ensure_role(conn, "\\Sent")
        conn.append_message(folder, sent_bytes, ["\\Seen"])

    try:
        mail.run(file_sent, retry=False)
    except MailError as exc:
        log.warning("copy to Sent failed: %s", exc.detail)
        warnings.append(_("The message was sent, but its copy could not be saved in Sent."))
    flag = state.flag_for_original
    if flag and state.original_uid:

        def mark(conn: IMAPConnection) -> None:
            conn.select(state.original_folder)
            conn.store_flags([state.original_uid], [flag], add=True)

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


# -- starting to write -----------------------------------------------------------------------------


def _fetch_original(mail: MailSession, folder: str, uid: int) -> EmailMessage:
    check_folder_name(folder)

    def op(conn: IMAPConnection) -> bytes | None:
        conn.select(folder)
        found = conn.fetch_raw([uid])
        return found[0].data if found else None

    raw = mail.run(op, folder=folder)
    if raw is None:
        raise MessageNotFound(f"UID {uid} in {folder}")
    if len(raw) > MAX_ORIGINAL:
        raise ComposeError(
            "original too large", user_message=_("This message is too large to reply to here.")
        )
    msg = message_from_bytes(raw, policy=policy.default)
    msg.raw_bytes = raw  # type: ignore[attr-defined]
    return msg


def _header(msg: EmailMessage, name: str) -> str:
    try:
        value = msg.get(name)
    except (ValueError, TypeError, IndexError):
        value = None
    if value is None:
        raw = msg.get_all(name, failobj=None) if hasattr(msg, "get_all") else None
        value = raw[0] if raw else ""
    return decode_text(" ".join(str(value).split()))


def _recipients_of(msg: EmailMessage, *names: str) -> list[Recipient]:
    values = []
    for name in names:
        try:
            values.extend(str(v) for v in msg.get_all(name, []))
        except (ValueError, TypeError, IndexError):
            continue
    out = []
    for display, email in getaddresses(values):
        if email and "@" in email:
            out.append(Recipient(decode_text(display), email))
    return out


def body_text(msg: EmailMessage) -> str:
    """The readable text of a message (text part, or the HTML part as text)."""
    try:
        part = msg.get_body(preferencelist=("plain", "html"))
    except (KeyError, LookupError):
        part = None
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError, UnicodeError):
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    if part.get_content_type() == "text/html":
        return html_to_text(content)
    return content


def _body_html(msg: EmailMessage) -> str | None:
    try:
        part = msg.get_body(preferencelist=("html",))
    except (KeyError, LookupError):
        return None
    if part is None:
        return None
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError, UnicodeError):
        return None
    if not isinstance(content, str):
        return None
    match = re.search(r"(?is)<body[^>]*>(.*)</body>", content)
    return clean_outgoing_html(match.group(1) if match else content)


def _copy_attachments(store: ComposeStore, state: ComposeState, msg: EmailMessage) -> None:
    for part in msg.iter_attachments():
        filename = part.get_filename() or "attachment"
        content_type = part.get_content_type()
        if content_type == "message/rfc822":
            inner = part.get_payload()
            data = inner[0].as_bytes() if isinstance(inner, list) and inner else b""
            if not filename.lower().endswith(".eml"):
                filename += ".eml"
        else:
            data = part.get_payload(decode=True) or b""
        store.add_attachment(state, filename, content_type, [data], limit=MAX_ORIGINAL)


def _strip_prefix(subject: str) -> str:
    return re.sub(r"^\s*((re|fwd?|aw|wg|sv|tr)\s*(\[\d+\])?\s*:\s*)+", "", subject, flags=re.I)


def _attribution(msg: EmailMessage) -> str:
    sender = _recipients_of(msg, "From")
    who = (sender[0].name or sender[0].email) if sender else _("someone")
    try:
        date = parsedate_to_datetime(_header(msg, "Date"))
        when = date.strftime("%a, %d %b %Y at %H:%M")
    except (TypeError, ValueError, IndexError):
        when = ""
    if when:
        return _("On %(date)s, %(who)s wrote:") % {"date": when, "who": who}
    return _("%(who)s wrote:") % {"who": who}


def _forward_header(msg: EmailMessage) -> str:
    lines = ["-------- " + _("Forwarded Message") + " --------"]
    for name in ("Subject", "Date", "From", "To", "Cc"):
        value = _header(msg, name)
        if value:
            lines.append(f"{name}: {value}")
    return "\n".join(lines)


def _signature(identity: object, html_mode: bool) -> str:
    text = identity.signature_text  # type: ignore[attr-defined]
    if html_mode:
        rich = identity.signature_html  # type: ignore[attr-defined]
        if rich:
            return "<p>-- </p>" + clean_outgoing_html(rich)
        if text:
            return "<p>-- <br>" + "<br>".join(_escape(line) for line in text.splitlines()) + "</p>"
        return ""
    return f"-- \n{text.rstrip()}" if text.strip() else ""


def _escape(value: str) -> str:
    import html as html_module

    return html_module.escape(value)


def start_new(
    store: ComposeStore,
    identity: object,
    settings_obj: object,
    *,
    to: str = "",
) -> Start:
    html_mode = settings_obj.default_format == "html"  # type: ignore[attr-defined]
    state = store.create(new_message_id(identity.email))  # type: ignore[attr-defined]
    signature = _signature(identity, html_mode)
    fields = ComposeFields(identity=str(identity.pk), to=to, format="html" if html_mode else "text")  # type: ignore[attr-defined]
    if html_mode:
        fields.html = "<p><br></p>" + signature if signature else ""
    else:
        fields.text = "\n\n" + signature if signature else ""
    return Start(state, fields)


def start_from_message(
    mail: MailSession,
    store: ComposeStore,
    identities: list[object],
    identity: object,
    settings_obj: object,
    kind: str,
    folder: str,
    uid: int,
) -> Start:
    """Reply, reply all, forward (inline or as attachment) or edit as new."""
    if kind not in KINDS:
        raise ComposeError(f"unknown kind {kind}")
    original = _fetch_original(mail, folder, uid)
    own = {i.email.lower() for i in identities}  # type: ignore[attr-defined]
    html_mode = settings_obj.default_format == "html"  # type: ignore[attr-defined]
    subject = _header(original, "Subject")
    message_id = valid_message_id(_header(original, "Message-ID"))
    fields = ComposeFields(identity=str(identity.pk), format="html" if html_mode else "text")  # type: ignore[attr-defined]
    state_fields: dict[str, object] = {"kind": kind, "original_folder": folder, "original_uid": uid}
    cursor_top = True
    text = body_text(original)
    signature = _signature(identity, html_mode)

    # A reply goes from the identity the original was addressed to, when there is one.
    addressed = {r.email.lower() for r in _recipients_of(original, "To", "Cc")}
    for candidate in identities:
        if candidate.email.lower() in addressed:  # type: ignore[attr-defined]
            fields.identity = str(candidate.pk)  # type: ignore[attr-defined]
            signature = _signature(candidate, html_mode)
            break

    if kind in ("reply", "reply_all"):
        fields.subject = "Re: " + _strip_prefix(subject)
        reply_to = _recipients_of(original, "Reply-To") or _recipients_of(original, "From")
        to = [r for r in reply_to]
        cc: list[Recipient] = []
        if kind == "reply_all":
            to += [r for r in _recipients_of(original, "To") if r.email.lower() not in own]
            cc = [r for r in _recipients_of(original, "Cc") if r.email.lower() not in own]
        if len(to) > 1:
            to = [r for r in to if r.email.lower() not in own] or to[:1]
        fields.to = format_recipients(_unique(to))
        fields.cc = format_recipients(_unique(cc, exclude=to))
        references = [r for r in (_header(original, "References").split() + [message_id]) if r]
        state_fields["in_reply_to"] = message_id
        state_fields["references"] = references[-20:]
        attribution = _attribution(original)
        top = settings_obj.reply_position == "top"  # type: ignore[attr-defined]
        sig_top = settings_obj.signature_position == "top"  # type: ignore[attr-defined]
        cursor_top = top
        if html_mode:
            quoted = f"<p>{_escape(attribution)}</p>" + quote_html(text)
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
        fields.subject = "Fwd: " + _strip_prefix(subject)
        state_fields["references"] = [message_id] if message_id else []
        if kind == "forward":
            header = _forward_header(original)
            if html_mode:
                fields.html = (
                    "<p><br></p>"
                    + signature
                    + "<p>"
                    + "<br>".join(_escape(line) for line in header.splitlines())
                    + "</p>"
                    + (
                        _body_html(original)
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
        fields.to = format_recipients(_recipients_of(original, "To"))
        fields.cc = format_recipients(_recipients_of(original, "Cc"))
        rich = _body_html(original)
        if html_mode and rich is not None:
            fields.html = rich
        else:
            fields.format = "text"
            fields.text = text
        state_fields["original_uid"] = None
        state_fields["original_folder"] = ""

    state = store.create(new_message_id(identity.email), **state_fields)  # type: ignore[attr-defined]
    try:
        if kind in ("forward", "edit"):
            _copy_attachments(store, state, original)
        elif kind == "forward_attached":
            raw = original.raw_bytes  # type: ignore[attr-defined]
            name = (_strip_prefix(subject) or "message")[:80] + ".eml"
            store.add_attachment(state, name, "message/rfc822", [raw], limit=MAX_ORIGINAL)
    except BaseException:
        store.discard(state.compose_id)
        raise
    return Start(state, fields, cursor_top=cursor_top)


def _unique(recipients: list[Recipient], exclude: list[Recipient] = ()) -> list[Recipient]:  # type: ignore[assignment]
    seen = {r.email.lower() for r in exclude}
    out = []
    for r in recipients:
        if r.email.lower() not in seen:
            seen.add(r.email.lower())
            out.append(r)
    return out


def open_draft(mail: MailSession, store: ComposeStore, identities: list[object], uid: int) -> Start:
    """Continue the draft ``uid`` of the Drafts folder."""

    def find(conn: IMAPConnection) -> str:
        return ensure_role(conn, "\\Drafts")

    folder = mail.run(find)
    draft = _fetch_original(mail, folder, uid)
    info = _parse_draft_info(_header(draft, DRAFT_INFO_HEADER))
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
    message_id = valid_message_id(_header(draft, "Message-ID")) or new_message_id("localhost")
    state = store.create(
        message_id,
        kind=kind,
        draft_folder=folder,
        draft_uid=uid,
        original_folder=original_folder,
        original_uid=original_uid,
        in_reply_to=valid_message_id(_header(draft, "In-Reply-To")),
        references=[r for r in _header(draft, "References").split() if valid_message_id(r)],
    )
    sender = _recipients_of(draft, "From")
    identity_id = ""
    for candidate in identities:
        if sender and candidate.email.lower() == sender[0].email.lower():  # type: ignore[attr-defined]
            identity_id = str(candidate.pk)  # type: ignore[attr-defined]
    fields = ComposeFields(
        identity=identity_id or str(identities[0].pk),  # type: ignore[attr-defined]
        to=_header(draft, "To") or _header(draft, "X-Webmail-Draft-To"),
        cc=_header(draft, "Cc") or _header(draft, "X-Webmail-Draft-Cc"),
        bcc=_header(draft, "Bcc") or _header(draft, "X-Webmail-Draft-Bcc"),
        subject=_header(draft, "Subject"),
    )
    rich = _body_html(draft)
    if rich is not None:
        fields.format, fields.html = "html", rich
    else:
        fields.text = body_text(draft)
    try:
        _copy_attachments(store, state, draft)
    except BaseException:
        store.discard(state.compose_id)
        raise
    return Start(state, fields)
