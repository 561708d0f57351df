"""The one Jinja2 environment of the pages' busiest pieces: the message rows (``rows``) and the
search page's form and summary (``search``).

These pieces are drawn for every list or search page; in Django's template language they were
most of a page's rendering time. The rest of every page stays a Django template and gets these
pieces as HTML. Autoescaping is on: every value from a message, a folder name or the query is
escaped. Text is translated with Django's own gettext (the active language of the request or of
the live event, at render time).
"""

from __future__ import annotations

from functools import cache
from urllib.parse import quote

import jinja2
from django.conf import settings
from django.utils.translation import gettext, ngettext

from mailview.mime.snippet import snippet
from mailview.render.format import compactsize, exact_size


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(settings.BASE_DIR / "templates" / "jinja2"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=False,
        undefined=jinja2.StrictUndefined,
        auto_reload=settings.DEBUG,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the extension
        gettext=gettext, ngettext=ngettext, newstyle=True
    )
    env.filters.update(
        compactsize=compactsize,
        bytes=exact_size,
        urlpath=lambda value: quote(str(value), safe="/"),
    )
    env.globals.update(snippet=lambda row: snippet(row.preview, row.preview_source))
    return env


@cache
def template(name: str) -> jinja2.Template:
    """``templates/jinja2/<name>``, compiled once per process."""
    return environment().get_template(name)
