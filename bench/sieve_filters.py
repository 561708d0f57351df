"""What reading and saving filters costs over ManageSieve, against the raw protocol work.

    .venv/bin/python bench/sieve_filters.py        (from the root of the checkout)

Starts a private Dovecot with Pigeonhole (webmail.devmail.sieve), stores a 20-rule webmail
script for one user, and times, `--rounds` (30) times each, interleaved:
- raw: a socket, STARTTLS, AUTHENTICATE PLAIN, LISTSCRIPTS, GETSCRIPT, LOGOUT, written by hand;
- client: the same through `mailview.sieve.client.ManageSieve` plus `rules.parse_script`
  (what the Filters page and the out-of-office banner's refresh cost);
- save: `render_script` + PUTSCRIPT + SETACTIVE on the client's connection.
Prints the medians in milliseconds.

Then what the out-of-office read costs the first page of a session (`--pages`, 30 rounds): the
app under Daphne against the same Dovecot, 1,000 messages in INBOX, the script's vacation on
(the page shows the banner); each round logs in and times the first GET of the INBOX on two
servers in turn, one whose ManageSieve is this Dovecot's and one whose is a closed port (the
read fails at once, no banner). The difference is what the read adds to the page.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import shutil
import socket
import ssl
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mailview.imap.endpoint import Endpoint
    from webmail.devmail.dovecot import Dovecot


def main() -> int:
    sys.path.insert(0, str(Path.cwd()))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webmail.settings")
    import django

    django.setup()
    from mailview.imap.endpoint import Endpoint
    from mailview.sieve.client import ManageSieve
    from mailview.sieve.rules import (
        Action,
        Condition,
        FilterSet,
        Rule,
        Vacation,
        parse_script,
        render_script,
    )
    from webmail.devmail.sieve import sieve_dovecot, wait_for_managesieve

    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--pages", type=int, default=30)
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
            ),
            vacation=Vacation(enabled=True, text="Away until Monday."),
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
        if args.pages:
            first_pages(server, made.managesieve_port, args.pages)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    return 0


def first_pages(server: Dovecot, managesieve_port: int, rounds: int) -> None:
    """The first page of a session with the out-of-office read and without (module docstring)."""
    import imaplib

    from bench.list_pages import PASSWORD, login, logout, timed_page
    from mailview.sieve.client import ManageSieve
    from mailview.sieve.rules import FilterSet, Vacation, render_script
    from tests.support.liveserver import mail_env, run_daphne
    from webmail.devmail.factories import make_message, message_bytes
    from webmail.devmail.ports import free_port

    user = "firstpage"
    server.add_user(user, PASSWORD)
    imap = imaplib.IMAP4(server.host, server.imap_port)
    imap.starttls(ssl.create_default_context(cafile=str(server.ca_file)))
    imap.login(user, PASSWORD)
    for n in range(1000):
        imap.append("INBOX", None, None, message_bytes(make_message(subject=f"Message {n}")))
    imap.logout()
    with ManageSieve.open(endpoint_of(server, managesieve_port), user, PASSWORD) as sieve:
        sieve.put_script("webmail", render_script(FilterSet(vacation=Vacation(True, text="Away."))))
        sieve.set_active("webmail")
    env = {**mail_env(server), "LOG_LEVEL": "WARNING"}
    times: dict[str, list[float]] = {"with ManageSieve": [], "without": []}
    with contextlib.ExitStack() as stack:
        sites = {}
        for name, port in (("with ManageSieve", managesieve_port), ("without", free_port())):
            workdir = Path(tempfile.mkdtemp(prefix="bench-sieve-app-", dir="/var/tmp"))
            stack.callback(shutil.rmtree, workdir, True)
            sites[name] = stack.enter_context(run_daphne(workdir, {**env, "SIEVE_PORT": str(port)}))
        for i in range(rounds + 1):
            for name, site in sites.items():
                client = login(site.url, user)
                elapsed = timed_page(client, "INBOX", 50)
                banner = 'id="vacation-banner"' in client.get("/mail/INBOX/").text
                logout(client)
                if banner != (name == "with ManageSieve"):
                    raise RuntimeError(f"{name}: banner shown: {banner}")
                if i:  # the first round warms each server up
                    times[name].append(elapsed * 1000)
    for name, values in times.items():
        print(
            f"first page {name:17s} median {statistics.median(values):6.2f} ms  (n={len(values)})"
        )
    extra = statistics.median(times["with ManageSieve"]) - statistics.median(times["without"])
    print(f"the out-of-office read adds {extra:+.2f} ms to the first page of a session")


def endpoint_of(server: Dovecot, port: int) -> Endpoint:
    from mailview.imap.endpoint import Endpoint

    return Endpoint(server.host, port, "starttls", str(server.ca_file))


if __name__ == "__main__":
    sys.exit(main())
