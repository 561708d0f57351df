"""A domain's single sign-on provider: a model of the accounts app, kept apart from
accounts/models.py (which imports it, so Django registers it there)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Domain


class OIDCProvider(models.Model):
    """A domain's OpenID Connect provider (single sign-on); see accounts/sso/.

    The client secret is admin configuration, not a user credential; it is still kept sealed
    (AES-GCM with a key derived from SECRET_KEY, accounts/sso/secret.py), never shown again,
    never logged.
    """

    domain = models.OneToOneField(Domain, on_delete=models.CASCADE, related_name="oidc")
    name = models.CharField(
        _("provider name"), max_length=80, help_text=_('Shown as "Sign in with <name>".')
    )
    issuer = models.URLField(
        _("issuer URL"),
        max_length=500,
        help_text=_("Its discovery document gives the endpoints and keys."),
    )
    client_id = models.CharField(_("client ID"), max_length=255)
    client_secret_sealed = models.TextField(_("client secret (sealed)"), blank=True)
    scopes = models.CharField(_("scopes"), max_length=255, default="openid email profile")
    login_claim = models.CharField(
        _("claim holding the mail login"),
        max_length=64,
        default="email",
        help_text=_("For example email, preferred_username or upn."),
    )
    password_login = models.BooleanField(_("password login stays allowed"), default=True)
    require_local_2fa = models.BooleanField(
        _("also ask the webmail's own two-factor code"),
        default=False,
        help_text=_("Normally the provider's multi-factor authentication counts."),
    )
    end_provider_session = models.BooleanField(
        _("log out of the provider too"),
        default=True,
        help_text=_("Where the provider offers RP-initiated logout."),
    )

    class Meta:
        verbose_name = _("single sign-on provider")
        verbose_name_plural = _("single sign-on providers")

    def __str__(self) -> str:
        return f"{self.name} ({self.domain})"

    def clean(self) -> None:
        from accounts.sso.client import check_issuer

        try:
            check_issuer(self.issuer)
        except ValueError as exc:
            raise ValidationError({"issuer": str(exc)}) from None
        if "openid" not in self.scopes.split():
            raise ValidationError({"scopes": _('The scopes must include "openid".')})
