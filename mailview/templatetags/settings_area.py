"""The Settings area's section navigation (the sections: accounts/settings_area.py)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from accounts.settings_area import SECTIONS, Section

register = template.Library()


def section_url(section: Section) -> str:
    if section.url_name == "accounts:settings_section":
        return reverse(section.url_name, args=[section.slug])
    return reverse(section.url_name)


@register.inclusion_tag("settings/_nav.html", takes_context=True)
def settings_nav(context: dict[str, Any]) -> dict[str, Any]:
    """Every section, the current one (the longest URL that the page's path starts with) marked."""
    path = context["request"].path
    items = [(section, section_url(section)) for section in SECTIONS]
    matching = [url for _section, url in items if path.startswith(url)]
    current = max(matching, key=len) if matching else None
    return {
        "sections": [
            {"section": section, "url": url, "current": url == current} for section, url in items
        ]
    }
