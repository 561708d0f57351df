"""Websocket routes: the live-mail consumer (IMAP IDLE relay)."""

from django.urls import path

from mailview.live.consumers import LiveConsumer

websocket_urlpatterns: list = [
    path("ws/live/", LiveConsumer.as_asgi()),
]
