"""Login throttling with django-axes: per client address and per account.

Axes counts failed logins (the user_login_failed signal) by client address and, separately, by
login; once either reaches AXES_FAILURE_LIMIT within the cool-off period, every attempt from that
address or for that login is refused before the IMAP server is asked. These are the hooks the
settings point axes at.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext

from accounts import audit
from accounts.forms import LoginForm
from accounts.logins import canonical_login
from accounts.models import AuditEvent
from accounts.net import client_ip as _client_ip
from accounts.signals import login_attempted


def client_ip(request: HttpRequest) -> str:
    return _client_ip(request) or "0.0.0.0"  # noqa: S104 - an unknown address, not a bind


def attempted_login(request: HttpRequest | None, credentials: dict | None) -> str:
    """The login an attempt was for, canonical so that case or spaces do not dodge the count."""
    value = ""
    if credentials:
        value = credentials.get("username") or ""
    if not value and request is not None and request.method == "POST":
        value = request.POST.get("username", "")
    return canonical_login(str(value))[:254]


def cooloff_minutes() -> int:
    cooloff = settings.AXES_COOLOFF_TIME
    seconds = cooloff.total_seconds() if isinstance(cooloff, timedelta) else cooloff * 3600
    return max(1, math.ceil(seconds / 60))


def lockout_message() -> str:
    minutes = cooloff_minutes()
    return ngettext(
        "Too many failed login attempts. Try again in %(n)d minute.",
        "Too many failed login attempts. Try again in %(n)d minutes.",
        minutes,
    ) % {"n": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """The login page again, saying how long to wait (HTTP 429); the attempt is audited."""
    login = attempted_login(request, credentials)
    audit.record(AuditEvent.LOGIN_THROTTLED, login, request, retry_after_minutes=cooloff_minutes())
    login_attempted.send(sender=lockout_response, result="throttled")
    message = lockout_message()
    if request.path.startswith("/" + settings.WEBMAIL_ADMIN_PATH):
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    else:
        form = LoginForm(request, initial={"username": login})
        response = render(
            request,
            "accounts/login.html",
            {"form": form, "throttled": message, "next": request.POST.get("next", "")},
            status=429,
        )
    response["Retry-After"] = str(cooloff_minutes() * 60)
    return response
