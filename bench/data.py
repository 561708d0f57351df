"""Pre-seeded benchmark mailboxes in one directory that survives (default /work/bench-data).

    .venv/bin/python -m bench.data --seed lists            # 100k / 10k / 1k + 50 users
    .venv/bin/python -m bench.data --seed million          # a 1,000,000-message INBOX
    .venv/bin/python -m bench.data --seed fts              # 100k INBOX, Xapian index
    .venv/bin/python -m bench.data --list                  # what is there

Seeding is separate from measuring (bench.quiet_run only reuses what is here; the benchmarks
take ``--data-dir``). Each data set is a directory ``<data-dir>/<name>`` holding a private
Dovecot's files (``dovecot/``, the Maildirs written directly as bench.list_pages does) and a
``seeded`` marker written last, so a seeding stopped halfway is redone, not reused.

The million-message INBOX is written by ``--jobs`` processes at once (each its own slice of
the six years of mail, streamed from bench.corpus: memory stays flat whatever the count), then
Dovecot syncs it once (``doveadm index``) and sorts it once (the first SORT builds its sort
cache), so that what is measured later is steady state.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.corpus import generate
from bench.list_pages import PASSWORD, USER, Folder, log, seed, wire_connect, wire_round
from webmail.devmail.dovecot import Dovecot
from webmail.devmail.fts import XAPIAN_FTS
from webmail.devmail.maildir import index_folder, write_maildir

DEFAULT_DIR = Path(os.environ.get("WEBMAIL_BENCH_DATA", "/work/bench-data"))
SPAN_DAYS = 6 * 365


@dataclass(frozen=True)
class DataSet:
    name: str
    folders: tuple[Folder, ...]
    load_users: int = 0
    fts: bool = False
    about: str = ""

    @property
    def extra_config(self) -> str:
        return XAPIAN_FTS if self.fts else ""


DATA_SETS = {
    d.name: d
    for d in (
        DataSet(
            "lists",
            (Folder("INBOX", 100_000), Folder("Ten", 10_000), Folder("Thousand", 1_000)),
            load_users=50,
            about="user bench: INBOX 100,000, Ten 10,000, Thousand 1,000; load01..50: 1,000 each",
        ),
        DataSet(
            "million",
            (Folder("INBOX", 1_000_000), Folder("Thousand", 1_000)),
            about="user bench: INBOX 1,000,000, Thousand 1,000",
        ),
        DataSet(
            "fts",
            (Folder("INBOX", 100_000),),
            fts=True,
            about="user bench: INBOX 100,000 with Dovecot's Xapian full-text index",
        ),
    )
}


def root_of(data_dir: Path, name: str) -> Path:
    return data_dir / name


def is_seeded(data_dir: Path, name: str) -> bool:
    return (root_of(data_dir, name) / "seeded").exists()


@contextlib.contextmanager
def running(data_dir: Path, name: str, extra_config: str = "") -> Iterator[Dovecot]:
    """Dovecot started on the seeded data set ``name`` (its users known again), stopped after."""
    data = DATA_SETS[name]
    root = root_of(data_dir, name)
    if not is_seeded(data_dir, name):
        raise SystemExit(f"{root} is not seeded: run .venv/bin/python -m bench.data --seed {name}")
    dovecot = Dovecot(
        root / "dovecot", extra_config="\n".join(filter(None, (data.extra_config, extra_config)))
    )
    dovecot.start()
    try:
        dovecot.add_user(USER, PASSWORD)
        for i in range(1, data.load_users + 1):
            dovecot.add_user(f"load{i:02d}", PASSWORD)
        yield dovecot
    finally:
        dovecot.stop()


def _write_slice(args: tuple[str, str, int, int, int, float, float]) -> int:
    """One process's share: ``count`` messages spread over [start, end)."""
    maildir, folder, count, part, seed_base, start, end = args
    span = (end - start) / 86400
    messages = generate(
        count,
        seed=seed_base * 1000 + part,
        end=datetime.fromtimestamp(end, UTC),
        span_days=max(1, round(span)),
        tag=f"{folder[0]}{part}",
    )
    return write_maildir(Path(maildir), folder, messages)


def write_big(dovecot: Dovecot, folder: Folder, number: int, jobs: int) -> float:
    """Write ``folder`` with ``jobs`` processes, each a consecutive slice of the timeline."""
    t0 = time.perf_counter()
    maildir = dovecot.maildir(USER)
    write_maildir(maildir, folder.name, [])  # the directories, once, before the processes
    end = datetime.now(UTC).replace(microsecond=0).timestamp()
    start = end - timedelta(days=SPAN_DAYS).total_seconds()
    parts = max(1, jobs * 4)  # smaller slices: an even spread over the processes
    per, extra = divmod(folder.count, parts)
    step = (end - start) / parts
    work = [
        (
            str(maildir),
            folder.name,
            per + (1 if i < extra else 0),
            i,
            number + 1,
            start + i * step,
            start + (i + 1) * step,
        )
        for i in range(parts)
    ]
    written = 0
    with ProcessPoolExecutor(jobs) as pool:
        for n in pool.map(_write_slice, work):
            written += n
            log(f"{folder.name}: {written:,} of {folder.count:,} written")
    assert written == folder.count, (written, folder.count)
    return time.perf_counter() - t0


def _step(root: Path, name: str) -> bool:
    """Was step ``name`` of a seeding done (a seeding stopped later resumes after it)?"""
    return (root / f"done-{name}").exists()


def _done(root: Path, name: str, timings: dict[str, float]) -> None:
    (root / f"done-{name}").write_text(json.dumps(timings))


def _seed_big(dovecot: Dovecot, root: Path, data: DataSet, jobs: int) -> dict[str, float]:
    """Write, index and sort once, each step resumable (a million messages take a while)."""
    timings: dict[str, float] = {}
    dovecot.add_user(USER, PASSWORD)
    if not _step(root, "written"):
        for number, folder in enumerate(data.folders):
            timings[f"write {folder.name} ({folder.count:,}, {jobs} processes)"] = write_big(
                dovecot, folder, number, jobs
            )
        _done(root, "written", timings)
    if not _step(root, "indexed"):
        for folder in data.folders:
            t0 = time.perf_counter()
            index_folder(dovecot, USER, folder.name)
            timings[f"doveadm index {folder.name}"] = time.perf_counter() - t0
            log(f"indexed {folder.name} in {timings[f'doveadm index {folder.name}']:.0f} s")
        _done(root, "indexed", timings)
    # The first SORT of a million builds Dovecot's sort data: minutes on a busy machine.
    imap = wire_connect(dovecot, USER, PASSWORD, timeout=3600)
    try:
        for folder in data.folders:
            t0 = time.perf_counter()
            wire_round(imap, folder.name)
            timings[f"first SELECT+SORT+FETCH {folder.name}"] = time.perf_counter() - t0
            log(f"first SORT of {folder.name} in {time.perf_counter() - t0:.0f} s")
    finally:
        imap.close()
    return timings


def seed_data_set(data_dir: Path, name: str, jobs: int) -> dict[str, float]:
    data = DATA_SETS[name]
    root = root_of(data_dir, name)
    if is_seeded(data_dir, name):
        log(f"{root} is already seeded")
        return {}
    resume = name == "million" and _step(root, "written")
    if root.exists() and not resume:
        raise SystemExit(f"{root} exists but is not seeded (stopped halfway?): remove it first")
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    dovecot = Dovecot(root / "dovecot", extra_config=data.extra_config)
    dovecot.start()
    try:
        if name == "million":
            timings = _seed_big(dovecot, root, data, jobs)
        else:
            timings = seed(dovecot, list(data.folders), data.load_users)
    finally:
        dovecot.stop()
    (root / "seeded").write_text(json.dumps({"timings": timings, "at": time.time()}, indent=1))
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--seed", choices=sorted(DATA_SETS), action="append", default=[])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args(argv)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    args.data_dir.chmod(0o755)
    for name in args.seed:
        t0 = time.perf_counter()
        timings = seed_data_set(args.data_dir.absolute(), name, args.jobs)
        for step, seconds in timings.items():
            log(f"{name}: {step}: {seconds:.1f} s")
        log(f"{name}: seeded in {time.perf_counter() - t0:.0f} s")
    if args.list or not args.seed:
        for name, data in DATA_SETS.items():
            state = "seeded" if is_seeded(args.data_dir, name) else "not seeded"
            print(f"{name:8s} {state:11s} {root_of(args.data_dir, name)}  ({data.about})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
