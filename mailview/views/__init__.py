"""The pages: one module per screen family (mailbox, message, actions, folders, people,
account and preferences, two-factor). A view reads the request, calls a service, renders.

Views behind ``login_required`` take ``accounts.requests.AuthenticatedRequest``.

May import: mailview.compose, mailview.services, accounts, mailview.render, mailview.mime,
mailview.imap (errors, names), Django. Never mailview.live or webmail.
"""
