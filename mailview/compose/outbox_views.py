"""Undo send: the Undo button and the notice's question "is it sent yet?"."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.requests import AuthenticatedRequest
from mailview.compose import outbox
from mailview.compose.outbox_worker import adopt
from mailview.imap.errors import MailError
from mailview.models import OutgoingMessage
from mailview.services.session import MailSession

log = logging.getLogger(__name__)


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/mail/INBOX/"


def too_late(state: str) -> str:
    if state in (OutgoingMessage.SENT, OutgoingMessage.DONE):
        return _("Too late to undo: the message has already been sent.")
    if state == OutgoingMessage.SENDING:
        return _("Too late to undo: the message is being sent.")
    if state == OutgoingMessage.CANCELLED:
        return _("Sending was already undone.")
    if state == OutgoingMessage.FAILED:
        return _("The message was not sent; it is kept in Drafts.")
    return _("There is no such message to undo.")


@login_required
@require_POST
def undo_send(request: AuthenticatedRequest, token: str) -> HttpResponse:
    """Cancel a message waiting in the outbox and reopen it in the editor, as it was."""
    result = outbox.undo(request.user, token)
    if result.undone:
        messages.info(request, _("Sending undone. Your message is open again."))
        return redirect("compose:page", compose_id=result.compose_id)
    messages.warning(request, too_late(result.state))
    return redirect(_back(request))


def status_of(row: OutgoingMessage) -> dict[str, Any]:
    """What the notice shows for ``row`` (also the JSON the notice asks for)."""
    remaining = max(0.0, (row.due - timezone.now()).total_seconds())
    if row.state in (OutgoingMessage.QUEUED, OutgoingMessage.SENDING):
        text = _("Sending…")
    elif row.state in (OutgoingMessage.SENT, OutgoingMessage.DONE):
        text = _("Message sent to %(names)s.") % {"names": row.summary}
        if row.state == OutgoingMessage.DONE and row.error:
            text += " " + row.error
    elif row.state == OutgoingMessage.FAILED:
        text = _("Your message to %(names)s was not sent: %(reason)s") % {
            "names": row.summary,
            "reason": row.error,
        }
    else:
        text = _("Sending undone.")
    return {
        "state": row.state,
        "text": text,
        "undoable": row.state == OutgoingMessage.QUEUED,
        "remaining": round(remaining, 1),
        "final": row.state not in outbox.ACTIVE,
        "failed": row.state == OutgoingMessage.FAILED,
        "open_url": reverse("compose:page", args=[row.compose_id])
        if row.state == OutgoingMessage.FAILED
        else "",
        "open_label": _("Open the message"),
    }


@login_required
@require_GET
def send_status(request: AuthenticatedRequest, token: str) -> JsonResponse:
    """How a message of the outbox is doing; the user's own only (else 404)."""
    row = OutgoingMessage.objects.filter(user=request.user, token=token).first()
    if row is None or not outbox.TOKEN.match(token):
        return JsonResponse({"error": _("No such message.")}, status=404)
    lend_secret(request, [row])
    data = status_of(row)
    outbox.mark_reported([row])  # what it said ("sent", or how it ended) is not said again
    return JsonResponse(data)


def lend_secret(request: AuthenticatedRequest, rows: list[OutgoingMessage]) -> None:
    """Unsent rows no worker of this process holds (a restart): this request's secret sends them."""
    try:
        adopt(request.user, MailSession.for_request(request), rows)
    except MailError as exc:
        log.info("outbox: no secret to lend: %s", exc.detail or exc)
