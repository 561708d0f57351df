"""The sections of the one Settings area (issue 13): what each shows and where it lives.

A section is either a form over some of a model's fields (General, Display, Reading, Composing:
adding a setting to a section is one entry in its ``fields``) or a page of its own rendered inside
the area (Identities, Contacts, Folders, Security). Views (mailview/views/settings.py) and the
navigation tag (mailview/templatetags/settings_area.py) read this one list.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import ComposeSettings, Preferences


@dataclass(frozen=True)
class Section:
    slug: str
    title: str | Promise
    #: The URL name of the section's page (its first page, for the pages of their own).
    url_name: str
    #: A form section: the model holding the settings (one row per user) and the fields shown.
    model: type[models.Model] | None = None
    fields: tuple[str, ...] = ()
    description: str | Promise = ""

    @property
    def is_form(self) -> bool:
        return self.model is not None


SECTIONS: tuple[Section, ...] = (
    Section(
        "general",
        _("General"),
        "accounts:preferences",
        Preferences,
        ("language", "time_zone", "clock"),
        _("Your language, your time zone and how dates and times are written on every page."),
    ),
    Section(
        "display",
        _("Display"),
        "accounts:settings_section",
        Preferences,
        ("theme", "density", "layout", "conversation_view", "page_size"),
        _("How the mail list looks."),
    ),
    Section(
        "reading",
        _("Reading"),
        "accounts:settings_section",
        Preferences,
        ("prefer_html", "remote_content", "mark_read_on_open", "delete_action"),
        _("How messages are shown when you open them."),
    ),
    Section(
        "composing",
        _("Composing"),
        "accounts:settings_section",
        ComposeSettings,
        ("default_format", "reply_position", "signature_position", "undo_send_delay"),
        _("How new messages and replies start, and how long Undo send waits."),
    ),
    Section("identities", _("Identities and signatures"), "compose:identities"),
    Section("contacts", _("Contacts"), "compose:contacts"),
    Section("folders", _("Folders"), "mailview:folders"),
    Section("filters", _("Filters"), "accounts:filters"),
    Section("vacation", _("Out of office and forwarding"), "accounts:vacation"),
    Section("security", _("Security"), "accounts:two_factor"),
)

BY_SLUG = {section.slug: section for section in SECTIONS}
