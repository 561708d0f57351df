"""Shared folders for the private Dovecot: the acl plugin (RFC 4314 ACLs kept in each folder's
``dovecot-acl`` file), a shared namespace ``shared/<user>/`` for other users' folders, the
dictionary that tells Dovecot which users share something with whom, and a public namespace
``Public/`` for folders that belong to no user (team and announcement folders everyone of the
domain sees, as far as each folder's ACL lets them).

Pass `acl_config(dovecot.mail_dir)` as ``extra_config`` (the instance's mail_dir is known
before the config is written: ``Dovecot(root).mail_dir``). Public folders are made by the
administrator, not over IMAP (nobody owns the namespace): `create_public_folder`.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Mapping
from pathlib import Path

from webmail.devmail.dovecot import Dovecot, connect
from webmail.devmail.dovecot_config import MAIL_USER
from webmail.devmail.factories import make_message, message_bytes

__all__ = [
    "PUBLIC_PREFIX",
    "SHARED_PREFIX",
    "acl_config",
    "create_public_folder",
    "public_dir",
    "seed_public_folders",
]

#: Where other users' shared folders appear: shared/<their login>/<their folder>.
SHARED_PREFIX = "shared/"
#: Where public folders appear: Public/<folder>.
PUBLIC_PREFIX = "Public/"


def public_dir(mail_dir: Path, domain: str = "") -> Path:
    """The Maildir++ root of the public folders of ``domain`` ("" for logins without one)."""
    return mail_dir / "public" / domain if domain else mail_dir / "public"


def acl_config(mail_dir: Path) -> str:
    return f"""\
# -- ACL and shared folders (webmail.devmail.acl) --
# Global (lmtp, doveadm) and for imap, whose block came earlier in the file ($mail_plugins there
# is imap's own list: any other snippet's imap plugins are kept).
mail_plugins = $mail_plugins acl
protocol imap {{
  mail_plugins = $mail_plugins acl imap_acl
}}
namespace shared {{
  type = shared
  separator = /
  prefix = {SHARED_PREFIX}%%u/
  location = maildir:{mail_dir}/%%u:INDEXPVT={mail_dir}/%u/.shared-index/%%u
  subscriptions = no
  list = children
}}
# Public folders, one tree per domain (%d: the login's domain, empty for logins without one);
# what each user may do in each folder is that folder's dovecot-acl ("anyone lrs" for a
# read-only announcement folder). Seen flags are kept per user (INDEXPVT).
namespace public {{
  type = public
  separator = /
  prefix = {PUBLIC_PREFIX}
  location = maildir:{mail_dir}/public/%d:INDEXPVT={mail_dir}/%u/.public-index
  subscriptions = no
  list = children
}}
plugin {{
  # Re-read ACL files at once (default: cached 30 s), so a change of rights shows at once.
  acl = vfile::cache_secs=0
  acl_shared_dict = file:{mail_dir}/shared-mailboxes.db
}}
"""


def create_public_folder(
    mail_dir: Path, name: str, acl: Mapping[str, str], *, domain: str = ""
) -> Path:
    """Make the public folder ``name`` ("News", "Teams/Support") with the given ACL
    (identifier -> rights: ``{"anyone": "lrs", "user=alice@example.org": "lrswipkxtea"}``);
    an existing folder gets the new ACL. Run with the rights to write the mail directory."""
    root = public_dir(mail_dir, domain)
    parts = [p for p in name.split("/") if p]
    if not parts or any(p.startswith(".") or p in {"cur", "new", "tmp"} for p in parts):
        raise ValueError(f"invalid public folder name: {name!r}")

    entry = pwd.getpwnam(MAIL_USER)
    made: list[Path] = []
    for directory in (mail_dir / "public", root):
        if not directory.exists():
            directory.mkdir()
            made.append(directory)
    folder = root / ("." + ".".join(parts))
    for sub in ("", "cur", "new", "tmp"):
        path = folder / sub if sub else folder
        if not path.exists():
            path.mkdir()
            made.append(path)
    rules = "".join(f"{who} {rights}\n" for who, rights in acl.items())
    (folder / "dovecot-acl").write_text(rules)
    made.append(folder / "dovecot-acl")
    for path in made:
        os.chown(path, entry.pw_uid, entry.pw_gid)
        path.chmod(0o700 if path.is_dir() else 0o600)
    (mail_dir / "public").chmod(0o755)
    return folder


#: The demo's public folders: (name, ACL once seeded, messages as (sender, subject, text)).
DEMO_PUBLIC: tuple[tuple[str, dict[str, str], tuple[tuple[str, str, str], ...]], ...] = (
    (
        "Announcements",
        {"anyone": "lrs"},
        (
            (
                "IT Department <it@example.org>",
                "Mail server maintenance on Saturday",
                "The mail server restarts on Saturday at 06:00 for about ten minutes.",
            ),
            (
                "Office <office@example.org>",
                "Welcome to the shared folders",
                "Public folders are visible to everyone in the domain. This one is read-only.",
            ),
        ),
    ),
    (
        "Support",
        {"anyone": "lrswi"},
        (
            (
                "Customer <customer@example.com>",
                "Cannot log in since yesterday",
                "Hello, since yesterday the login page says my password is wrong.",
            ),
        ),
    ),
)


def seed_public_folders(dovecot: Dovecot, login: str, password: str) -> dict[str, int]:
    """The demo's public folders of ``login``'s domain, with a few messages each; seeded by
    ``login`` (given every right while seeding, then the folder's own ACL)."""
    domain = login.rpartition("@")[2] if "@" in login else ""
    counts: dict[str, int] = {}
    for name, acl, messages in DEMO_PUBLIC:
        create_public_folder(
            dovecot.mail_dir, name, {**acl, f"user={login}": "lrswipkxtea"}, domain=domain
        )
        conn = connect(dovecot, login, password)
        try:
            for sender, subject, text in messages:
                msg = make_message(sender=sender, to=login, subject=subject, text=text + "\n")
                conn.append_message(PUBLIC_PREFIX + name, message_bytes(msg), [], None)
        finally:
            conn.logout()
        create_public_folder(dovecot.mail_dir, name, acl, domain=domain)
        counts[PUBLIC_PREFIX + name] = len(messages)
    return counts
