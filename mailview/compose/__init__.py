"""Writing mail: building messages, SMTP submission, drafts, attachments waiting to be sent.

- ``errors``: what can go wrong, each a MailError with a message fit to show.
- ``addresses``: parsing and validating To/Cc/Bcc, refusing line breaks in header fields.
- ``sanitize``: ``clean_outgoing_html``, the one function the HTML we send goes through.
- ``build``: ``Outgoing`` -> ``email.message.EmailMessage`` (policy SMTP).
- ``smtp``: submission with the user's own credentials.
- ``store``: the per-user directory of a message being written (uploads and state).
- ``service``: what the compose views call: start a reply/forward/draft, save a draft, send.
"""
