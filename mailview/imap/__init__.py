"""The IMAP layer: our own protocol core, two drivers, the facade, the pool.

What lives here:

- ``protocol/``: IMAP without I/O (h11/wsproto style): commands to bytes (``commands``), bytes to
  typed responses (``responses``, with the fast value tokenizer in ``syntax``), modified UTF-7
  (``utf7``) and dates (``dates``). Standard library only.
- ``blocking.py`` (socket + ssl, for the request pool) and ``aioconn.py`` (asyncio, for the IDLE
  watchers): thin drivers over the core.
- ``client.py``: ``IMAPConnection``, the facade every caller uses, with its plumbing in
  ``connection.py`` and its command families in ``folder_commands.py`` and
  ``message_commands.py``; the values it speaks in (``types.py``, ``values.py``), what user input
  may become on the wire (``criteria.py``), its per-connection cache (``cache.py``) and errors
  (``errors.py``: NO/BAD classified by response code, then by Dovecot's and Cyrus's phrasings).
- ``pool.py`` (leases), ``endpoint.py`` (host, port, TLS), ``hooks.py`` (metrics reach the layer
  through ``set_command_observer``, registered by webmail at start-up).
- ``changes.py``: untagged responses to changes of a watched folder (pure, the watchers' half
  that needs no server).

The session proxy (``mailview/services/session.py``) and the IDLE watchers
(``mailview/live/watcher.py``) use this package from the layers above.

What it may import: the standard library and Django's own utilities (translation); nothing from
accounts, webmail or the rest of mailview. No imaplib, no imapclient (imapclient is a test
dependency: an independent client for test set-up and the reference of the parser's tests).
"""
