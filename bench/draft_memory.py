"""A draft with large attachments and a worker's memory (issue 12): how much one autosave of a
draft with six 20 MB attachments grows the Daphne worker.

    .venv/bin/python -m bench.draft_memory [--files 6] [--mb 20] [--saves 2]

1. A private Dovecot with one user, and the app served the way it is deployed
   (`python -m webmail.serve`, one worker), WEBMAIL_MAX_MESSAGE_SIZE raised so that the
   attachments fit.
2. The user opens a new compose and uploads ``--files`` files of ``--mb`` MB (random bytes:
   base64 cannot shrink them); the uploads stream to disk. A small draft is saved once (the
   IMAP connection and the code paths warm). The worker's RSS (VmRSS) is read.
3. The draft is saved ``--saves`` times (each an APPEND of the whole message and an EXPUNGE of
   the previous version) while a sampler reads the worker's RSS every 20 ms. Printed: the RSS
   before, its peak and the growth, the time of each save and the size of the draft.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from bench.list_pages import PASSWORD, USER, csrf_token, login
from bench.request_bodies import PeakRSS, worker_pid
from bench.workers import serve
from webmail.devmail.dovecot import Dovecot, connect

MB = 1024 * 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.draft_memory")
    parser.add_argument("--files", type=int, default=6)
    parser.add_argument("--mb", type=int, default=20)
    parser.add_argument("--saves", type=int, default=2)
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="webmail-bench-drafts-", dir="/var/tmp"))
    root.chmod(0o755)
    dovecot = Dovecot(root / "dovecot")
    os.environ["WEBMAIL_MAX_MESSAGE_SIZE"] = str(2 * args.files * args.mb * MB)
    os.environ["WEBMAIL_COMPOSE_DIR"] = str(root / "compose")
    try:
        dovecot.start()
        dovecot.add_user(USER, PASSWORD)
        workdir = root / "app"
        workdir.mkdir()
        process, url = serve(workdir, dovecot, 1)
        try:
            pid = worker_pid(process.pid)
            client = login(url, USER)
            location = client.get("/compose/").headers["location"]
            compose_id = re.fullmatch(r"/compose/([0-9a-f]{32})/", location)
            assert compose_id, location
            base = location
            client.get(base)
            form = {
                "to": "someone@example.org",
                "subject": "Big draft",
                "text": "The files.\n",
                "format": "text",
                "csrfmiddlewaretoken": csrf_token(client),
            }
            warm = client.post(base + "save/", data={**form, "subject": "warm-up"})
            assert warm.status_code == 200 and warm.json()["ok"], warm.text[:300]
            for n in range(args.files):
                path = root / f"file-{n}.bin"
                with path.open("wb") as out:
                    for _ in range(args.mb):
                        out.write(os.urandom(MB))
                with path.open("rb") as handle:
                    response = client.post(
                        base + "attachments/",
                        data={"csrfmiddlewaretoken": csrf_token(client)},
                        files={"file": (path.name, handle, "application/octet-stream")},
                    )
                assert response.status_code == 200, response.text[:300]
                path.unlink()
            time.sleep(1)
            seconds = []
            with PeakRSS(pid, interval=0.02) as memory:
                for _ in range(args.saves):
                    t0 = time.perf_counter()
                    response = client.post(base + "save/", data=form, timeout=600)
                    seconds.append(time.perf_counter() - t0)
                    assert response.status_code == 200 and response.json()["ok"], response.text[
                        :300
                    ]
            conn = connect(dovecot, USER, PASSWORD)
            try:
                drafts = conn.select("Drafts").exists
            finally:
                conn.logout()
            saves = ", ".join(f"{s:.1f} s" for s in seconds)
            print(f"{args.files} x {args.mb} MB attachments, {args.saves} saves: {saves}")
            print(f"messages in Drafts afterwards: {drafts} (each save replaces the previous)")
            print(memory.report())
            client.close()
        finally:
            process.terminate()
            process.wait(30)
    finally:
        dovecot.stop()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
