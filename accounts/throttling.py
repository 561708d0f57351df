"""Login throttling: per account (django-axes) and, with a higher limit, per client address.

Axes counts failed logins (the user_login_failed signal) per canonical login; once an account
reaches WEBMAIL_LOGIN_FAILURE_LIMIT within the cool-off period, every attempt for it is refused
before the IMAP server is asked, and a successful login resets that account's count only.

The client address has its own, higher limit (WEBMAIL_LOGIN_ADDRESS_FAILURE_LIMIT: many users may
share an address), counted from the audit log's failed logins, which no success ever resets: one
valid account cannot be used to spray passwords at others from one address. `failure_limit` is
the AXES_FAILURE_LIMIT callable that joins the two: the account's limit, or 0 (refuse now) while
the address is over its own. Only wrong passwords count: a server that is unavailable, over a
connection limit or otherwise refusing for another reason raises a MailError, never counted.
These are the hooks the settings point axes at. The two-factor code step has the same two
levels: per account (accounts.otp) and, higher, per address (`code_step_locked`).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
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


def cooloff() -> timedelta:
    value = settings.AXES_COOLOFF_TIME
    return value if isinstance(value, timedelta) else timedelta(hours=value)


def cooloff_minutes() -> int:
    return max(1, math.ceil(cooloff().total_seconds() / 60))


def address_failures(address: str | None) -> int:
    """Failed logins from `address` within the cool-off period (any account)."""
    since = timezone.now() - cooloff()
    return AuditEvent.objects.filter(
        event=AuditEvent.LOGIN_FAILED, address=address, at__gte=since
    ).count()


def code_failures(address: str | None) -> int:
    """Wrong two-factor codes sent from `address` within the cool-off period (any account)."""
    since = timezone.now() - cooloff()
    return AuditEvent.objects.filter(
        event=AuditEvent.OTP_FAILED, address=address, at__gte=since
    ).count()


def code_step_locked(request: HttpRequest) -> bool:
    """The client's address sent WEBMAIL_OTP_ADDRESS_FAILURE_LIMIT wrong codes: refuse codes.

    The per-account limits (a pending login ends after a few wrong codes; django-otp makes the
    device wait) do not stop one address that rotates accounts whose passwords it has."""
    return code_failures(_client_ip(request)) >= settings.WEBMAIL_OTP_ADDRESS_FAILURE_LIMIT


def code_lockout_message() -> str:
    minutes = cooloff_minutes()
    return ngettext(
        "Too many wrong codes from your network. Try again in %(n)d minute.",
        "Too many wrong codes from your network. Try again in %(n)d minutes.",
        minutes,
    ) % {"n": minutes}


def failure_limit(request: HttpRequest | None, credentials: dict | None = None) -> int:
    """AXES_FAILURE_LIMIT: the account's limit; 0 (locked) while the address is over its own."""
    if request is not None:
        failures = address_failures(_client_ip(request))
        if failures >= settings.WEBMAIL_LOGIN_ADDRESS_FAILURE_LIMIT:
            return 0
    return int(settings.WEBMAIL_LOGIN_FAILURE_LIMIT)


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
