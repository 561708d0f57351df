"""The translation catalogues (locale/): complete where they must be, and in step with the code.

German and French are complete (no empty, no fuzzy entry); Arabic is partial but covers the
mailbox, message and compose screens' main words. makemessages run on a copy of the code finds
exactly the catalogue's messages: everything marked in the code is in the .po files.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.catalog_check import LOCALE, read_po

ROOT = LOCALE.parent
COMPLETE = ["de", "fr"]
#: What the Arabic catalogue must cover (folder names, toolbar, headers, buttons).
ARABIC_MAIN = [
    "Inbox", "Drafts", "Sent", "Junk", "Trash", "Archive", "Folders", "Compose", "Settings",
    "Search", "From", "To", "Subject", "Date", "Size", "Reply", "Reply all", "Forward", "Send",
    "Delete", "Move", "Copy", "Mark read", "Mark unread", "Attachments", "Save draft", "Discard",
    "Select a message to read it.", "This folder is empty.", "Log out",
]  # fmt: skip


@pytest.mark.parametrize("language", COMPLETE)
def test_complete_catalogues_translate_everything(language):
    entries = read_po(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert len(entries) > 500
    untranslated = [e.msgid for e in entries if not all(e.msgstrs)]
    fuzzy = [e.msgid for e in entries if e.fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_the_arabic_catalogue_covers_the_main_screens():
    entries = {e.msgid: e for e in read_po(LOCALE / "ar" / "LC_MESSAGES" / "django.po")}
    assert [m for m in ARABIC_MAIN if not all(entries[m].msgstrs)] == []
    assert [e.msgid for e in entries.values() if e.fuzzy] == []


@pytest.mark.parametrize("language", ["de", "fr", "ar"])
def test_catalogues_compile_with_their_placeholders_intact(language, tmp_path):
    """msgfmt --check: every translation keeps the placeholders of its msgid (python-format)."""
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    subprocess.run(["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(po)], check=True)


def test_makemessages_finds_no_message_missing_from_the_catalogues(tmp_path):
    """Everything marked for translation in Python and templates (Django and Jinja2) is in the
    catalogues, and the catalogues hold nothing else."""
    for name in ("accounts", "mailview", "webmail", "templates", "locale"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("*.mo"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "de", "--no-obsolete", "-v", "0"],
        cwd=tmp_path,
        check=True,
    )

    def msgids(root: Path) -> set[tuple[str | None, str]]:
        po = root / "locale" / "de" / "LC_MESSAGES" / "django.po"
        return {(e.context, e.msgid) for e in read_po(po)}

    assert msgids(tmp_path) == msgids(ROOT)
