from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts import audit
from accounts.backends import AccountDisabled
from accounts.models import AuditEvent, Preferences, page_size_choices
from accounts.servers import LoginRefused
from mailview.imap.errors import LoginNotChecked, MailError
from mailview.render.widgets import widget_renderer


class LoginForm(AuthenticationForm):
    """Django's login form, with mail-server problems shown as form errors."""

    error_messages = {
        # The same message whether the user is unknown or the password wrong.
        "invalid_login": _("Wrong username or password."),
        "inactive": _("This account is disabled."),
    }
    time_zone = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except MailError as exc:
            # Not a wrong password (those never get here): audited, never throttled.
            if isinstance(exc, LoginRefused | AccountDisabled | LoginNotChecked):
                login = (self.cleaned_data.get("username") or "").strip()
                audit.record(AuditEvent.LOGIN_REFUSED, login, self.request, reason=exc.detail)
            raise forms.ValidationError(str(exc.user_message), code="mail_server") from None


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


def language_choices() -> list[tuple[str, str | Promise]]:
    """As the browser (empty), then each language in its own name."""
    return [("", _("As the browser")), *settings.LANGUAGES]


class PreferencesForm(forms.ModelForm):
    default_renderer = widget_renderer  # the time zone select: 30 ms in Django's templates
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    language = forms.ChoiceField(label=_("Language"), choices=language_choices, required=False)
    page_size = forms.TypedChoiceField(
        label=_("Messages per page"), choices=page_size_choices, coerce=int
    )

    class Meta:
        model = Preferences
        fields = [
            "language",
            "time_zone",
            "page_size",
            "prefer_html",
            "remote_content",
            "mark_read_on_open",
            "delete_action",
            "conversation_view",
            "clock",
            "theme",
            "density",
            "layout",
        ]
        widgets = {
            "remote_content": forms.RadioSelect,
            "delete_action": forms.RadioSelect,
            "clock": forms.RadioSelect,
            "theme": forms.RadioSelect,
            "density": forms.RadioSelect,
            "layout": forms.RadioSelect,
        }

    # Choices left out of a POST keep their current value (a form that predates them still works).
    KEEP_IF_MISSING = ("remote_content", "delete_action", "clock", "theme", "density", "layout")

    def __init__(self, *args: Any, only: tuple[str, ...] | None = None, **kwargs: Any) -> None:
        """`only`: the fields of one settings section; the others are not shown nor changed."""
        super().__init__(*args, **kwargs)
        if only is not None:
            for name in [name for name in self.fields if name not in only]:
                del self.fields[name]
            self.order_fields(only)
        for name in self.KEEP_IF_MISSING:
            if name in self.fields:
                self.fields[name].required = False

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for name in self.KEEP_IF_MISSING:
            if name in self.fields and not data.get(name):
                data[name] = getattr(self.instance, name)
        return data
