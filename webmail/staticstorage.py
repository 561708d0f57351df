"""Static files as Django serves them, with each file's URL worked out once per process.

Every rendered page names about fifteen static files (``{% static %}``); the default storage
quoted and joined each name on every call, about 1 ms of a cold page's rendering on the issue-14
benchmark machine. The files and their names do not change while a worker runs.
"""

from __future__ import annotations

from django.contrib.staticfiles.storage import StaticFilesStorage


class CachedURLStaticFilesStorage(StaticFilesStorage):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._urls: dict[str, str] = {}

    def url(self, name: str | None) -> str:
        if name is None:
            return super().url(name)
        found = self._urls.get(name)
        if found is None:
            found = self._urls[name] = super().url(name)
        return found
