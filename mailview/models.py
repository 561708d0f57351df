from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class TrustedSender(models.Model):
    """A sender whose remote content (images, styles) a user always wants to see."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trusted_senders"
    )
    # Lower-cased address, as compared.
    email = models.CharField(_("address"), max_length=320)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("trusted sender")
        constraints = [
            models.UniqueConstraint(fields=["user", "email"], name="unique_trusted_sender")
        ]

    def __str__(self) -> str:
        return f"{self.email} (trusted by {self.user})"

    @classmethod
    def trusts(cls, user: User, email: str) -> bool:
        email = email.strip().lower()
        return bool(email) and cls.objects.filter(user=user, email=email).exists()

    @classmethod
    def add(cls, user: User, email: str) -> None:
        email = email.strip().lower()
        if email:
            cls.objects.get_or_create(user=user, email=email[:320])
