"""Compose views: start writing, the compose page, autosave, attachments, send, discard."""

from __future__ import annotations

import logging
import re
from dataclasses import asdict
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import audit
from accounts.models import AuditEvent, ComposeSettings, Identity, RecentAddress
from accounts.requests import AuthenticatedRequest
from mailview.compose import outbox, service
from mailview.compose.addresses import Recipient
from mailview.compose.build import guess_type
from mailview.compose.checks import send_warnings, worth_a_draft
from mailview.compose.errors import ComposeError, SendFailed
from mailview.compose.limits import attachments_limit
from mailview.compose.outbox_worker import hand_over
from mailview.compose.start import ComposeFields, open_draft, start_from_message, start_new
from mailview.compose.store import ComposeState, ComposeStore, human_size
from mailview.imap.errors import MailError
from mailview.services import mailbox as services
from mailview.services.session import MailSession

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)


def _store(request: AuthenticatedRequest) -> ComposeStore:
    return ComposeStore(request.user.pk)


def _identity(identities: list[Identity], wanted: str) -> Identity:
    for identity in identities:
        if str(identity.pk) == wanted:
            return identity
    return identities[0]


@login_required
def compose_start(request: AuthenticatedRequest) -> HttpResponse:
    """GET /compose/ (new), ?kind=reply&folder=F&uid=N, or ?draft=N: then the compose page."""
    store = _store(request)
    identities = Identity.for_user(request.user)
    prefs = ComposeSettings.for_user(request.user)
    mail = MailSession.for_request(request)
    kind = request.GET.get("kind", "")
    uid = request.GET.get("uid", "")
    draft = request.GET.get("draft", "")
    folder = request.GET.get("folder", "INBOX")
    # Starting from a message copies it (or its attachments) to disk: opening the same start
    # again in this session goes back to that compose instead of making another copy.
    key = ""
    if draft.isdigit():
        key = f"draft:{draft}"
    elif kind and uid.isdigit():
        key = f"{kind}:{uid}:{folder}"
    earlier = _started(request, store, key)
    if earlier:
        return redirect("compose:page", compose_id=earlier)
    if draft.isdigit():
        start = open_draft(mail, store, identities, int(draft))
    elif kind and uid.isdigit():
        start = start_from_message(
            mail, store, identities, identities[0], prefs, kind, folder, int(uid)
        )
    else:
        to = request.GET.get("to", "")
        start = start_new(store, identities[0], prefs, to=to if len(to) < 2000 else "")
    if key:
        _remember_start(request, key, start.state.compose_id)
    fields = asdict(start.fields)
    fields["cursor"] = "top" if start.cursor_top else "bottom"
    store.save_fields(start.state.compose_id, fields)
    return redirect("compose:page", compose_id=start.state.compose_id)


STARTS_KEY = "compose_starts"
STARTS_KEPT = 20


def _started(request: AuthenticatedRequest, store: ComposeStore, key: str) -> str | None:
    """The compose this session started from ``key`` (kind, message), if it is still open."""
    compose_id = request.session.get(STARTS_KEY, {}).get(key) if key else None
    if not compose_id:
        return None
    try:
        store.load(compose_id)
    except ComposeError:  # sent or discarded since
        return None
    return str(compose_id)


def _remember_start(request: AuthenticatedRequest, key: str, compose_id: str) -> None:
    starts = dict(request.session.get(STARTS_KEY, {}))
    starts.pop(key, None)
    starts[key] = compose_id
    request.session[STARTS_KEY] = dict(list(starts.items())[-STARTS_KEPT:])


def _render(
    request: AuthenticatedRequest,
    state: ComposeState,
    fields: dict[str, str],
    *,
    error: str = "",
    warnings: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    identities = Identity.for_user(request.user)
    tree = services.folder_tree(MailSession.for_request(request))
    total = attachments_limit(request.user.get_username())
    return render(
        request,
        "compose/compose.html",
        {
            "tree": tree,
            "state": state,
            "fields": fields,
            "identities": identities,
            "error": error,
            "warnings": warnings or [],
            "max_size": settings.WEBMAIL_MAX_ATTACHMENT_SIZE,
            "max_size_human": human_size(settings.WEBMAIL_MAX_ATTACHMENT_SIZE),
            "max_total": total,
            "max_total_human": human_size(total),
            "attached": sum(a.size for a in state.attachments),
            "html_mode": fields.get("format") == "html",
        },
        status=status,
    )


@login_required
def compose_page(request: AuthenticatedRequest, compose_id: str) -> HttpResponse:
    store = _store(request)
    state = store.load(compose_id)
    if outbox.is_queued(request.user, compose_id):
        # Sent with a delay: the editor stays closed unless Undo reopens it (no second send).
        messages.info(request, _("This message is being sent."))
        return redirect("mailview:mailbox", folder="INBOX")
    return _render(request, state, store.load_fields(compose_id))


def _post_fields(request: HttpRequest) -> tuple[ComposeFields, dict[str, str]]:
    fields = ComposeFields.from_post(request.POST)
    raw = asdict(fields)
    raw["cursor"] = request.POST.get("cursor", "top")
    return fields, raw


_SAVE_PAGE = re.compile(r"^[0-9a-z]{8,40}$")


def _save_number(request: HttpRequest) -> tuple[str, int]:
    """The page load and the number a save carries (``("", 0)``: none, or not well formed)."""
    page = request.POST.get("save_page", "")
    seq = request.POST.get("save_seq", "")
    if not _SAVE_PAGE.match(page) or not seq.isdigit() or len(seq) > 15:
        return "", 0
    return page, int(seq)


@login_required
@require_POST
def compose_save(request: AuthenticatedRequest, compose_id: str) -> JsonResponse:
    """Autosave: the draft goes to Drafts (replacing the previous version)."""
    store = _store(request)
    fields, raw = _post_fields(request)
    mail = MailSession.for_request(request)
    if outbox.is_queued(request.user, compose_id):
        return JsonResponse({"ok": True, "skipped": True, "sending": True})
    page, seq = _save_number(request)
    try:
        with store.locked(compose_id) as state:
            if state.is_stale_save(page, seq):
                # A newer save of this page was written first (the one sent as the tab closed).
                return JsonResponse({"ok": True, "uid": state.draft_uid, "stale": True})
            store.save_fields(compose_id, raw)
            if page:
                state.save_page, state.save_seq = page, seq
                store.save(state)
            if not worth_a_draft(fields, len(state.attachments), replying=state.kind != "new"):
                return JsonResponse({"ok": True, "uid": state.draft_uid, "skipped": True})
            identity = _identity(Identity.for_user(request.user), fields.identity)
            out = service.outgoing(fields, identity, state, store, lenient=True)
            uid = service.save_draft(mail, store, state, out)
    except MailError as exc:
        log.info("draft not saved: %s", exc.detail)
        return JsonResponse({"ok": False, "error": str(exc.user_message)}, status=exc.status)
    return JsonResponse({"ok": True, "uid": uid})


@login_required
@require_POST
def compose_send(request: AuthenticatedRequest, compose_id: str) -> HttpResponse:
    store = _store(request)
    fields, raw = _post_fields(request)
    mail = MailSession.for_request(request)
    delay = ComposeSettings.for_user(request.user).undo_send_delay
    with store.locked(compose_id) as state:
        if outbox.is_queued(request.user, compose_id):
            # A second Send (a double click, another tab) while it waits: never a second copy.
            messages.info(request, _("This message is being sent."))
            return redirect("mailview:mailbox", folder="INBOX")
        store.save_fields(compose_id, raw)
        identity = _identity(Identity.for_user(request.user), fields.identity)
        try:
            out = service.outgoing(fields, identity, state, store)
        except ComposeError as exc:
            _save_quietly(mail, store, state, fields, identity)
            return _render(request, state, raw, error=str(exc.user_message), status=exc.status)
        warnings = send_warnings(fields, len(state.attachments))
        if warnings and request.POST.get("confirmed") != "1":
            return _render(request, state, raw, warnings=warnings)
        if delay > 0:
            # Undo send: the outbox's worker sends it in `delay` seconds, whatever page is open.
            row = outbox.queue(mail, request.user, store, state, out, delay)
            hand_over(request.user, mail, row)
            return redirect("mailview:mailbox", folder="INBOX")
        try:
            result = service.send(mail, store, state, out)
        except SendFailed as exc:
            log.info("send failed: %s: %s", type(exc).__name__, exc.detail)
            text = str(exc.user_message) + " " + _("Your message is kept in Drafts.")
            return _render(request, state, raw, error=text, status=exc.status)
    _remember(request.user, result.recipients)
    audit.record(
        AuditEvent.MESSAGE_SENT,
        request.user,
        request,
        recipients=len(result.recipients),
        size=result.size,
    )
    names = ", ".join(r.name or r.email for r in result.recipients[:5])
    messages.success(request, _("Message sent to %(names)s.") % {"names": names})
    for warning in result.warnings:
        messages.warning(request, warning)
    return redirect("mailview:mailbox", folder="INBOX")


def _save_quietly(
    mail: MailSession,
    store: ComposeStore,
    state: ComposeState,
    fields: ComposeFields,
    identity: Identity,
) -> None:
    if not worth_a_draft(fields, len(state.attachments), replying=state.kind != "new"):
        return
    try:
        out = service.outgoing(fields, identity, state, store, lenient=True)
        service.save_draft(mail, store, state, out)
    except MailError as exc:
        log.info("draft not saved: %s", exc.detail)


def _remember(user: User, recipients: list[Recipient]) -> None:
    for r in recipients:
        obj, created = RecentAddress.objects.get_or_create(
            user=user, email=r.email, defaults={"name": r.name}
        )
        if not created:
            obj.times += 1
            if r.name:
                obj.name = r.name
            obj.save()


@login_required
@require_POST
def compose_discard(request: AuthenticatedRequest, compose_id: str) -> HttpResponse:
    store = _store(request)
    with store.locked(compose_id) as state:
        service.delete_draft(MailSession.for_request(request), state)
    store.discard(compose_id)
    messages.success(request, _("Message discarded."))
    return redirect("mailview:mailbox", folder="INBOX")


def _attachment_json(state: ComposeState) -> list[dict[str, object]]:
    return [
        {"id": a.id, "filename": a.filename, "size": a.size, "size_human": human_size(a.size)}
        for a in state.attachments
    ]


@login_required
@require_POST
def attachment_upload(request: AuthenticatedRequest, compose_id: str) -> JsonResponse:
    store = _store(request)
    files = request.FILES.getlist("file")
    if not files:
        return JsonResponse({"ok": False, "error": _("No file was received.")}, status=400)
    try:
        with store.locked(compose_id) as state:
            for upload in files:
                store.add_attachment(
                    state,
                    upload.name or "attachment",
                    guess_type(upload.name or "", upload.content_type),
                    upload.chunks(),
                    total_limit=attachments_limit(request.user.get_username()),
                )
    except MailError as exc:
        return JsonResponse({"ok": False, "error": str(exc.user_message)}, status=exc.status)
    return JsonResponse({"ok": True, "attachments": _attachment_json(state)})


@login_required
@require_POST
def attachment_remove(
    request: AuthenticatedRequest, compose_id: str, attachment_id: str
) -> JsonResponse:
    store = _store(request)
    try:
        with store.locked(compose_id) as state:
            store.remove_attachment(state, attachment_id)
    except MailError as exc:
        return JsonResponse({"ok": False, "error": str(exc.user_message)}, status=exc.status)
    return JsonResponse({"ok": True, "attachments": _attachment_json(state)})
