"""Presentation shared by every page and by live events: how dates and sizes are written
(``format``), the message-list rows (``rows``, one Jinja2 template for the list, search and
conversation pages and for rows added live), the search page's form and summary (``search``),
the Jinja2 environment of both (``jinja``), and the form widget renderer (``widgets``).

May import: imap (value types only), Django, Jinja2. Imported by: accounts (forms), services,
compose, views, live, templatetags.
"""
