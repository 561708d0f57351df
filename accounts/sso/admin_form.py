"""The admin's form for a domain's provider: the client secret is write-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import OIDCProvider
from accounts.sso.secret import seal_client_secret


class OIDCProviderForm(forms.ModelForm):
    issuer = forms.URLField(
        label=_("issuer URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Its discovery document gives the endpoints and keys."),
    )
    client_secret = forms.CharField(
        label=_("client secret"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored sealed and never shown again; leave empty to keep the current one."),
    )

    class Meta:
        model = OIDCProvider
        fields = [
            "domain",
            "name",
            "issuer",
            "client_id",
            "client_secret",
            "scopes",
            "login_claim",
            "password_login",
            "require_local_2fa",
            "end_provider_session",
        ]

    def save(self, commit: bool = True) -> Any:
        secret = self.cleaned_data.get("client_secret")
        if secret:
            self.instance.client_secret_sealed = seal_client_secret(secret)
        return super().save(commit)
