"""Single sign-on pages: start a sign-in at the domain's provider, and its callback."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts import otp
from accounts.sso import flow
from accounts.sso.client import SSOError
from accounts.sso.providers import local_2fa_required, provider_for_domain, provider_for_login
from accounts.sso.tokens import forget_reauth, seal_tokens
from mailview.imap.errors import MailError
from mailview.services.out_of_office import begin_vacation_status_at_login

log = logging.getLogger(__name__)

BACKEND = "accounts.backends.IMAPBackend"


def _safe_next(request: HttpRequest, value: str) -> str:
    ok = url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return value if value and ok else "/"


@never_cache
def start(request: HttpRequest) -> HttpResponse:
    """GET ?domain=example.org or ?login=user@example.org (&next=...): off to the provider."""
    login = request.GET.get("login", "").strip()
    provider = (
        provider_for_login(login) if login else provider_for_domain(request.GET.get("domain", ""))
    )
    if provider is None:
        messages.error(request, _("This domain has no single sign-on. Log in with your password."))
        return redirect("accounts:login")
    next_url = _safe_next(request, request.GET.get("next", ""))
    try:
        url = flow.start(request, provider, login, next_url)
    except SSOError as exc:
        log.warning("single sign-on could not start for %s: %s", provider.domain, exc.detail)
        messages.error(request, str(exc.user_message))
        return redirect("accounts:login")
    return redirect(url)


@never_cache
def callback(request: HttpRequest) -> HttpResponse:
    """The provider sends the browser back here with a code (or an error)."""
    try:
        done = flow.finish(request)
    except (SSOError, MailError) as exc:
        log.info("single sign-on refused: %s", exc.detail)
        messages.error(request, str(exc.user_message))
        # The login page shows why, rather than sending the browser round to the provider again.
        refused = redirect("accounts:login")
        forget_reauth(request, refused)
        return refused
    user = done.user
    user.backend = BACKEND
    if local_2fa_required(done.provider.domain) and otp.second_step_needed(user):
        step = "accounts:otp_verify" if otp.has_authenticator(user) else "accounts:otp_enrol"
        response: HttpResponse = redirect(step)
        seal_tokens(request, response, user.pk, done.provider.domain, done.tokens)
        otp.start_pending(request, user, done.next_url)
    else:
        auth_login(request, user, backend=BACKEND)
        response = redirect(done.next_url)
        secret = seal_tokens(request, response, user.pk, done.provider.domain, done.tokens)
        begin_vacation_status_at_login(request.session, user.get_username(), secret)
    forget_reauth(request, response)
    return response
