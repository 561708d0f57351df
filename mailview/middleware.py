"""Mail-server problems become clear pages, never a 500 or a traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.net import is_navigation
from accounts.sso.tokens import ReauthNeeded, reauth_for, remember_reauth
from mailview.imap.errors import AuthenticationFailed, CredentialsUnavailable, MailError

log = logging.getLogger(__name__)


class MailErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, MailError):
            return None
        if isinstance(exception, AuthenticationFailed):
            exception = reauth_for(request) or exception
        if isinstance(exception, CredentialsUnavailable | AuthenticationFailed):
            next_query = urlencode({"next": request.get_full_path()})
            if isinstance(exception, ReauthNeeded):
                # Single sign-on that can no longer be refreshed: the session ends and the user
                # goes back through the provider. A cookie remembers where, so that the login
                # page sends there too when a background request of the page was the one that
                # found out.
                # A background request goes to the login page instead, which the page's script
                # follows with the whole page (it cannot follow the provider's site itself).
                logout(request)
                target = (
                    f"{exception.reauth_url}&{next_query}"
                    if is_navigation(request)
                    else f"{settings.LOGIN_URL}?{next_query}"
                )
                response = redirect(target)
                remember_reauth(request, response, exception.domain)
                return response
            # The session cannot reach the mailbox any more: start again from the login page.
            was_user = request.user.is_authenticated
            logout(request)
            if was_user:
                text = (
                    _("The mail server no longer accepts your password. Please log in again.")
                    if isinstance(exception, AuthenticationFailed)
                    else str(exception.user_message)
                )
                messages.warning(request, text)
            return redirect(f"{settings.LOGIN_URL}?{next_query}")
        log.warning(
            "mail error on %s: %s: %s", request.path, type(exception).__name__, exception.detail
        )
        pane = bool(request.GET.get("pane"))
        # "Try again" from the preview pane opens the full page, not the bare fragment.
        query = request.GET.copy()
        query.pop("pane", None)
        retry_url = request.path + (f"?{query.urlencode()}" if query else "")
        template = "mailview/_error.html" if pane else "mailview/error.html"
        return render(
            request,
            template,
            {
                "error": exception,
                "message": exception.user_message,
                "retry_url": retry_url,
            },
            status=exception.status,
        )
