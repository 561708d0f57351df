from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def page_size_choices() -> list[tuple[int, str]]:
    return [(n, str(n)) for n in settings.WEBMAIL_PAGE_SIZES]


class Preferences(models.Model):
    """A mail user's settings. The password is never here: see accounts.credentials."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    page_size = models.PositiveSmallIntegerField(_("messages per page"), default=50)
    # Reading and organizing mail (issue 3).
    prefer_html = models.BooleanField(_("show HTML rather than plain text"), default=True)
    remote_content = models.CharField(
        _("remote content"),
        max_length=8,
        choices=[("block", _("Block (ask each time)")), ("allow", _("Always load"))],
        default="block",
    )
    mark_read_on_open = models.BooleanField(_("mark messages read when opened"), default=True)
    delete_action = models.CharField(
        _("delete"),
        max_length=8,
        choices=[("trash", _("Move to Trash")), ("delete", _("Delete permanently"))],
        default="trash",
    )
    conversation_view = models.BooleanField(_("group messages into conversations"), default=False)

    class Meta:
        verbose_name = _("preferences")
        verbose_name_plural = _("preferences")

    def __str__(self) -> str:
        return f"Preferences of {self.user}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    @classmethod
    def for_user(cls, user: object) -> Preferences:
        prefs, _created = cls.objects.get_or_create(user=user)
        return prefs


# -- writing mail (issue 4): identities, compose settings, address book ---------------------------


class Identity(models.Model):
    """A From address the user sends as, with its reply-to and signature."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identities"
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("email address"), max_length=254)
    reply_to = models.EmailField(_("reply-to address"), max_length=254, blank=True)
    signature_text = models.TextField(_("signature (plain text)"), blank=True)
    signature_html = models.TextField(_("signature (HTML)"), blank=True)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        ordering = ["-is_default", "email", "name", "pk"]
        verbose_name = _("identity")
        verbose_name_plural = _("identities")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email

    @classmethod
    def for_user(cls, user: object) -> list[Identity]:
        """The user's identities, default first; a default one made from the login if none."""
        identities = list(cls.objects.filter(user=user))
        if not identities:
            login = user.get_username()  # type: ignore[attr-defined]
            domain = settings.WEBMAIL_DEFAULT_DOMAIN or "localhost"
            email = login if "@" in login else f"{login}@{domain}"
            identities = [cls.objects.create(user=user, email=email, is_default=True)]
        return identities


class ComposeSettings(models.Model):
    """How replies start: where the cursor and the signature go, and the default format."""

    POSITIONS = [("top", _("above the quoted text")), ("bottom", _("below the quoted text"))]
    FORMATS = [("text", _("plain text")), ("html", _("HTML"))]

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="compose_settings"
    )
    reply_position = models.CharField(
        _("when replying, start writing"), max_length=6, choices=POSITIONS, default="top"
    )
    signature_position = models.CharField(
        _("when replying, put the signature"), max_length=6, choices=POSITIONS, default="top"
    )
    default_format = models.CharField(
        _("compose new messages in"), max_length=4, choices=FORMATS, default="text"
    )

    def __str__(self) -> str:
        return f"Compose settings of {self.user}"

    @classmethod
    def for_user(cls, user: object) -> ComposeSettings:
        obj, _created = cls.objects.get_or_create(user=user)
        return obj


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
