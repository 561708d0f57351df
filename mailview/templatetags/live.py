"""Template tags of live mail (static/webmail/live.js)."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def live_poll_interval() -> int:
    """Seconds between polls when the browser's websocket cannot connect."""
    return int(settings.WEBMAIL_LIVE_POLL_INTERVAL)
