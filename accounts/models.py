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
