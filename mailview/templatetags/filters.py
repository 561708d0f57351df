"""``{% vacation_banner %}``: the mailbox's notice that the out-of-office reply is on."""

from __future__ import annotations

import logging
from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from mailview.imap.errors import MailError
from mailview.services.out_of_office import vacation_status
from mailview.services.session import MailSession

register = template.Library()
log = logging.getLogger(__name__)


@register.simple_tag(takes_context=True)
def vacation_banner(context: dict[str, Any]) -> SafeString:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return SafeString("")
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
