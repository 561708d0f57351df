"""Presentation shared by every page and by live events: how dates and sizes are written
(``format``), the message-list rows (``rows``, drawn in Python for the list, search and
conversation pages and for rows added live), the search page's form and summary (``search``),
their Jinja2 environment (``jinja``), and the form widget renderer (``widgets``).

May import: imap (value types only), Django, Jinja2. Imported by: accounts (forms), services,
compose, views, live, templatetags.
"""
