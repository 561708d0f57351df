"""Websocket routes. The live-mail consumer (IMAP IDLE relay) is added here."""

websocket_urlpatterns: list = []
