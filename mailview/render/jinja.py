"""The one Jinja2 environment of the search page's form and summary (``search``).

These pieces are drawn for every search, and search as you type draws them for every few
keystrokes; in Django's template language they cost three RequestContexts per search. The rest
of every page stays a Django template and gets these pieces as HTML (the message rows are drawn
in Python, render/rows.py). Autoescaping is on: every folder name and the query are escaped.
Text is translated with Django's own gettext (the active language of the request or of the live
event, at render time).
"""

from __future__ import annotations

from functools import cache

import jinja2
from django.conf import settings
from django.utils.translation import gettext, ngettext


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
    return env


@cache
def template(name: str) -> jinja2.Template:
    """``templates/jinja2/<name>``, compiled once per process."""
    return environment().get_template(name)
