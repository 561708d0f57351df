"""Websocket routes: the live-mail consumer (IMAP IDLE relay)."""

from typing import Any

from django.urls import path

from mailview.live.consumers import LiveConsumer

websocket_urlpatterns: list[Any] = [
    # django-stubs types path() for HTTP views only; Channels' URLRouter takes ASGI apps.
    path("ws/live/", LiveConsumer.as_asgi()),  # type: ignore[arg-type]
]
