"""The compiled translation catalogues (.mo) for the test run.

`scripts/setup` compiles them (`manage.py compilemessages`); a test run started another way
(`.venv/bin/pytest ...` after a pull) compiles here those missing or older than their .po, once,
before any xdist worker starts. .mo files are never committed.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def stale_catalogs() -> list[Path]:
    """The .po files whose .mo is missing or older."""
    stale = []
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            stale.append(po)
    return stale


def compile_catalogs() -> None:
    for po in stale_catalogs():
        subprocess.run(
            ["msgfmt", "--check-format", "-o", str(po.with_suffix(".mo")), str(po)], check=True
        )


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controller (or the only process)
        compile_catalogs()
