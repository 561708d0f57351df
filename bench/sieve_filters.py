"""What reading and saving filters costs over ManageSieve, against the raw protocol work.

    .venv/bin/python bench/sieve_filters.py        (from the root of the checkout)

Starts a private Dovecot with Pigeonhole (webmail.devmail.sieve), stores a 20-rule webmail
script for one user, and times, `--rounds` (30) times each, interleaved:
- raw: a socket, STARTTLS, AUTHENTICATE PLAIN, LISTSCRIPTS, GETSCRIPT, LOGOUT, written by hand;
- client: the same through `mailview.sieve.client.ManageSieve` plus `rules.parse_script`
  (what the Filters page and the out-of-office banner's refresh cost);
- save: `render_script` + PUTSCRIPT + SETACTIVE on the client's connection.
Prints the medians in milliseconds.
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import socket
import ssl
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    sys.path.insert(0, str(Path.cwd()))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webmail.settings")
    import django

    django.setup()
    from mailview.imap.endpoint import Endpoint
    from mailview.sieve.client import ManageSieve
    from mailview.sieve.rules import Action, Condition, FilterSet, Rule, parse_script, render_script
    from webmail.devmail.sieve import sieve_dovecot, wait_for_managesieve

    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-sieve-", dir="/var/tmp"))
    root.chmod(0o755)
    made = sieve_dovecot(root)
    server = made.dovecot
    try:
        server.start()
        wait_for_managesieve(server.host, made.managesieve_port)
        server.add_user("bench", "bench-pw")
        endpoint = Endpoint(server.host, made.managesieve_port, "starttls", str(server.ca_file))
        filters = FilterSet(
            rules=tuple(
                Rule(
                    f"Rule {n}",
                    (Condition("from", f"sender{n}@example.org"), Condition("subject", f"s{n}")),
                    (Action("mark_read"), Action("move", "INBOX")),
                )
                for n in range(20)
            )
        )
        with ManageSieve.open(endpoint, "bench", "bench-pw") as sieve:
            sieve.put_script("webmail", render_script(filters))
            sieve.set_active("webmail")
        context = ssl.create_default_context(cafile=str(server.ca_file))

        def raw() -> None:
            sock = socket.create_connection((server.host, made.managesieve_port))
            f = sock.makefile("rb")

            def until_ok() -> None:
                while not f.readline().startswith((b"OK", b"NO")):
                    pass

            until_ok()
            sock.sendall(b"STARTTLS\r\n")
            until_ok()
            f.close()
            tls = context.wrap_socket(sock, server_hostname=server.host)
            f = tls.makefile("rb")
            until_ok()
            token = base64.b64encode(b"\0bench\0bench-pw")
            tls.sendall(b'AUTHENTICATE "PLAIN" "' + token + b'"\r\n')
            until_ok()
            tls.sendall(b'LISTSCRIPTS\r\nGETSCRIPT "webmail"\r\n')
            until_ok()
            until_ok()
            tls.sendall(b"LOGOUT\r\n")
            until_ok()
            tls.close()

        def client() -> None:
            with ManageSieve.open(endpoint, "bench", "bench-pw") as sieve:
                sieve.list_scripts()
                parse_script(sieve.get_script("webmail"))

        times: dict[str, list[float]] = {"raw": [], "client": [], "save": []}
        with ManageSieve.open(endpoint, "bench", "bench-pw") as keep:
            for _ in range(args.rounds):
                for name, fn in (("raw", raw), ("client", client)):
                    start = time.perf_counter()
                    fn()
                    times[name].append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                keep.put_script("webmail", render_script(filters))
                keep.set_active("webmail")
                times["save"].append((time.perf_counter() - start) * 1000)
        for name, values in times.items():
            print(f"{name:7s} median {statistics.median(values):6.2f} ms  (n={len(values)})")
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
