"""Who the user is and which mail server they reach: the Django app for logins and accounts.

IMAP authentication (backends), the canonical form of a login (logins; merging old case
variants: login_merge), the sealed IMAP password (credentials), domains and their servers
(servers, models), which From addresses a login may use (senders), sessions, throttling,
two-factor (otp), the audit log, preferences, identities and the address book (models), the
admin, and ``requests.AuthenticatedRequest``.

May import: mailview.imap, mailview.mime and mailview.render (the layers below it), Django and
third-party libraries. Never mailview.services, compose, views, live, or webmail (the
pyproject.toml import-linter contracts enforce it); metrics reach it through its signals.
"""
