"""Shared folders for the private Dovecot: the acl plugin (RFC 4314 ACLs kept in each folder's
``dovecot-acl`` file), a shared namespace ``shared/<user>/`` for other users' folders, and the
dictionary that tells Dovecot which users share something with whom.

Pass `acl_config(dovecot.mail_dir)` as ``extra_config`` (the instance's mail_dir is known
before the config is written: ``Dovecot(root).mail_dir``).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["SHARED_PREFIX", "acl_config"]

#: Where other users' shared folders appear: shared/<their login>/<their folder>.
SHARED_PREFIX = "shared/"


def acl_config(mail_dir: Path) -> str:
    return f"""\
# -- ACL and shared folders (webmail.devmail.acl) --
mail_plugins = $mail_plugins acl
protocol imap {{
  mail_plugins = quota acl imap_quota imap_acl
}}
namespace shared {{
  type = shared
  separator = /
  prefix = {SHARED_PREFIX}%%u/
  location = maildir:{mail_dir}/%%u:INDEXPVT={mail_dir}/%u/.shared-index/%%u
  subscriptions = no
  list = children
}}
plugin {{
  # Re-read ACL files at once (default: cached 30 s), so a change of rights shows at once.
  acl = vfile::cache_secs=0
  acl_shared_dict = file:{mail_dir}/shared-mailboxes.db
}}
"""
