from __future__ import annotations

import zoneinfo

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts import otp
from accounts.credentials import KEY_COOKIE, seal_password
from accounts.forms import LoginForm
from accounts.models import Preferences
from accounts.requests import AuthenticatedRequest
from mailview.views import settings


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if otp.second_step_needed(user):
            # Password accepted; the code (or the enrolment of an authenticator) comes next.
            # The password is sealed into the session now, exactly as for a one-step login.
            step = "accounts:otp_verify" if otp.has_authenticator(user) else "accounts:otp_enrol"
            response: HttpResponse = redirect(step)
            seal_password(self.request, response, form.cleaned_data["password"], user.pk)
            otp.start_pending(self.request, user, self.get_success_url())
        else:
            response = super().form_valid(form)
            seal_password(self.request, response, form.cleaned_data["password"], user.pk)
        prefs = Preferences.for_user(user)
        browser_zone = form.cleaned_data.get("time_zone") or ""
        if prefs.time_zone == "UTC" and browser_zone in zoneinfo.available_timezones():
            prefs.time_zone = browser_zone
            prefs.save(update_fields=["time_zone"])
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django's rule). The user_logged_out signal ends the IMAP side."""

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        response.delete_cookie(KEY_COOKIE, samesite="Lax")
        return response


def preferences(request: AuthenticatedRequest) -> HttpResponse:
    """The Settings area's first section (its URL predates the area)."""
    return settings.section_page(request, "general")
