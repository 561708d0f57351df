"""mailview/imap imports nothing of the app above it (issue 11): only the standard library,
Django's utilities and itself. (import-linter checks the layers between packages; this also
keeps imaplib and imapclient out.)"""

from __future__ import annotations

import ast
from pathlib import Path

IMAP = Path(__file__).resolve().parents[2] / "mailview" / "imap"
FORBIDDEN = ("accounts", "webmail", "mailview", "imaplib", "imapclient")


def imported_modules(path: Path) -> list[str]:
    """Absolute names of what `path` imports (relative imports resolved inside mailview.imap)."""
    package = ["mailview", *path.parent.relative_to(IMAP.parent.parent).parts[1:]]
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                if node.module:
                    names.append(".".join([*base, node.module]))
                else:  # from .. import events
                    names += [".".join([*base, alias.name]) for alias in node.names]
            else:
                names.append(node.module or "")
    return names


def test_the_imap_package_imports_nothing_of_the_app():
    offending = []
    for path in sorted(IMAP.rglob("*.py")):
        for name in imported_modules(path):
            top = name.split(".")[0]
            if top in FORBIDDEN and not name.startswith("mailview.imap"):
                offending.append(f"{path.relative_to(IMAP)}: {name}")
    assert offending == []


def test_relative_imports_are_resolved():
    names = imported_modules(IMAP / "protocol" / "responses.py")
    assert "mailview.imap.protocol.syntax" in names
    assert "mailview.imap.protocol.commands" in imported_modules(IMAP / "blocking.py")
