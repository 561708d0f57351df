"""The translation catalogues for tests: compiled from locale/*/LC_MESSAGES/*.po when a .mo is
missing or older (scripts/setup compiles them; the .mo files are not committed), and read back."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"


def compile_catalogues() -> None:
    """Make every .mo as new as its .po (what `manage.py compilemessages` does)."""
    stale = [
        po
        for po in LOCALE.glob("*/LC_MESSAGES/*.po")
        if not po.with_suffix(".mo").exists()
        or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if stale:
        subprocess.run(
            [sys.executable, "manage.py", "compilemessages", "--ignore=.venv", "-v", "0"],
            cwd=ROOT,
            check=True,
        )


@dataclass(frozen=True)
class Entry:
    msgid: str
    plural: str | None
    msgstr: tuple[str, ...]
    fuzzy: bool


_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _text(line: str) -> str:
    found = _STRING.search(line)
    if not found:
        return ""
    escapes = {"n": "\n", "t": "\t"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), found.group(1))


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file (the header excluded), as msgfmt sees them."""
    entries: list[Entry] = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        fields: dict[str, str] = {}
        fuzzy = False
        current = ""
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            if line.startswith("#"):
                continue
            keyword = line.split(" ", 1)[0] if not line.startswith('"') else ""
            if keyword:
                current = keyword
                fields[current] = _text(line)
            else:
                fields[current] += _text(line)
        if "msgid" not in fields or fields["msgid"] == "":
            continue
        forms = tuple(v for k, v in sorted(fields.items()) if k.startswith("msgstr"))
        entries.append(Entry(fields["msgid"], fields.get("msgid_plural"), forms, fuzzy))
    return entries
