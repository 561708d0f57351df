"""A worker's start-up objects are frozen out of the collector's sight; later garbage is not,
and young objects are collected less often."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import weakref
from pathlib import Path

from webmail.gcfreeze import YOUNG_THRESHOLD, freeze_long_lived

ROOT = Path(__file__).resolve().parents[2]


def test_building_the_asgi_application_freezes_what_start_up_made(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "webmail.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SECRET_KEY": "gc-freeze-test-secret-key-0123456789",
        "PYTHONPATH": str(ROOT),
    }
    code = (
        "import gc, webmail.asgi; "
        "print(gc.get_freeze_count(), len(gc.get_objects()), gc.get_threshold()[0])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    frozen, still_watched, young = (int(n) for n in out.stdout.split())
    assert frozen > 50_000  # Django, the apps, the URLconf and its views
    assert still_watched < frozen / 10
    assert young == YOUNG_THRESHOLD  # the youngest generation collected less often


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_cycles_made_after_the_freeze_are_still_collected():
    freeze_long_lived()
    try:
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: only the collector frees it
        gone = weakref.ref(a)
        del a, b
        gc.collect()
        assert gone() is None
    finally:
        gc.unfreeze()
