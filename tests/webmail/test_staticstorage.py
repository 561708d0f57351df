"""Static file URLs are what Django's storage gives, worked out once per name."""

from __future__ import annotations

from django.contrib.staticfiles.storage import StaticFilesStorage, staticfiles_storage
from django.templatetags.static import static

from webmail.staticstorage import CachedURLStaticFilesStorage


def test_the_urls_are_djangos_and_asked_once_per_name():
    plain = StaticFilesStorage()
    cached = CachedURLStaticFilesStorage()
    for name in ["webmail/webmail.css", "webmail/a file & more.js", "webmail/ü.svg"]:
        assert cached.url(name) == plain.url(name)
        assert cached.url(name) is cached.url(name)  # the same string: not worked out again


def test_the_static_tag_uses_it():
    assert isinstance(staticfiles_storage, CachedURLStaticFilesStorage)
    assert static("webmail/webmail.css") == "/static/webmail/webmail.css"
