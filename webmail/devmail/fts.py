"""Dovecot full-text search with Xapian, as a config snippet for ``Dovecot(extra_config=...)``.

Used by the full-text search tests, the demo mailbox and ``bench.search --fts``. Needs the
Debian package dovecot-fts-xapian (plugin ``fts_xapian``). Messages are indexed as they are
delivered or appended (``fts_autoindex``); a Maildir written directly is indexed by
``doveadm index`` (``Dovecot.doveadm("index", "-u", user, folder)``).

Dovecot 2.3 advertises ``SEARCH=FUZZY`` (RFC 6203) only when the FTS backend says it supports
fuzzy matching, and fts-xapian 1.5 does not; the snippet adds it to the capability list so that
the app knows that searches go through an index (docs/decisions.md, "Is there a full-text
index?"). docs/deployment.md shows the same settings for a real server.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["XAPIAN_FTS", "xapian_installed"]

XAPIAN_PLUGIN = Path("/usr/lib/dovecot/modules/lib21_fts_xapian_plugin.so")


def xapian_installed() -> bool:
    """Is Dovecot's Xapian FTS plugin (package dovecot-fts-xapian) on this machine?"""
    return XAPIAN_PLUGIN.exists()


XAPIAN_FTS = """\
# -- full-text search: fts + fts_xapian (webmail/devmail/fts.py) --
# Global (doveadm index, lmtp) and for imap, whose block came earlier in the file (Dovecot warns
# that the global line does not change that block: intended).
mail_plugins = $mail_plugins fts fts_xapian
protocol imap {
  mail_plugins = $mail_plugins fts fts_xapian
  imap_capability = +SEARCH=FUZZY
}
plugin {
  fts = xapian
  fts_xapian = partial=3 full=20 verbose=0
  fts_autoindex = yes
  fts_enforced = yes
  fts_autoindex_exclude = \\Trash
  fts_autoindex_exclude2 = \\Junk
}
service indexer-worker {
  vsz_limit = 2G
}
"""
