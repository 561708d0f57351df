"""The JavaScript catalogue: the translations of static/webmail/**.js (djangojs.po) for the
active language, with gettext(), ngettext() and interpolate() for the scripts (issue 18).

Cached on the server per language (cache_page keys include it) and in the browser for a day:
base.html asks for it with the language and the catalogues' version in its URL.
"""

from __future__ import annotations

from django.utils import timezone
from django.views.decorators.cache import cache_page
from django.views.decorators.http import last_modified
from django.views.i18n import JavaScriptCatalog

_STARTED = timezone.now()

# Conditional GET first (304 without building or fetching anything), then the cached catalogue.
javascript_catalog = last_modified(lambda request, **kwargs: _STARTED)(
    cache_page(24 * 3600)(JavaScriptCatalog.as_view())
)
