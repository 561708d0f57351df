from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse

# Our pages load only our own scripts, styles and images.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def csp_for(request: HttpRequest) -> str:
    """The policy, with the live-mail websocket of this host allowed (CSP 2 browsers do not
    count ws:/wss: as 'self')."""
    try:
        host = request.get_host()
    except DisallowedHost:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace(
        "connect-src 'self';", f"connect-src 'self' ws://{host} wss://{host};"
    )


class SecurityHeadersMiddleware:
    """A strict Content-Security-Policy, and cookies marked Secure on HTTPS requests."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", csp_for(request))
        if request.is_secure():
            for morsel in response.cookies.values():
                morsel["secure"] = True
        return response
