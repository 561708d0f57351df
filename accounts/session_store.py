"""Server-side sessions in the database (Django's ``db`` engine), read without the ORM building
the query on every request (accounts/rowload.py). Writes are the ``db`` engine's own."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db

from accounts.rowload import session_data


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        if not self.session_key:
            self._session_key = None
            return None
        data = session_data(self.model, self.session_key)
        if data is None:
            self._session_key = None
            return None
        return self.model(session_key=self.session_key, session_data=data)
