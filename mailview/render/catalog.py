"""The version of the translation catalogues, for the JavaScript catalogue's URL.

The browser keeps /jsi18n/ for a day (mailview/views/i18n.py); its URL names the language and
this version, the newest compiled catalogue's time, so another language or a new deployment
fetches a fresh one.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings


@cache
def catalog_version() -> str:
    """The newest modification time of the compiled catalogues (.mo), "0" when there are none."""
    newest = 0
    for directory in settings.LOCALE_PATHS:
        for compiled in sorted(type(settings.BASE_DIR)(directory).glob("*/LC_MESSAGES/*.mo")):
            newest = max(newest, int(compiled.stat().st_mtime))
    return str(newest)
