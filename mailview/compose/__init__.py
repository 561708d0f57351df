"""Writing mail: building messages, SMTP submission, drafts, attachments waiting to be sent.

- ``errors``: what can go wrong, each a MailError with a message fit to show.
- ``addresses``: parsing and validating To/Cc/Bcc, refusing line breaks in header fields.
- ``sanitize``: ``clean_outgoing_html``, the one function the HTML we send goes through.
- ``build``: ``Outgoing`` -> ``email.message.EmailMessage`` (policy SMTP).
- ``smtp``: submission with the user's own credentials.
- ``store``: the per-user directory of a message being written (uploads and state).
- ``original``: reading the message being answered, forwarded or continued.
- ``start``: the form's fields and starting to write (new, reply, forward, edit, a draft).
- ``service``: saving a draft and sending.
- ``people``: identities, the address book, vCard import/export, autocomplete.
- ``views``: the compose pages and their JSON endpoints (its own urls in mailview/urls.py).

May import: mailview.services, accounts, mailview.imap, mailview.mime, mailview.render, Django.
Never mailview.views, mailview.live or webmail.
"""
