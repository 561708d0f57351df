"""``{% outbox_notices %}``: "Sending… Undo" on every page while a message waits to be sent,
then once how it went (sent, or not sent and why)."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from mailview.compose import outbox
from mailview.compose.outbox_views import lend_secret, status_of

register = template.Library()


@register.simple_tag(takes_context=True)
def outbox_notices(context: dict[str, Any]) -> SafeString:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return SafeString("")
    # Nearly every page has nothing to say: asked without the ORM first (outbox.has_visible).
    rows = outbox.visible(request.user) if outbox.request_has_visible(request) else []
    if not rows:
        return SafeString("")
    lend_secret(request, rows)
    notices = [{"row": row, "status": status_of(row)} for row in rows if outbox.has_news(row)]
    outbox.mark_reported(rows)
    if not notices:
        return SafeString("")
    return render_to_string(
        "compose/_outbox.html", {"notices": notices, "next": request.get_full_path()}, request
    )
