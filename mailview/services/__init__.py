"""What views call: one module per job, each function taking the user's ``MailSession``.

mailbox (list pages, the folder tree), threads (conversations), search, message (reading one
message), downloads (parts, raw messages, zips, streamed), actions (flags, move, delete, undo),
folders (the tree's data), folder_admin (create, rename, delete, subscribe), transfer (mbox and
.eml import and export), session (the MailSession proxy over the pooled connection).

May import: accounts, mailview.imap, mailview.mime, mailview.render, Django. Never views, live,
compose or webmail. Type-checked strictly (pyproject.toml).
"""
