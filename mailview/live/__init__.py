"""Live mail: IMAP IDLE watchers, the events they publish, the websocket consumer and the polling
fallback.

- ``watcher``: one IDLE connection per (login, folder) per process (the asyncio IMAP driver);
  turns untagged responses into events with pure functions; ``registry``: the watchers of
  this process shared between tabs, and the end of a login's live mail.
- ``events``: the event types and ``publish()``, the only door to the channel layer.
- ``consumers``, ``routing``: the websocket at ws/live/; ``views``: /updates/<folder>/ polling.

May import: services, accounts, render, mime, imap. Imported by: webmail (asgi), mailview.apps.
"""
