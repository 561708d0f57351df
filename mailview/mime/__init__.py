"""MIME without I/O: what a message is made of, and the only producer of trusted HTML.

parse (BODYSTRUCTURE to a tree of parts, which parts to fetch, filenames), text (format=flowed
and quote levels), decode (streaming transfer decoders), sanitize (``sanitize_html`` and
``text_to_html``: every HTML shown to a user goes through it; css.py and urls.py are its helpers).

May import: mailview.imap (its value types) and libraries (bleach, tinycss2, Django's html
utilities). Never accounts, services, views, live, compose, render or webmail (import-linter).
Type-checked strictly (pyproject.toml).
"""
