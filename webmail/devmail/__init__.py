"""Development and test helpers: a private Dovecot IMAP server and mailbox seeding.

Only the standard library, ``cryptography`` and ``imapclient`` are used here, and nothing in
this package touches Django settings, so it can be imported from tests, scripts and benchmarks.
"""

from __future__ import annotations
