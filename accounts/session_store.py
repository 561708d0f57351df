"""Server-side sessions in the database (Django's ``db`` engine), read without the ORM building
the query on every request (accounts/rowload.py). Writes are the ``db`` engine's own.

Only ``load()``, the method every session engine implements, is replaced: a session found is
decoded from the row read by one prepared statement; a missing or expired one (rare, and the
request then starts a new session) goes through the ``db`` engine itself, which forgets the key.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db

from accounts.rowload import session_data


class SessionStore(db.SessionStore):
    def load(self) -> dict[str, Any]:
        if not self.session_key:
            return {}
        data = session_data(self.model, self.session_key)
        if data is None:
            return super().load()
        return self.decode(data)
