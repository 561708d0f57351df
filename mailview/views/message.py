"""The message view, its sandboxed HTML frame, parts, downloads and the trusted-sender form."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from urllib.parse import urlencode

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from accounts.requests import AuthenticatedRequest
from mailview.imap.errors import MailError, MessageNotFound
from mailview.mime.parse import PREVIEW_TYPES, safe_filename
from mailview.models import TrustedSender
from mailview.services import downloads
from mailview.services import mailbox as services
from mailview.services import message as reading
from mailview.services.conversation import Conversation, conversation
from mailview.services.folders import FolderTree
from mailview.services.session import MailSession
from mailview.views.kept import kept_or_rendered
from mailview.views.view_mode import conversation_view

log = logging.getLogger(__name__)

# Downloads never run anything, whatever they claim to be.
DOWNLOAD_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:"


def _prefs(request: HttpRequest, name: str, default: object) -> object:
    return getattr(getattr(request, "preferences", None), name, default)


def _trusted_sender(request: AuthenticatedRequest) -> Callable[[str], bool]:
    """Whether the user trusts ``sender``: one query per sender and request (a message view
    asks for the remote-content policy and for the "trusted" mark)."""
    user = request.user
    known: dict[str, bool] = {}

    def trusted(sender: str) -> bool:
        if sender not in known:
            known[sender] = TrustedSender.trusts(user, sender)
        return known[sender]

    return trusted


def _remote_policy(
    request: AuthenticatedRequest, trusted: Callable[[str], bool] | None = None
) -> Callable[[str], bool]:
    """Whether to load remote content for a message from `sender`."""
    wanted = (
        request.GET.get("remote") == "1" or _prefs(request, "remote_content", "block") == "allow"
    )
    trusted = trusted or _trusted_sender(request)
    return lambda sender: wanted or trusted(sender)


def _part_url(folder: str, uid: int) -> Callable[[str], str]:
    prefix = reverse("mailview:message_part", args=[folder, uid, "1"])[: -len("1/")]
    return lambda section: f"{prefix}{section}/?inline=1"


def _links(request: HttpRequest, folder: str, uid: int) -> dict[str, str]:
    """The message's own URL with this view's choices (part, view, remote), and variants."""
    base = reverse("mailview:message", args=[folder, uid])
    keep = {k: request.GET.get(k, "") for k in ("part", "view", "remote")}

    def url(**changes: str) -> str:
        query = {k: v for k, v in {**keep, **changes}.items() if v}
        return base + ("?" + urlencode(query) if query else "")

    return {
        "current": url(),
        "page": url(),
        "text": url(view="text"),
        "html": url(view="html"),
        "remote": url(remote="1"),
    }


def _read(
    request: AuthenticatedRequest, folder: str, uid: int, pane: bool
) -> tuple[FolderTree | None, dict[str, object]]:
    """The message as the page or the preview pane shows it (and, for a page, the tree)."""
    view_mode = request.GET.get("view")
    prefer_html = bool(_prefs(request, "prefer_html", True))
    if view_mode in ("html", "text"):
        prefer_html = view_mode == "html"
    req = reading.ViewRequest(
        folder=folder,
        uid=uid,
        part=request.GET.get("part", ""),
        prefer_html=prefer_html,
        allow_remote=request.GET.get("remote") == "1"
        or _prefs(request, "remote_content", "block") == "allow",
        mark_seen=bool(_prefs(request, "mark_read_on_open", True)),
    )
    trusted = _trusted_sender(request)
    trusts = _remote_policy(request, trusted)
    mail = MailSession.for_request(request)
    tree, msg = reading.message_view(
        mail,
        req,
        _part_url(folder, uid),
        lambda sender: trusts(sender),
        tree=None if pane else services.page_tree,
    )
    return tree, {
        "msg": msg,
        "folder": folder,
        "pane": pane,
        "message_url": reverse("mailview:message", args=[folder, uid]),
        "links": _links(request, folder, uid),
        "frame_query": urlencode({"remote": "1"}) if msg.remote_allowed else "",
        "trusted": bool(msg.sender_email) and trusted(msg.sender_email),
        "conversation": _conversation(request, folder, uid, msg.part),
    }


def preview_context(request: AuthenticatedRequest, folder: str) -> dict[str, object]:
    """A list page's ?msg=<uid>: the message its preview pane shows when the page is loaded
    (a reload or a link to the list with that message open), drawn by the pane's template.
    Nothing when there is none, or it is gone (moved, deleted): the pane's placeholder."""
    try:
        uid = int(request.GET.get("msg", ""))
    except ValueError:
        return {}
    if uid <= 0 or _prefs(request, "layout", "right") == "none":
        return {}
    try:
        return _read(request, folder, uid, pane=True)[1]
    except MessageNotFound:
        return {}


def list_path(request: HttpRequest) -> str:
    """The list's own address, without the message open in its preview (?msg=): where actions
    return to (an action never re-opens, so never marks read again, the message)."""
    query = request.GET.copy()
    query.pop("msg", None)
    return request.path + (f"?{query.urlencode()}" if query else "")


@login_required
def message(request: AuthenticatedRequest, folder: str, uid: int) -> HttpResponse:
    pane = bool(request.GET.get("pane"))
    tree, context = _read(request, folder, uid, pane)
    # The same message shown the same way again is not rendered again (mailview/views/kept.py).
    inputs = tuple(context[k] for k in _SHOWN) + (tree,)
    if pane:
        template = "mailview/_message.html"
        if context["conversation"] is not None:
            template = "mailview/message/_conversation.html"
        return kept_or_rendered(request, template, context, inputs)
    # Another user's or a shared folder: only the actions its rights allow, as in the list.
    rights = services.page_rights(MailSession.for_request(request), tree, folder)
    context.update({"tree": tree, "current": tree.find(folder) if tree else None, "rights": rights})
    return kept_or_rendered(request, "mailview/message.html", context, (*inputs, rights))


#: What a message page or pane is drawn from, besides the tree and the rights.
_SHOWN = ("folder", "msg", "links", "frame_query", "trusted", "conversation")


def _conversation(
    request: AuthenticatedRequest, folder: str, uid: int, part: str
) -> Conversation | None:
    """In conversation view, the message's conversation stacked around it (Gmail); not for an
    attached message, nor for a message opened inside a stack (?stack=0)."""
    if part or request.GET.get("stack") == "0" or not conversation_view(request):
        return None
    try:
        found = conversation(MailSession.for_request(request), folder, uid)
    except MailError as exc:  # the message is shown anyway, alone
        log.info("conversation of %s/%s unavailable: %s", folder, uid, exc.detail or exc)
        return None
    return found if found.stacked else None


def _frame_csp(request: HttpRequest, folder: str, uid: int, remote: bool) -> str:
    """The frame's policy: no script, nothing but this message's own parts (and, if allowed,
    remote images, fonts and media); links may open new tabs outside the sandbox.

    allow-same-origin (never with allow-scripts) lets the frame's requests for cid: images carry
    the session cookie; with no script able to run, nothing in the frame can use that origin."""
    parts = request.build_absolute_uri(reverse("mailview:message_part", args=[folder, uid, "1"]))
    parts = parts[: -len("1/")].replace(";", "%3B").replace(",", "%2C").replace(" ", "%20")
    images = f"{parts} data:" + (" https: http:" if remote else "")
    return (
        f"default-src 'none'; img-src {images}; style-src 'unsafe-inline'"
        + ("; font-src https: http:; media-src https: http:" if remote else "")
        + "; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; "
        "sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox"
    )


@login_required
@xframe_options_sameorigin
def message_frame(
    request: AuthenticatedRequest, folder: str, uid: int, section: str
) -> HttpResponse:
    policy = _remote_policy(request)
    decided: list[bool] = []

    def allow(sender: str) -> bool:
        decided.append(policy(sender))
        return decided[-1]

    body = reading.message_frame(
        MailSession.for_request(request), folder, uid, section, _part_url(folder, uid), allow
    )
    response = render(request, "mailview/message/frame.html", {"body": body})
    response["Content-Security-Policy"] = _frame_csp(request, folder, uid, any(decided))
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


def _download_response(
    stream: AsyncIterator[bytes], download: downloads.Download, *, inline: bool
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        stream, content_type=downloads.content_type_for(download.mimetype, inline=inline)
    )
    disposition = content_disposition_header(as_attachment=not inline, filename=download.filename)
    if disposition:
        response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    if inline and download.mimetype == "application/pdf":
        # Chromium's PDF viewer refuses a sandboxed document; it runs no page script either way.
        response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
        response["X-Frame-Options"] = "SAMEORIGIN"
    else:
        response["Content-Security-Policy"] = DOWNLOAD_CSP
    return response


async def _session(request: HttpRequest) -> MailSession:
    return await sync_to_async(MailSession.for_request)(request)


@login_required
async def message_part(
    request: AuthenticatedRequest, folder: str, uid: int, section: str
) -> HttpResponseBase:
    """One part: shown inline (raster images, PDF) with ?inline=1, otherwise a download."""
    mail = await _session(request)
    download = await sync_to_async(downloads.part_download)(mail, folder, uid, section)
    inline = request.GET.get("inline") == "1" and download.mimetype in PREVIEW_TYPES
    stream = await downloads.stream_part(mail, folder, uid, download)
    return _download_response(stream, download, inline=inline)


@login_required
async def message_source(request: AuthenticatedRequest, folder: str, uid: int) -> HttpResponseBase:
    """The raw message: shown as text, or with ?download=1 as a .eml file."""
    mail = await _session(request)
    download = await sync_to_async(downloads.raw_message)(mail, folder, uid)
    stream = await downloads.stream_part(mail, folder, uid, download)
    if request.GET.get("download") == "1":
        return _download_response(stream, download, inline=False)
    response = _download_response(stream, download, inline=True)
    response["Content-Type"] = "text/plain; charset=utf-8"
    return response


@login_required
async def message_zip(request: AuthenticatedRequest, folder: str, uid: int) -> HttpResponseBase:
    """Every attachment in one zip, streamed as it is written."""
    mail = await _session(request)
    subject, parts = await sync_to_async(downloads.attachments_of)(mail, folder, uid)
    stream = await downloads.stream_zip(mail, folder, uid, parts, timezone.localtime())
    name = safe_filename(f"{subject or 'attachments'}"[:100] + ".zip")
    download = downloads.Download("", name, "application/zip", "8bit", 0)
    return _download_response(stream, download, inline=False)


@login_required
@require_POST
def trust_sender(request: AuthenticatedRequest) -> HttpResponse:
    """ "Always show remote content from this sender"; back to the message."""
    TrustedSender.add(request.user, request.POST.get("email", "")[:320])
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("mailview:home")
    if request.headers.get("X-Requested-With") == "fetch":
        return HttpResponse(status=204)
    return redirect(target)
