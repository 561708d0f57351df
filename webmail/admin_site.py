"""The admin site: Django admin plus a dashboard of live figures per worker process.

Admin staff are local Django users (createsuperuser) who log in here with their own password;
this login form never asks IMAP. Staff who enrolled an authenticator (every staff member when
WEBMAIL_STAFF_REQUIRE_2FA is on) pass the same code step as mail users after it. A mail user
reaches the admin only if an admin made them staff, through the webmail's own login.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME, authenticate
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from accounts import otp
from accounts.models import AuditEvent, WorkerReport
from accounts.sessions import live_sessions
from mailview.imap.hooks import server_ids
from webmail.metrics import WORKER, snapshot


class LocalStaffAuthenticationForm(AdminAuthenticationForm):
    """The admin login: local accounts only (ModelBackend), throttled like every login."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            self.user_cache = authenticate(
                self.request, username=username, password=password, local_only=True
            )
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

    def confirm_login_allowed(self, user: Any) -> None:
        if not user.is_active or not user.is_staff:
            raise forms.ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class AdminLoginView(auth_views.LoginView):
    """Django's login view; staff with an authenticator (or required to have one) owe a code."""

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if not otp.second_step_needed(user):
            return super().form_valid(form)
        otp.start_pending(self.request, user, self.get_success_url())
        step = "accounts:otp_verify" if otp.has_authenticator(user) else "accounts:otp_enrol"
        return redirect(step)


class WebmailAdminSite(admin.AdminSite):
    site_header = _("Webmail administration")
    site_title = _("Webmail admin")
    index_title = _("Administration")
    login_form = LocalStaffAuthenticationForm
    index_template = "admin/webmail_index.html"

    @method_decorator(never_cache)
    @method_decorator(login_not_required)
    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """AdminSite.login with the two-factor step (the same context, template and form)."""
        if request.method == "GET" and self.has_permission(request):
            return redirect(reverse("admin:index", current_app=self.name))
        context = {
            **self.each_context(request),
            "title": _("Log in"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
        }
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=self.name)
        context.update(extra_context or {})
        request.current_app = self.name
        return AdminLoginView.as_view(
            extra_context=context,
            authentication_form=self.login_form,
            template_name=self.login_template or "admin/login.html",
        )(request)

    def get_urls(self) -> list:
        extra = [path("dashboard/", self.admin_view(self.dashboard_view), name="dashboard")]
        return extra + super().get_urls()

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        context = {**self.each_context(request), **dashboard_figures(), "title": _("Dashboard")}
        return TemplateResponse(request, "admin/webmail_dashboard.html", context)


def worker_figures() -> list[dict[str, Any]]:
    """This worker's live figures, then every other worker that reported recently."""
    fresh = timezone.now() - timedelta(seconds=max(10.0, 5 * settings.WEBMAIL_WORKER_INTERVAL))
    workers = [{**snapshot(), "live": True}]
    for report in WorkerReport.objects.filter(updated__gte=fresh).exclude(worker=WORKER):
        workers.append({**report.figures, "live": False, "updated": report.updated})
    return workers


def dashboard_figures() -> dict[str, Any]:
    hour_ago = timezone.now() - timedelta(hours=1)
    last_hour = AuditEvent.objects.filter(at__gte=hour_ago)
    workers = worker_figures()
    names = sorted({name for w in workers for name in w.get("gauges", {})})
    helps: dict[str, str] = {}
    for w in workers:
        helps.update(w.get("help", {}))
    for w in workers:
        w["gauge_values"] = [w.get("gauges", {}).get(name) for name in names]
    errors = sorted(
        ({**e, "worker": w.get("worker", "")} for w in workers for e in w.get("errors", [])),
        key=lambda e: e.get("at", 0),
        reverse=True,
    )[:50]
    for e in errors:
        e["when"] = datetime.fromtimestamp(e.get("at", 0), tz=UTC)
    return {
        "workers": workers,
        "gauge_columns": [{"name": n, "help": helps.get(n, "")} for n in names],
        "logins_last_hour": last_hour.filter(event=AuditEvent.LOGIN).count(),
        "failed_last_hour": last_hour.filter(event=AuditEvent.LOGIN_FAILED).count(),
        "throttled_last_hour": last_hour.filter(event=AuditEvent.LOGIN_THROTTLED).count(),
        "active_sessions": live_sessions().count(),
        "recent_errors": errors,
        "imap_servers": [
            {"server": server, "id": sorted(fields.items())}
            for server, fields in sorted(server_ids().items())
        ],
    }
