"""Development and test helpers: a private Dovecot IMAP server and mailbox seeding.

Only the standard library, ``cryptography`` and the app's IMAP layer (``mailview.imap``, which
imports nothing of Django's settings) are used here, and nothing in this package touches Django
settings, so it can be imported from tests, scripts and benchmarks. ``Dovecot.client`` hands
tests an imapclient connection (imapclient is a test dependency).
"""

from __future__ import annotations
