"""Serving an unchanged page from what was rendered last time (mailview.render.pages).

``kept_or_rendered`` renders a page only when something it shows changed: the inputs compared
are the view's own (rows, tree, folder, rights...) plus everything a page of the app reads
from the request: the user, their settings, the language, the time zone and today's date (list
dates are written relative to today), and the session's contents (undo, out-of-office state,
whatever a template shows from it). A page with flash messages, or shown while a message waits
in the outbox, is neither kept nor served from the store. Pages are kept per user, session and
path, never across users or sessions.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.dispatch import receiver
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString

from accounts.requests import AuthenticatedRequest
from accounts.signals import mail_sessions_ended
from mailview.compose import outbox
from mailview.render.pages import fragment_store, page_store
from mailview.services.out_of_office import vacation_status_known

#: Bump when a change to the templates must not be served from pages kept before it (pages are
#: kept in memory only, so a restart forgets them anyway).
PAGE_VERSION = 1


def request_inputs(request: AuthenticatedRequest) -> tuple[object, ...]:
    """What any page of the app reads from the request besides the view's own context."""
    prefs = request.preferences
    return (
        PAGE_VERSION,
        request.user.pk,
        request.user.get_username(),
        translation.get_language(),
        timezone.get_current_timezone_name(),
        timezone.localdate(),
        tuple(getattr(prefs, f.attname) for f in prefs._meta.concrete_fields),
        repr(sorted(request.session.items())),
        # The out-of-office banner asks the server again once the session's copy is too old.
        vacation_status_known(request.session),
    )


def kept_or_rendered(
    request: AuthenticatedRequest,
    template: str,
    context: dict[str, Any],
    inputs: tuple[object, ...],
) -> HttpResponse:
    """``render(request, template, context)``, or the same page kept from an earlier request
    with equal ``inputs`` (the view's: what the context is made of)."""
    return HttpResponse(_kept(request, request.get_full_path(), template, context, inputs))


def kept_frame(
    request: AuthenticatedRequest,
    template: str,
    context: dict[str, Any],
    inputs: tuple[object, ...],
    slots: dict[str, SafeString],
) -> HttpResponse:
    """A page whose frame (``template`` with ``context``) changes rarely and whose ``slots``
    (context names -> HTML) change with every request, as search results do: the frame is kept
    like a page, per user, session and template, and the slots are put in its copy."""
    marks = {name: SafeString(f"<!--{_SLOT_MARK}:{name}-->") for name in slots}
    frame = _kept(request, f"frame:{template}", template, {**context, **marks}, inputs)
    for name, mark in marks.items():
        frame = frame.replace(mark.encode(), slots[name].encode())
    return HttpResponse(frame)


#: Unguessable, so that nothing a message or a folder name holds can be taken for a slot.
_SLOT_MARK = f"slot-{secrets.token_hex(16)}"


def _kept(
    request: AuthenticatedRequest,
    path: str,
    template: str,
    context: dict[str, Any],
    inputs: tuple[object, ...],
) -> bytes:
    key = (request.user.get_username(), request.session.session_key or "", path)
    if len(messages.get_messages(request)) or not key[1] or outbox.request_has_visible(request):
        # Flash messages, or a message waiting to be sent (its "Sending… Undo" notice lends
        # the worker the user's secret: templatetags/outbox.py): drawn for this request only.
        return render_to_string(template, context, request).encode()
    everything = (inputs, request_inputs(request))
    body = page_store.get(key, everything, get_token(request))
    if body is not None:
        return body
    rendered = render_to_string(template, context, request).encode()
    # Rendering may have changed the session (e.g. the out-of-office state read): the inputs
    # are taken again so that the next identical request matches.
    page_store.put(key, (inputs, request_inputs(request)), rendered)
    return rendered


@receiver(mail_sessions_ended, dispatch_uid="mailview.views.kept")
def forget_pages(sender: object, login: str, **kwargs: object) -> None:
    """The login's sessions ended (logout, ended by an admin, account disabled)."""
    page_store.drop_login(login)
    fragment_store.drop_login(login)
