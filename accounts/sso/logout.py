"""RP-initiated logout: where to send the browser after the webmail's own logout."""

from __future__ import annotations

import logging

from django.http import HttpRequest
from django.urls import reverse

from accounts.sso.client import end_session_url
from accounts.sso.providers import provider_for_domain
from accounts.sso.tokens import token_record
from mailview.imap.errors import CredentialsUnavailable

log = logging.getLogger(__name__)


def provider_logout_url(request: HttpRequest) -> str:
    """The provider's end-session URL for this session ("" for a password login, a provider
    without the endpoint, or one configured not to be logged out of)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    try:
        record = token_record(request.session, request.COOKIES, user.pk)
    except CredentialsUnavailable:
        return ""
    if record is None:
        return ""
    provider = provider_for_domain(record.domain)
    if provider is None:
        return ""
    back = request.build_absolute_uri(reverse("accounts:login"))
    return end_session_url(provider, record.id_token, back)
