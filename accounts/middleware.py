from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone, translation

from accounts.language import chosen_language
from accounts.models import Preferences
from accounts.net import address_allowed, client_ip
from accounts.sessions import touch
from mailview.render.format import clock_format


class UserTimezoneMiddleware:
    """Dates are shown in the user's own time zone and clock (12 or 24 hours), the pages in the
    language they chose (else LocaleMiddleware's, from the browser): preferences."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            prefs = Preferences.of_request_user(request.user)
            request.preferences = prefs  # type: ignore[attr-defined]  # read via AuthenticatedRequest
            timezone.activate(prefs.zone)
            language = chosen_language(prefs)
            if language is not None:
                translation.activate(language)
                request.LANGUAGE_CODE = language  # as LocaleMiddleware
            with clock_format(prefs.clock):
                return self.get_response(request)
        timezone.deactivate()
        return self.get_response(request)


class AdminNetworkMiddleware:
    """The admin (and /metrics) answer only to clients inside WEBMAIL_ADMIN_NETWORKS: 404 else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        guarded = path.startswith("/" + settings.WEBMAIL_ADMIN_PATH) or path == "/metrics"
        if guarded and not address_allowed(client_ip(request), settings.WEBMAIL_ADMIN_NETWORKS):
            raise Http404("not here")
        return self.get_response(request)


class SessionActivityMiddleware:
    """Keeps the session's "last seen" (cheaply); a session ended elsewhere is logged out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and not touch(request):
            # The session was ended: elsewhere, or by a concurrent request of this browser (a
            # single sign-on that could not be refreshed), which may already have given the
            # browser a new session. This request is answered as logged out; it deletes what
            # is left of its session but neither deletes nor replaces the browser's cookie.
            request.session.delete()
            request.user = AnonymousUser()
        return self.get_response(request)
