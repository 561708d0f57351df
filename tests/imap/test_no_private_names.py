"""No private name of imaplib or imapclient anywhere in the tree (issue 11).

One release of either library could otherwise break listing, search and downloads at once.
The IMAP layer runs on our own protocol core (mailview/imap/protocol); imapclient is a test
dependency, used through its public API only.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("mailview", "accounts", "webmail", "bench", "tests", "docker", "scripts")
PRIVATE = re.compile(
    r"(?:imaplib|imapclient)\S*\._[a-zA-Z]"  # imaplib._MAXLINE, imapclient.imapclient._literal
    r"|\buntagged_responses\b|\b_simple_command\b|\b_command_complete\b|\b_raw_command\w*"
    r"|\b_MAXLINE\b|\b_literal\b|\b_untagged_response\b|\b_checkok\b|\b_cached_capabilities\b"
    r"|\._imap\."  # IMAPClient._imap, the imaplib object inside
)


def offending_lines() -> list[str]:
    here = Path(__file__).resolve()
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path.resolve() == here:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if PRIVATE.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_no_private_imaplib_or_imapclient_names_in_the_tree():
    assert offending_lines() == []


def test_the_pattern_finds_what_it_is_for():
    for line in (
        "imaplib._MAXLINE = 1",
        "class _Literal(imapclient.imapclient._literal):",
        "typ, data = imap._simple_command('LIST')",
        "client._imap.untagged_responses.clear()",
        "client._raw_command_untagged(b'SORT', [])",
        "cert = client._imap.sock.getpeercert()",
    ):
        assert PRIVATE.search(line), line
    assert not PRIVATE.search("self._wire = imap")
