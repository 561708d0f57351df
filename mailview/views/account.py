from __future__ import annotations

import zoneinfo
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse

from accounts import otp
from accounts.credentials import KEY_COOKIE, seal_password
from accounts.forms import LoginForm
from accounts.models import Preferences
from accounts.net import is_navigation
from accounts.requests import AuthenticatedRequest
from accounts.sso.logout import provider_logout_url
from accounts.sso.providers import login_page_providers, password_login_allowed, provider_for_login
from accounts.sso.tokens import reauth_domain
from mailview.services.out_of_office import begin_vacation_status_at_login
from mailview.views import settings

#: Addresses that answer scripts, not people (JSON, fragments, POST-only actions): a login that
#: a background request ran into (the live poll, autosave, autocomplete) never returns to them.
NOT_PAGES = frozenset(
    {
        "mailview:updates",
        "mailview:message_frame",
        "mailview:message_action",
        "mailview:undo_action",
        "mailview:empty_folder",
        "mailview:trust_sender",
        "accounts:logout",
        "compose:save",
        "compose:send",
        "compose:discard",
        "compose:attachment_upload",
        "compose:attachment_remove",
        "compose:autocomplete",
    }
)


def page_to_return_to(url: str) -> str:
    """`url` if it is a page a person reads (a login's `next`), else "" (the default page)."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/"):
        return ""
    try:
        match = resolve(path)
    except Resolver404:
        return ""
    return "" if match.view_name in NOT_PAGES or "pane=1" in url else url


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_redirect_url(self, request: HttpRequest | None = None) -> str:
        """Django's check (same host, safe scheme), and never a script's address."""
        return page_to_return_to(super().get_redirect_url())

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        domain = reauth_domain(request)
        if domain and not request.user.is_authenticated and is_navigation(request):
            # The single sign-on session ended for want of a refresh: back to its provider.
            # (A page's background request gets the login page: its script then takes the
            # whole page here.)
            query = urlencode({"domain": domain, "next": self.get_success_url()})
            return redirect(f"{reverse('accounts:sso_start')}?{query}")
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # An address of a domain with single sign-on and no password (or a domain where
        # passwords are not allowed): on to its provider.
        login = request.POST.get("username", "").strip()
        provider = provider_for_login(login) if login else None
        if provider is not None and (
            not request.POST.get("password") or not password_login_allowed(login)
        ):
            query = urlencode({"login": login, "next": self.get_success_url()})
            return redirect(f"{reverse('accounts:sso_start')}?{query}")
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sso_providers"] = login_page_providers()
        return context

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
            begin_vacation_status_at_login(
                self.request.session, user.get_username(), form.cleaned_data["password"]
            )
        prefs = Preferences.for_user(user)
        browser_zone = form.cleaned_data.get("time_zone") or ""
        if prefs.time_zone == "UTC" and browser_zone in zoneinfo.available_timezones():
            prefs.time_zone = browser_zone
            prefs.save(update_fields=["time_zone"])
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django's rule). The user_logged_out signal ends the IMAP side."""

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        end_url = provider_logout_url(request)  # read before the session is flushed
        response = super().post(request, *args, **kwargs)
        if end_url:
            response = render(request, "accounts/logout_provider.html", {"end_url": end_url})
        response.delete_cookie(KEY_COOKIE, samesite="Lax")
        return response


def preferences(request: AuthenticatedRequest) -> HttpResponse:
    """The Settings area's first section (its URL predates the area)."""
    return settings.section_page(request, "general")
