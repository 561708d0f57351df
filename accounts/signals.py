"""The signals accounts sends. The receivers of Django's auth signals are in receivers.py."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent with ``login=<mail login>`` whenever a user's mail sessions end in this process: logout,
#: an admin's "end session", a disabled account. Receivers release what they hold for the login
#: (pooled IMAP connections: receivers.py; IDLE watchers and websockets: mailview.live).
#: (accounts.sessions also passes ``session_key=`` when one admin-ended session caused it.)
mail_sessions_ended = Signal()

#: Sent with ``result=`` "success", "failure" or "throttled" for every login attempt (the
#: metrics count them: webmail/apps.py connects the receiver).
login_attempted = Signal()
