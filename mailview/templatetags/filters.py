"""``{% vacation_banner %}``: the mailbox's notice that the out-of-office reply is on.

The state is read from the filter server (ManageSieve: a connection, a login, the script) once
per login session and kept in it (services.filters.vacation_status). A page drawn before it is
known does not wait for that server: it gets an empty slot that the page fills after it is shown
(static/webmail/webmail.js, ``data-fragment``; the view is views.vacation.banner).
"""

from __future__ import annotations

import logging
from typing import Any

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from mailview.imap.errors import MailError
from mailview.services.filters import vacation_status, vacation_status_known
from mailview.services.session import MailSession

register = template.Library()
log = logging.getLogger(__name__)


@register.simple_tag(takes_context=True)
def vacation_banner(context: dict[str, Any]) -> SafeString:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return SafeString("")
    if not vacation_status_known(request.session):
        return format_html('<p hidden data-fragment="{}"></p>', reverse("mailview:vacation_banner"))
    try:
        status = vacation_status(
            MailSession.for_request(request), request.session, timezone.localdate()
        )
    except MailError as exc:
        # No ManageSieve (or it is down): the mailbox works without the banner.
        log.info("out-of-office state unavailable: %s", exc.detail or exc)
        return SafeString("")
    if not status.on:
        return SafeString("")
    return render_to_string("mailview/filters/_banner.html", {"status": status})
