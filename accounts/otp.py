"""Two-factor authentication with TOTP (django-otp), recovery codes, enforcement per domain.

The login is two steps when a user has an authenticator (or their domain requires one): the
password step checks IMAP and seals the password into the (still anonymous) session exactly as a
one-step login does, and records a *pending* login; the code step then logs the user in.
`django.contrib.auth.login` keeps the session's data when it cycles the key, so the sealed
password is there after the second step and never anywhere else.
"""

from __future__ import annotations

import math
import time
from base64 import b32encode
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.servers import LoginRefused, domain_requires_2fa

PENDING = "_otp_pending"
PENDING_MAX_AGE = 300  # seconds between the password and the code step
MAX_CODE_FAILURES = 5
RECOVERY_CODES = 10
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def has_authenticator(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def required_for(user: Any) -> bool:
    """The user's domain requires 2FA, or they are staff and WEBMAIL_STAFF_REQUIRE_2FA is on."""
    if user.is_staff and settings.WEBMAIL_STAFF_REQUIRE_2FA:
        return True
    try:
        return domain_requires_2fa(user.get_username())
    except LoginRefused:  # a local (staff) name that looks like an unserved domain's login
        return False


def second_step_needed(user: Any) -> bool:
    return has_authenticator(user) or required_for(user)


# -- the pending login ----------------------------------------------------------------------------


def start_pending(request: HttpRequest, user: Any, next_url: str) -> None:
    request.session[PENDING] = {
        "user": user.pk,
        "backend": user.backend,
        "since": time.time(),
        "next": next_url,
        "failures": 0,
    }


def pending(request: HttpRequest) -> tuple[Any, dict[str, Any]] | None:
    """The user whose password was accepted and who owes a code; None if none (or expired)."""
    state = request.session.get(PENDING)
    if not isinstance(state, dict):
        return None
    if time.time() - state.get("since", 0) > PENDING_MAX_AGE:
        request.session.pop(PENDING, None)
        return None
    user_pk = state.get("user")
    user = get_user_model()._default_manager.filter(pk=user_pk).first() if user_pk else None
    if user is None:
        request.session.pop(PENDING, None)
        return None
    return user, state


def count_failure(request: HttpRequest, state: dict[str, Any]) -> bool:
    """One more wrong code; True when the pending login is now abandoned."""
    state["failures"] = state.get("failures", 0) + 1
    if state["failures"] >= MAX_CODE_FAILURES:
        request.session.flush()
        return True
    request.session[PENDING] = state
    return False


def complete_login(request: HttpRequest, user: Any, state: dict[str, Any]) -> str:
    """Log the pending user in (the sealed password stays in the session); the next URL."""
    request.session.pop(PENDING, None)
    auth_login(request, user, backend=state["backend"])
    return state.get("next") or "/"


# -- devices --------------------------------------------------------------------------------------


class CodeThrottled(Exception):
    """Wrong codes in a row: django-otp refuses to check codes for a while (doubling each time)."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"wait {seconds} s")
        self.seconds = seconds


def _throttle_wait(device: Any) -> int | None:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    until = (data or {}).get("locked_until")
    if until is None:
        return 1
    return max(1, math.ceil((until - timezone.now()).total_seconds()))


def verify_code(user: Any, code: str) -> bool:
    """A current authenticator code, or an unused recovery code (which is then used up).

    Raises CodeThrottled while django-otp holds the device back after wrong codes.
    """
    code = "".join(code.split()).lower()
    if not code or len(code) > 16:
        return False
    devices = list(
        TOTPDevice.objects.filter(user=user, confirmed=True)
        if code.isdigit()
        else StaticDevice.objects.filter(user=user, confirmed=True)
    )
    waits = [_throttle_wait(d) for d in devices]
    if devices and all(w is not None for w in waits):
        raise CodeThrottled(min(w for w in waits if w is not None))
    return any(d.verify_token(code) for d, w in zip(devices, waits, strict=True) if w is None)


def enrolment_device(user: Any) -> TOTPDevice:
    """The unconfirmed authenticator being set up (a new secret if there is none)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URI as an inline SVG QR code (our own markup: no user text in it)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, light="#fff")


def confirm_enrolment(user: Any, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the new authenticator with a code from it; the new recovery codes, or None."""
    code = "".join(code.split())
    if not code.isdigit() or not device.verify_token(code):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return new_recovery_codes(user)


def new_recovery_codes(user: Any) -> list[str]:
    """Replace the user's recovery codes; the new ones, to be shown once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def disable(user: Any) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
