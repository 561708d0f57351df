from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import audit, sessions
from accounts.models import (
    ActiveSession,
    AuditEvent,
    Domain,
    MailAccount,
    OIDCProvider,
    Preferences,
    SenderAlias,
)
from accounts.servers import clear_domain_cache
from accounts.sso.admin_form import OIDCProviderForm


class AuditedAdmin(admin.ModelAdmin):
    """Every add, change and delete made in the admin also goes to the audit log."""

    def _audit(self, request: HttpRequest, action: str, obj: Any, message: Any = "") -> None:
        audit.record(
            AuditEvent.ADMIN_ACTION,
            request.user,
            request,
            action=action,
            model=obj._meta.label if hasattr(obj, "_meta") else "",
            object=str(obj)[:200],
            change=str(message)[:500] if message else "",
        )

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._audit(request, "add", obj, message)
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._audit(request, "change", obj, message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: QuerySet) -> Any:
        for obj in queryset:
            self._audit(request, "delete", obj)
        return super().log_deletions(request, queryset)


@admin.register(Preferences)
class PreferencesAdmin(AuditedAdmin):
    list_display = ["user", "time_zone", "page_size"]
    search_fields = ["user__username"]


@admin.register(OIDCProvider)
class OIDCProviderAdmin(AuditedAdmin):
    """A domain's single sign-on provider (accounts/sso/); the client secret is write-only."""

    form = OIDCProviderForm
    list_display = ["domain", "name", "issuer", "client_id", "password_login"]
    search_fields = ["domain__name", "name", "issuer"]


@admin.register(Domain)
class DomainAdmin(AuditedAdmin):
    list_display = ["name", "imap", "smtp", "enabled", "require_2fa"]
    list_filter = ["enabled", "require_2fa"]
    search_fields = ["name", "imap_host", "smtp_host"]
    fieldsets = [
        (None, {"fields": ["name", "enabled", "require_2fa", "case_sensitive_logins"]}),
        (_("Sending"), {"fields": ["sender_policy"]}),
        (_("IMAP"), {"fields": ["imap_host", "imap_port", "imap_security"]}),
        (_("SMTP"), {"fields": ["smtp_host", "smtp_port", "smtp_security"]}),
        (
            _("Filters (ManageSieve)"),
            {
                "fields": [
                    "sieve_host",
                    "sieve_port",
                    "sieve_security",
                    "forbid_external_forwarding",
                ]
            },
        ),
        (_("Certificates"), {"fields": ["ca_file"]}),
    ]

    @admin.display(description=_("IMAP server"))
    def imap(self, obj: Domain) -> str:
        return f"{obj.imap_host}:{obj.imap_port} ({obj.imap_security})"

    @admin.display(description=_("SMTP server"))
    def smtp(self, obj: Domain) -> str:
        return f"{obj.smtp_host}:{obj.smtp_port} ({obj.smtp_security})" if obj.smtp_host else "–"

    def save_model(self, request: HttpRequest, obj: Domain, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        clear_domain_cache()


class SenderAliasInline(admin.TabularInline):
    """Addresses the account may send as where its domain allows listed aliases."""

    model = SenderAlias
    extra = 1


@admin.register(MailAccount)
class MailAccountAdmin(AuditedAdmin):
    inlines = [SenderAliasInline]
    list_display = [
        "login",
        "enabled",
        "last_login_at",
        "last_login_address",
        "active_session_count",
        "is_staff",
    ]
    list_filter = ["enabled", "user__is_staff"]
    search_fields = ["login", "last_login_address"]
    readonly_fields = ["login", "last_login_at", "last_login_address", "created"]
    fields = ["login", "enabled", "last_login_at", "last_login_address", "created"]
    actions = ["disable_accounts", "enable_accounts", "end_all_sessions"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        live = (
            sessions.live_sessions()
            .filter(login=OuterRef("login"))
            .order_by()
            .values("login")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .select_related("user")
            .annotate(session_count=Coalesce(Subquery(live), 0))
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # accounts appear when their user first logs in

    @admin.display(description=_("active sessions"), ordering="session_count")
    def active_session_count(self, obj: MailAccount) -> int:
        return getattr(obj, "session_count", 0)

    @admin.display(description=_("staff"), boolean=True, ordering="user__is_staff")
    def is_staff(self, obj: MailAccount) -> bool:
        return obj.user.is_staff

    def save_model(self, request: HttpRequest, obj: MailAccount, form: Any, change: bool) -> None:
        if change and "enabled" in form.changed_data:
            sessions.set_account_enabled(obj, obj.enabled, actor=request.user, request=request)
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Disable (and end their sessions now)"), permissions=["change"])
    def disable_accounts(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for account in queryset:
            sessions.set_account_enabled(account, False, actor=request.user, request=request)
            count += 1
        self.message_user(
            request,
            ngettext("%d account disabled.", "%d accounts disabled.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("Enable"), permissions=["change"])
    def enable_accounts(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for account in queryset:
            sessions.set_account_enabled(account, True, actor=request.user, request=request)
            count += 1
        self.message_user(
            request,
            ngettext("%d account enabled.", "%d accounts enabled.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("End all their sessions"), permissions=["change"])
    def end_all_sessions(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = sum(
            sessions.end_sessions_of(a.login, actor=request.user, request=request) for a in queryset
        )
        self.message_user(
            request,
            ngettext("%d session ended.", "%d sessions ended.", count) % count,
            messages.SUCCESS,
        )


@admin.register(ActiveSession)
class ActiveSessionAdmin(admin.ModelAdmin):
    list_display = ["login", "address", "user_agent_short", "started", "last_seen"]
    list_filter = ["started"]
    search_fields = ["login", "address", "user_agent"]
    readonly_fields = ["login", "address", "user_agent", "started", "last_seen"]
    fields = tuple(readonly_fields)
    actions = ["end_selected_sessions"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return sessions.live_sessions()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # "End session" does it properly

    @admin.display(description=_("user agent"))
    def user_agent_short(self, obj: ActiveSession) -> str:
        return obj.user_agent[:80]

    @admin.action(description=_("End session"), permissions=["change"])
    def end_selected_sessions(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = sessions.end_sessions(queryset, actor=request.user, request=request)
        self.message_user(
            request,
            ngettext("%d session ended.", "%d sessions ended.", count) % count,
            messages.SUCCESS,
        )


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "event", "login", "address", "details_text"]
    list_filter = ["event", "at"]
    search_fields = ["login", "address", "user_agent"]
    date_hierarchy = "at"
    readonly_fields = ["at", "event", "login", "user", "address", "user_agent", "details"]
    fields = tuple(readonly_fields)
    list_per_page = 100

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # pruned by retention only

    @admin.display(description=_("details"))
    def details_text(self, obj: AuditEvent) -> str:
        return ", ".join(f"{k}={v}" for k, v in sorted(obj.details.items()) if v not in ("", None))


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class AuditedUserAdmin(AuditedAdmin, UserAdmin):
    """Django's user admin; granting staff to a mail user is an audited admin action."""
