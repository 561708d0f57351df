"""How large a request body may be, decided from the request's headers alone (before any of
the body is read), and the same limits checked again by Django per endpoint.

- Anonymous requests (no session cookie) and the login and two-factor forms:
  WEBMAIL_ANONYMOUS_MAX_BODY (default 256 KB; a login form is well under 1 KB).
- Requests with a session cookie: the largest upload there is (an attachment or an import,
  plus the multipart framing): WEBMAIL_MAX_UPLOAD_BODY. Upload endpoints stream to disk; every
  other form is held to Django's DATA_UPLOAD_MAX_MEMORY_SIZE.

Used by `webmail.daphne` (the server: refuses at the headers, or as soon as a chunked body
passes the limit) and `BodyLimitMiddleware` (a forged session cookie gets the larger limit from
the server, but the anonymous one again here, before anything reads the body).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

TOO_LARGE = "The request is too large."
# Paths anyone may post to: the smallest limit, session cookie or not.
ANONYMOUS_FORMS = ("/accounts/login/", "/accounts/two-factor/")


def anonymous_limit() -> int:
    return int(settings.WEBMAIL_ANONYMOUS_MAX_BODY)


def upload_limit() -> int:
    return int(settings.WEBMAIL_MAX_UPLOAD_BODY)


def limit_for_cookies(cookie_header: str) -> int:
    """The server's limit: with a session cookie the upload limit, else the anonymous one."""
    name = settings.SESSION_COOKIE_NAME + "="
    has_session = any(part.strip().startswith(name) for part in cookie_header.split(";"))
    return upload_limit() if has_session else anonymous_limit()


def too_large_response() -> HttpResponse:
    return HttpResponse(TOO_LARGE, status=413, content_type="text/plain; charset=utf-8")


class BodyLimitMiddleware:
    """413 before the body is read when Content-Length passes the endpoint's limit: the
    anonymous limit for anonymous requests and the login forms, the upload limit otherwise."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > anonymous_limit():
            anonymous = not request.user.is_authenticated
            admin_login = f"/{settings.WEBMAIL_ADMIN_PATH}login/"
            if anonymous or request.path_info.startswith((*ANONYMOUS_FORMS, admin_login)):
                return too_large_response()
            if length > upload_limit():
                return too_large_response()
        return self.get_response(request)
