"""The installable app: web app manifest, the service worker at the site root, the offline
shell, and the two endpoints of offline use (the session's key; replaying queued actions).

Nothing here stores mail: the browser keeps what it keeps only after the user opted in on the
device (static/webmail/offline/), encrypted with the key this module hands to the session."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.requests import AuthenticatedRequest
from mailview.imap.errors import InvalidName
from mailview.services import offline
from mailview.services.session import MailSession

THEME_COLOUR = "#1c2b3a"  # the header of the light theme (templates/base.html)

# The offline page's policy, inherited by the message frames it fills through srcdoc: as the
# online frame's policy (mailview/views/message.py), no script and nothing remote; the inline
# styles of the sanitized HTML are allowed, as online.
OFFLINE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-src 'self'; connect-src 'self'; manifest-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    data = {
        "id": "/mail/INBOX/",
        "name": "Webmail",
        "short_name": "Webmail",
        "description": gettext("Your mail, on your mail server."),
        "start_url": "/mail/INBOX/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "icons": [
            {"src": static("webmail/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("webmail/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("webmail/icons/maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = HttpResponse(json.dumps(data), content_type="application/manifest+json")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """static/webmail/sw.js, served from the root so that its scope is the whole site; always
    revalidated, so a new version reaches every device at its next page load."""
    path = finders.find("webmail/sw.js")
    assert isinstance(path, str)
    with open(path, "rb") as source:
        response = HttpResponse(source.read(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache, max-age=0"
    return response


@require_GET
def offline_shell(request: HttpRequest) -> HttpResponse:
    """The page the service worker shows for a mail URL when the network is gone (kept in Cache
    Storage only after the user opted in). It holds no mail and no user data."""
    response = render(request, "mailview/offline.html", {"theme_colour": THEME_COLOUR})
    response["Cache-Control"] = "no-cache"
    response["Content-Security-Policy"] = OFFLINE_CSP
    return response


@login_required
@never_cache
@require_GET
def offline_key(request: AuthenticatedRequest) -> HttpResponse:
    """The session's key for the mail kept on the device; asked for only by opted-in pages,
    never stored by the browser's HTTP cache (never_cache: no-store)."""
    return JsonResponse({"key": offline.session_key(request.session)})


@login_required
@require_POST
def offline_replay(request: AuthenticatedRequest) -> HttpResponse:
    """One queued action (in the order the device queued them): done, missing or refused."""
    try:
        uids = [int(uid) for uid in request.POST.getlist("uid")]
        result = offline.replay_action(
            MailSession.for_request(request),
            request.POST.get("folder", ""),
            uids,
            request.POST.get("action", ""),
            request.POST.get("target") or None,
            delete_mode=request.preferences.delete_action,
        )
    except (ValueError, InvalidName):
        return JsonResponse(
            {"status": "refused", "message": gettext("Not a valid action.")}, status=400
        )
    return JsonResponse(
        {"status": result.status, "message": result.message, "missing": list(result.missing)}
    )
