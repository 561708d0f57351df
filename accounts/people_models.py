"""The address book: contacts, groups and the addresses one wrote to. Models of the accounts
app, kept apart from accounts/models.py (which imports them, so Django registers them there)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Contact(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("email address"), max_length=254)
    phone = models.CharField(_("phone"), max_length=64, blank=True)
    organization = models.CharField(_("organization"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["name", "email", "pk"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


class ContactGroup(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_groups"
    )
    name = models.CharField(_("name"), max_length=200)
    members = models.ManyToManyField(Contact, related_name="groups", blank=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("contact group")
        verbose_name_plural = _("contact groups")

    def __str__(self) -> str:
        return self.name


class RecentAddress(models.Model):
    """An address the user sent to, for autocomplete."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recent_addresses"
    )
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(max_length=254)
    last_used = models.DateTimeField(auto_now=True)
    times = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-last_used"]
        constraints = [
            models.UniqueConstraint(fields=["user", "email"], name="recent_address_unique")
        ]

    def __str__(self) -> str:
        return self.email
