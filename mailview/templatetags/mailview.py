from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def maildate(value: datetime | None) -> str:
    """A list date the way mail clients show it: time today, day this year, else the full date."""
    if value is None:
        return ""
    return format_list_date(value, timezone.now())


def format_list_date(value: datetime, now: datetime) -> str:
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.utc)
    local = timezone.localtime(value)
    now = timezone.localtime(now)
    # strftime rather than Django's date formatting: this runs twice for each of 50 rows.
    if local.date() == now.date():
        return local.strftime("%H:%M")
    if local.year == now.year:
        return f"{local.day} {local.strftime('%b')}"
    return local.strftime("%Y-%m-%d")


@register.filter
def fulldate(value: datetime | None) -> str:
    if value is None:
        return ""
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.utc)
    local = timezone.localtime(value)
    return f"{local.strftime('%a')}, {local.day} {local.strftime('%b %Y %H:%M')}"


@register.simple_tag(takes_context=True)
def sort_query(context: template.Context, key: str) -> str:
    """Query string for a column header: sort by `key`; clicking the active column flips it."""
    page = context["page"]
    req = page.request
    if req.sort == key:
        order = "asc" if req.reverse else "desc"
    else:
        order = "asc" if key in ("from", "subject") else "desc"
    return "?" + urlencode({"sort": key, "order": order})


@register.simple_tag(takes_context=True)
def page_query(context: template.Context, number: int) -> str:
    req = context["page"].request
    return "?" + urlencode(
        {"sort": req.sort, "order": "desc" if req.reverse else "asc", "page": number}
    )


@register.simple_tag(takes_context=True)
def sort_state(context: template.Context, key: str) -> str:
    req = context["page"].request
    if req.sort != key:
        return "none"
    return "descending" if req.reverse else "ascending"


@register.filter
def compactsize(value: int | None) -> str:
    """Sizes for a narrow column: 493 B, 12 KB, 3.4 MB."""
    size = int(value or 0)
    if size < 1024:
        return f"{size} B"
    for unit in ("KB", "MB", "GB"):
        size_f = size / 1024
        if size_f < 10:
            return f"{size_f:.1f} {unit}"
        if size_f < 1024 or unit == "GB":
            return f"{size_f:.0f} {unit}"
        size = int(size_f)
    return f"{size} GB"
