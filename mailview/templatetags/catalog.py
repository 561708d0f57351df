from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.translation import get_language

from mailview.render.catalog import catalog_version

register = template.Library()


@register.simple_tag
def js_catalog_url() -> str:
    """/jsi18n/ for the active language and the catalogues' version (a URL the browser caches)."""
    query = urlencode({"l": get_language(), "v": catalog_version()})
    return f"{reverse('mailview:javascript_catalog')}?{query}"
