"""The two-factor pages: the code step of a login, enrolment, recovery codes, settings."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts import audit, otp, throttling
from accounts.models import AuditEvent
from accounts.requests import AuthenticatedRequest
from accounts.sessions import live_sessions

NEW_CODES = "_otp_new_codes"


def throttled_message(exc: otp.CodeThrottled) -> str:
    return ngettext(
        "Too many wrong codes. Wait %(n)d second and try again.",
        "Too many wrong codes. Wait %(n)d seconds and try again.",
        exc.seconds,
    ) % {"n": exc.seconds}


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


@never_cache
@sensitive_post_parameters("code")
def verify(request: HttpRequest) -> HttpResponse:
    """Second step of a login: a code from the authenticator app, or a recovery code."""
    found = otp.pending(request)
    if found is None:
        messages.warning(request, _("Please log in again."))
        return redirect("accounts:login")
    user, state = found
    form = CodeForm(request.POST or None)
    if request.method == "POST" and throttling.code_step_locked(request):
        # Checked before the code: an address over its limit learns nothing about any code.
        audit.record(AuditEvent.LOGIN_THROTTLED, user.get_username(), request, step="code")
        context = {"form": CodeForm(), "throttled": throttling.code_lockout_message()}
        response = render(request, "accounts/otp_verify.html", context, status=429)
        response["Retry-After"] = str(throttling.cooloff_minutes() * 60)
        return response
    if request.method == "POST" and form.is_valid():
        error = _("This code is not valid. Try the current one from your app.")
        try:
            if otp.verify_code(user, form.cleaned_data["code"]):
                return redirect(otp.complete_login(request, user, state))
        except otp.CodeThrottled as exc:
            error = throttled_message(exc)
        audit.record(AuditEvent.OTP_FAILED, user.get_username(), request)
        if otp.count_failure(request, state):
            messages.error(request, _("Too many wrong codes. Please log in again."))
            return redirect("accounts:login")
        form.add_error("code", error)
    return render(request, "accounts/otp_verify.html", {"form": form})


@never_cache
@sensitive_post_parameters("code")
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: QR code, secret, then a code from the app to confirm it.

    Reached by a logged-in user (from the two-factor settings) or, during a login, by a user
    whose domain requires two-factor authentication and who has no authenticator yet.
    """
    state = None
    if request.user.is_authenticated:
        user = request.user
        if otp.has_authenticator(user):
            return redirect("accounts:two_factor")  # turn the old one off first (needs a code)
    else:
        found = otp.pending(request)
        if found is None:
            return redirect("accounts:login")
        user, state = found
        if otp.has_authenticator(user):
            return redirect("accounts:otp_verify")
    device = otp.enrolment_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = otp.confirm_enrolment(user, device, form.cleaned_data["code"])
        if codes is not None:
            audit.record(AuditEvent.OTP_ENROLLED, user.get_username(), request)
            next_url = "/"
            if state is not None:
                next_url = otp.complete_login(request, user, state)
            request.session[NEW_CODES] = {"codes": codes, "next": next_url}
            return redirect("accounts:otp_codes")
        form.add_error("code", _("This code is not valid. Check the time on your phone."))
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "form": form,
            "qr_svg": otp.qr_svg(device),
            "secret": otp.secret_text(device),
            "required": otp.required_for(user),
            "during_login": state is not None,
        },
    )


@never_cache
@login_required
def recovery_codes(request: AuthenticatedRequest) -> HttpResponse:
    """The new recovery codes, shown once."""
    data = request.session.pop(NEW_CODES, None)
    if not data:
        return redirect("accounts:two_factor")
    return render(
        request, "accounts/otp_codes.html", {"codes": data["codes"], "next": data["next"]}
    )


@never_cache
@login_required
@sensitive_post_parameters("code")
def settings_page(request: AuthenticatedRequest) -> HttpResponse:
    """Two-factor status; turning it off or making new recovery codes needs a current code."""
    user = request.user
    form = CodeForm(request.POST or None)
    required = otp.required_for(user)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action")
        try:
            valid = otp.verify_code(user, form.cleaned_data["code"])
        except otp.CodeThrottled as exc:
            valid = None
            form.add_error("code", throttled_message(exc))
        if valid is False:
            audit.record(AuditEvent.OTP_FAILED, user, request)
            form.add_error("code", _("This code is not valid."))
        elif valid and action == "disable" and not required:
            otp.disable(user)
            audit.record(AuditEvent.OTP_DISABLED, user, request)
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("accounts:two_factor")
        elif valid and action == "codes":
            request.session[NEW_CODES] = {"codes": otp.new_recovery_codes(user), "next": "/"}
            return redirect("accounts:otp_codes")
    return render(
        request,
        "accounts/two_factor.html",
        {
            "form": form,
            "enabled": otp.has_authenticator(user),
            "required": required,
            "codes_left": otp.recovery_codes_left(user),
            "sessions": live_sessions().filter(user=user),
            "current_session": request.session.session_key,
        },
    )
