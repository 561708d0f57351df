"""Claimers in separate processes on one database (SQLite, and PostgreSQL when DATABASE_URL
names one, as in the hosted run): every due row is claimed by exactly one of them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.support.liveserver import ROOT
from tests.webmail.test_deployment import launcher_database

ROWS = 60
CLAIMERS = 4


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_concurrent_claimers_take_each_row_once(backend: str) -> None:
    if backend == "postgres" and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("PostgreSQL: run with DATABASE_URL=postgres://... (the hosted run does)")
    workdir = Path(tempfile.mkdtemp(prefix="webmail-claimers-"))
    with launcher_database(workdir) as url:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "webmail.settings",
            "DATABASE_URL": url,
            "PYTHONPATH": str(ROOT),
        }

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True
            )

        assert run("manage.py", "migrate", "--noinput", "-v", "0").returncode == 0
        seeded = run("-m", "tests.support.claimer", "seed", str(ROWS))
        assert seeded.returncode == 0, seeded.stderr
        user_id = seeded.stdout.strip()
        go = workdir / "go"
        claimers = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.support.claimer", "claim", f"w{i}", str(go), user_id],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(CLAIMERS)
        ]
        go.touch()  # all at once
        results = [claimer.communicate(timeout=120) for claimer in claimers]
    for claimer, (_out, err) in zip(claimers, results, strict=True):
        assert claimer.returncode == 0, err
    taken = [pk for out, _err in results for pk in json.loads(out)]
    assert len(taken) == ROWS
    assert len(set(taken)) == ROWS  # nobody got a row another one got
