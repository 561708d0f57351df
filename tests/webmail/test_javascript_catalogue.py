"""The JavaScript side of the translations: every user-visible string of static/webmail/**/*.js
is in the djangojs catalogues (makemessages finds nothing new), German and French translate all
of them, Arabic the main screens; the catalogue is served at /jsi18n/ in the request's language
and loaded before the app's scripts (and with the offline page, which keeps it)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.support.locales import LOCALE, ROOT, compile_catalogues, read_po

LANGUAGES = ("de", "fr", "ar")
#: What makemessages needs to run: the project (settings, apps) and the JavaScript it reads.
COPIED = ("manage.py", "webmail", "accounts", "mailview", "static", "locale", "templates")


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """makemessages -d djangojs run on a copy of the project, as a developer would run it."""
    copy = tmp_path_factory.mktemp("project")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo")
            )
        else:
            shutil.copy2(source, copy / name)
    command = [
        sys.executable,
        "manage.py",
        "makemessages",
        "-d",
        "djangojs",
        "--ignore=static/vendor",
    ]
    for language in LANGUAGES:
        command += ["-l", language]
    subprocess.run(command, cwd=copy, check=True, capture_output=True)
    return copy / "locale"


@pytest.mark.parametrize("language", LANGUAGES)
def test_makemessages_finds_nothing_new(regenerated: Path, language: str) -> None:
    path = f"{language}/LC_MESSAGES/djangojs.po"
    committed = {(e.msgid, e.plural) for e in read_po(LOCALE / path)}
    found = {(e.msgid, e.plural) for e in read_po(regenerated / path)}
    assert found - committed == set(), "strings in the JavaScript not in the catalogue"
    assert committed - found == set(), "catalogue entries no longer in the JavaScript"
    assert len(found) > 80


def test_every_user_visible_javascript_string_is_marked() -> None:
    """A heuristic net under makemessages: text put on the page must come from gettext."""
    unmarked = re.compile(
        r"""(textContent|title|placeholder)\s*[+]?=\s*["'`][A-Za-z]"""
        r"""|setAttribute\("(aria-label|title|placeholder)",\s*["'`]"""
        r"""|(flash|say|setStatus|showNotice|showAttachError|toggleButton|button)\(["'`][A-Za-z]"""
    )
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in (ROOT / "static" / "webmail").rglob("*.js")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if unmarked.search(line)
    ]
    assert found == []


@pytest.mark.parametrize("language", ["de", "fr"])
def test_german_and_french_are_complete(language: str) -> None:
    entries = read_po(LOCALE / language / "LC_MESSAGES" / "djangojs.po")
    assert [e.msgid for e in entries if e.fuzzy] == []
    assert [
        e.msgid for e in entries if not all(e.msgstr) or len(e.msgstr) != (2 if e.plural else 1)
    ] == []
    # Placeholders survive translation (interpolate() fills them by name or in order).
    placeholders = re.compile(r"%\(\w+\)s|%s")
    for entry in entries:
        wanted = sorted(placeholders.findall(entry.msgid))
        assert all(sorted(placeholders.findall(form)) == wanted for form in entry.msgstr), entry


def test_arabic_covers_the_main_screens() -> None:
    entries = {e.msgid: e for e in read_po(LOCALE / "ar" / "LC_MESSAGES" / "djangojs.po")}
    main_screens = [
        "Inbox",
        "Reply",
        "Delete",
        "Mark read",
        "Print",
        "Saving draft…",
        "No messages",
        "Select a message to read it.",
        "Sound",
        "Notifications",
        "Unlock",
        "Password",
    ]
    assert [m for m in main_screens if not all(entries[m].msgstr)] == []
    assert [e.msgid for e in entries.values() if e.fuzzy] == []
    plural = [e for e in entries.values() if e.plural and all(e.msgstr)]
    assert plural and all(len(e.msgstr) == 6 for e in plural)  # Arabic has six plural forms


@pytest.mark.parametrize(
    ("language", "expected"),
    [("de", "Posteingang"), ("fr", "Boîte de réception"), ("ar", "البريد الوارد")],
)
def test_the_catalogue_is_served_in_the_request_language(
    client: Client, language: str, expected: str
) -> None:
    compile_catalogues()
    response = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    encoded = json.dumps(expected)[1:-1]  # the catalogue is JSON inside the script
    assert encoded in response.content.decode()
    english = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert encoded not in english


@pytest.mark.django_db
def test_the_catalogue_comes_before_the_scripts_that_use_it(client: Client) -> None:
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert '<html lang="ar" dir="rtl"' in page
    scripts = re.findall(r'<script[^>]* src="([^"]+)"', page)
    assert scripts[0].startswith("/jsi18n/?l=ar&")
    assert (
        '<html lang="de" dir="ltr"'
        in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    )
