"""The layout keeps modules small enough to read (issue 11: about 500 lines at most).

The direction of imports is checked by import-linter in scripts/test, not here."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("accounts", "mailview", "webmail", "tests")
MAX_LINES = 500
# Data, not code: the demo mailbox's generated content.
EXEMPT = {"webmail/devmail/demo.py"}


def modules() -> list[Path]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in EXEMPT:
                continue
            found.append(path)
    return found


def test_the_packages_are_found() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in modules()}
    assert "mailview/services/mailbox.py" in names
    assert "mailview/views/mailbox.py" in names


def test_no_module_is_over_500_lines() -> None:
    too_long = {
        path.relative_to(ROOT).as_posix(): lines
        for path in modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not too_long, f"split these modules (lines): {too_long}"
