"""The interface language of a request (issue 18).

Django's LocaleMiddleware picks the browser's language (Accept-Language) for every request; a
signed-in user who chose one in Settings › General gets theirs instead, on every page and in
their live updates. Nobody else is affected: the choice lives in the user's Preferences.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

from accounts.models import Preferences


def chosen_language(prefs: Preferences) -> str | None:
    """The language the user chose, if it is one of settings.LANGUAGES; None: the browser's."""
    code = prefs.language
    return code if code and code in dict(settings.LANGUAGES) else None


def language_from_headers(headers: Mapping[str, str]) -> str:
    """The best of settings.LANGUAGES for an Accept-Language header (a websocket's scope)."""
    accept = headers.get("accept-language", "")
    for code, _quality in parse_accept_lang_header(accept):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return translation.get_supported_language_variant(settings.LANGUAGE_CODE)


def user_language(prefs: Preferences, headers: Mapping[str, str]) -> str:
    """The user's own choice, else the browser's language from its request headers."""
    return chosen_language(prefs) or language_from_headers(headers)
